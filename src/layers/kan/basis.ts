/**
 * Basis expansions shared by every KAN layer (and SelectableKAN): pure tensor
 * functions mapping `x [N, I]` to per-input features `[N, I, n_b]`.
 *
 * Every function is differentiable with respect to `x` (no `tf.einsum`, no
 * `acos`), is synchronous, and returns a new tensor that the caller disposes.
 * The signatures are stable: SelectableKAN imports them.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Uniform extended knot vector of efficient-kan (`KANLinear.__init__`):
 * `h = (b − a)/G`, `t_m = a + (m − k)·h` for `m = 0 … G+2k` (G+2k+1 knots).
 * Plain float64 numbers; the interior knots are `t_k … t_{G+k}` = `a … b`.
 */
export function uniformKnots(gridSize: number, splineOrder: number, range: [number, number]): number[] {
  const [a, b] = range;
  const h = (b - a) / gridSize;
  return Array.from({length: gridSize + 2 * splineOrder + 1}, (_, m) => a + (m - splineOrder) * h);
}

/**
 * The uniform grid `[I, G+2k+1]`: {@link uniformKnots} repeated for each of the
 * `inDim` inputs. The caller disposes the result.
 */
export function uniformGrid(
  inDim: number,
  gridSize: number,
  splineOrder: number,
  range: [number, number],
): tf.Tensor2D {
  const knots = uniformKnots(gridSize, splineOrder, range);
  const data = new Float32Array(inDim * knots.length);
  for (let i = 0; i < inDim; i++) data.set(knots, i * knots.length);
  return tf.tensor2d(data, [inDim, knots.length]);
}

/** `1/(t_{j+p} − t_j)` for `j = 0 … M−1` as `[I, M]`: 0 where j+p > M−1 or the knots coincide. */
function reciprocalSpans(grid: tf.Tensor2D, p: number): tf.Tensor2D {
  const [inDim, m] = grid.shape;
  const span = tf.sub(
    tf.slice(grid, [0, p], [inDim, m - p]),
    tf.slice(grid, [0, 0], [inDim, m - p]),
  ); // [I, M−p]
  // A coincident knot pair gives a 0/0 term; pykan uses nan_to_num, we use 0.
  const inv = tf.where(tf.greater(span, 0), tf.div(1, tf.maximum(span, 1e-30)), tf.zerosLike(span)); // [I, M−p]
  return tf.pad(inv, [[0, 0], [0, p]]) as tf.Tensor2D; // [I, M]
}

/** A constant `[rows, cols]` matrix with the listed `(r, c, value)` entries, zeros elsewhere. */
function sparseMatrix(rows: number, cols: number, entries: Array<[number, number, number]>): tf.Tensor2D {
  const data = new Float32Array(rows * cols);
  for (const [r, c, v] of entries) data[r * cols + c] = v;
  return tf.tensor2d(data, [rows, cols]);
}

/**
 * B-spline bases of order `k` on per-input knots, by the vectorised Cox–de
 * Boor recursion of efficient-kan (`KANLinear.b_splines`):
 *
 * `B⁰_m(x) = [t_m ≤ x < t_{m+1}]`;
 * `Bᵖ_m(x) = (x − t_m)/(t_{m+p} − t_m)·Bᵖ⁻¹_m(x) + (t_{m+p+1} − x)/(t_{m+p+1} − t_{m+1})·Bᵖ⁻¹_{m+1}(x)`.
 *
 * Shapes: `x [N, I]`, `grid [I, G+2k+1]` (non-decreasing along axis 1) →
 * `[N, I, G+k]`. All bases are exactly 0 outside `[t_0, t_{G+2k})` (the right
 * end is half-open, as in the reference). Coincident knots contribute 0 instead
 * of NaN. Gradients flow to `x` only (the knots are treated as constants),
 * through the exact derivative of the bases (a custom gradient).
 * Synchronous; the caller disposes the result.
 *
 * Implementation: with `w_j = (x − t_j)/(t_{j+p} − t_j)` the right factor of
 * `Bᵖ_m` is `1 − w_{m+1}`, so `Bᵖ = u + shift(Bᵖ⁻¹ − u)` with `u = w ⊙ Bᵖ⁻¹`.
 * Every order keeps the full knot width M (zeros in the unused tail) and the
 * index shift is a matMul by a constant `[M, M]` matrix, so there is no slicing
 * on the hot path (strided slices and their pad gradients dominate on the
 * tfjs cpu backend).
 */
export function bsplineBasis(x: tf.Tensor2D, grid: tf.Tensor2D, k: number): tf.Tensor3D {
  const [, inDim] = x.shape;
  const m = grid.shape[1]; // G+2k+1 knots
  if (grid.shape[0] !== inDim) {
    throw new Error(`bsplineBasis: grid has ${grid.shape[0]} rows for ${inDim} inputs.`);
  }
  if (m - 1 - k < 1) throw new Error(`bsplineBasis: ${m} knots are too few for order ${k}.`);
  // The value and its exact derivative come from one forward pass; the
  // backward pass is then dL/dx = Σ_j dL/dB_j·B'_j (one mul + sum) instead of
  // replaying every op of the recursion (and keeping their inputs alive).
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const {value, derivative} = bsplineWithDerivative(args[0] as tf.Tensor2D, grid, k);
    (args[1] as tf.GradSaveFunc)([derivative]);
    return {value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.sum(tf.mul(dy, saved[0]), 2)};
  });
  return op(x) as tf.Tensor3D;
}

/**
 * `B(x)` `[N, I, G+k]` and `dB/dx` `[N, I, G+k]` on the grid, with
 * `B'_{j,k} = k·B_{j,k−1}/(t_{j+k} − t_j) − k·B_{j+1,k−1}/(t_{j+k+1} − t_{j+1})` (0 for k = 0).
 */
function bsplineWithDerivative(
  x: tf.Tensor2D,
  grid: tf.Tensor2D,
  k: number,
): {value: tf.Tensor3D; derivative: tf.Tensor3D} {
  return tf.tidy(() => {
    const [n, inDim] = x.shape;
    const m = grid.shape[1]; // G+2k+1 knots
    const nb = m - 1 - k; // G+k bases
    const rows = n * inDim;
    // shift(v)_j = v_{j+1} (0 at the end); first difference with the last column zeroed.
    const shiftEntries: Array<[number, number, number]> = [];
    const diffEntries: Array<[number, number, number]> = [];
    for (let j = 0; j < m - 1; j++) {
      shiftEntries.push([j + 1, j, 1]);
      diffEntries.push([j, j, 1], [j + 1, j, -1]);
    }
    const shift = sparseMatrix(m, m, shiftEntries); // [M, M]
    const diff = sparseMatrix(m, m, diffEntries); // [M, M]: v ↦ v − shift(v), last column 0
    const select = sparseMatrix(m, nb, Array.from({length: nb}, (_, j) => [j, j, 1] as [number, number, number])); // [M, G+k]
    const xe = tf.expandDims(x, 2); // [N, I, 1]
    const d = tf.sub(xe, grid); // [N, I, M]: x − t_j
    // [x ≥ t_j] = 1 − step(t_j − x): the sign of a float32 difference is exact, so
    // this is the half-open indicator (a broadcast GreaterEqual + Cast is ~100x
    // slower on the wasm backend).
    const above = tf.reshape(tf.sub(1, tf.step(tf.neg(d))), [rows, m]); // [N·I, M]: [x ≥ t_j]
    // B⁰_j = [x ≥ t_j] − [x ≥ t_{j+1}] for j < M−1, and 0 at j = M−1.
    let b = tf.reshape(tf.matMul(above, diff), [n, inDim, m]); // [N, I, M]
    let derivative: tf.Tensor = tf.zeros([n, inDim, nb]); // k = 0: piecewise constant
    for (let p = 1; p <= k; p++) {
      // A tidy per order frees its [N, I, M] temporaries at once (lower peak memory).
      const prev = b;
      const next = tf.tidy(() => {
        const inv = reciprocalSpans(grid, p); // [I, M]
        const out: {b: tf.Tensor; derivative?: tf.Tensor} = {b: prev};
        if (p === k) {
          const v = tf.reshape(tf.mul(prev, inv), [rows, m]); // [N·I, M]: B_{j,k−1}/(t_{j+k} − t_j)
          out.derivative = tf.reshape(tf.mul(tf.matMul(tf.matMul(v, diff), select), k), [n, inDim, nb]); // [N, I, G+k]
        }
        const u = tf.mul(tf.mul(d, inv), prev); // [N, I, M]: w_j·Bᵖ⁻¹_j
        const shifted = tf.matMul(tf.reshape(tf.sub(prev, u), [rows, m]), shift); // [N·I, M]
        out.b = tf.add(u, tf.reshape(shifted, [n, inDim, m])); // [N, I, M]: valid for j < M−1−p, 0 beyond
        return out;
      });
      prev.dispose();
      b = next.b;
      if (next.derivative != null) {
        derivative.dispose();
        derivative = next.derivative;
      }
    }
    const value = tf.reshape(tf.matMul(tf.reshape(b, [rows, m]), select), [n, inDim, nb]) as tf.Tensor3D; // [N, I, G+k]
    return {value, derivative: derivative as tf.Tensor3D};
  });
}

/**
 * Gaussian radial basis functions of FastKAN (`fastkan.py`, `RadialBasisFunction`):
 * `b_j(x) = exp(−((x − c_j)/h)²)`.
 *
 * Shapes: `x [N, I]`, `centers` of length n (numbers or a `[n]` tensor), `width`
 * h > 0 → `[N, I, n]`. Synchronous; the caller disposes the result.
 */
export function rbfBasis(x: tf.Tensor2D, centers: number[] | tf.Tensor1D, width: number): tf.Tensor3D {
  return tf.tidy(() => {
    const c = Array.isArray(centers) ? tf.tensor1d(centers) : centers; // [n]
    const z = tf.mul(tf.sub(tf.expandDims(x, 2), c), 1 / width); // [N, I, n]
    return tf.exp(tf.neg(tf.square(z))) as tf.Tensor3D; // [N, I, n]
  });
}

/**
 * FastKAN's centres `linspace(gridMin, gridMax, n)` and width
 * `(gridMax − gridMin)/(n − 1)` (for n = 1 the width is `gridMax − gridMin`).
 */
export function rbfGrid(gridMin: number, gridMax: number, numCenters: number): {centers: number[]; width: number} {
  const span = gridMax - gridMin;
  if (numCenters === 1) return {centers: [gridMin], width: span};
  const width = span / (numCenters - 1);
  return {centers: Array.from({length: numCenters}, (_, j) => gridMin + j * width), width};
}

/**
 * Chebyshev polynomials of the first kind `T_0 … T_D` by the recurrence
 * `T_0 = 1`, `T_1 = x`, `T_{d+1} = 2x·T_d − T_{d−1}` (not `cos(d·acos x)`,
 * whose gradient is infinite at ±1). Expects x in [−1, 1] (ChebyshevKAN applies
 * tanh first) but is finite for any x.
 *
 * Shapes: `x [N, I]` → `[N, I, D+1]`, feature d = `T_d(x)`. Synchronous; the
 * caller disposes the result.
 */
export function chebyshevBasis(x: tf.Tensor2D, degree: number): tf.Tensor3D {
  return tf.tidy(() => {
    const terms: tf.Tensor[] = [tf.onesLike(x)]; // T_0: [N, I]
    if (degree >= 1) terms.push(x); // T_1
    const twoX = degree >= 2 ? tf.mul(x, 2) : null; // [N, I]
    for (let d = 2; d <= degree; d++) {
      terms.push(tf.sub(tf.mul(twoX!, terms[d - 1]), terms[d - 2])); // T_d: [N, I]
    }
    return tf.stack(terms, 2) as tf.Tensor3D; // [N, I, D+1]
  });
}

/**
 * Fourier features of FourierKAN (`fftKAN.py`): `cos(k·x)` and `sin(k·x)` for
 * k = 1 … G.
 *
 * Layout: `x [N, I]` → `[N, I, 2G]` with features `[cos(1x) … cos(Gx),
 * sin(1x) … sin(Gx)]` along the last axis, so a kernel
 * `concat([cos_kernel, sin_kernel], 1)` of shape `[I, 2G, O]` matches it.
 * Synchronous; the caller disposes the result.
 */
export function fourierBasis(x: tf.Tensor2D, gridSize: number): tf.Tensor3D {
  return tf.tidy(() => {
    const ks = tf.range(1, gridSize + 1, 1, 'float32'); // [G]
    const kx = tf.mul(tf.expandDims(x, 2), ks); // [N, I, G]
    return tf.concat([tf.cos(kx), tf.sin(kx)], 2) as tf.Tensor3D; // [N, I, 2G]
  });
}
