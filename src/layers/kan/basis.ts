/**
 * Basis expansions shared by every KAN layer (and SelectableKAN): pure tensor
 * functions mapping `x [N, I]` to per-input features `[N, I, n_b]`.
 *
 * Every function is differentiable with respect to `x` (no `tf.einsum`, no
 * `acos`), is synchronous, and returns a new tensor that the caller disposes.
 * The signatures are stable: SelectableKAN imports them.
 */
import * as tf from '@tensorflow/tfjs-core';

import {sumAlongAxis} from './reduce';

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

/**
 * `−1/(t_{j+p} − t_j)` for `j = 0 … M−1−p`, one `[I]` vector per j, from the
 * knots `[M, I]` (knot-major): 0 where the knots coincide (a 0/0 term; pykan
 * uses nan_to_num, we use 0).
 */
function negReciprocalSpans(knots: tf.Tensor2D, p: number): tf.Tensor1D[] {
  return tf.tidy(() => {
    const [m, inDim] = knots.shape;
    const span = tf.sub(tf.slice(knots, [p, 0], [m - p, inDim]), tf.slice(knots, [0, 0], [m - p, inDim])); // [M−p, I]
    const inv = tf.where(tf.greater(span, 0), tf.div(-1, tf.maximum(span, 1e-30)), tf.zerosLike(span)); // [M−p, I]
    return tf.unstack(inv, 0) as tf.Tensor1D[];
  });
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
 * This is the transpose of {@link bsplineBasisFeatureMajor}, which the layers use.
 */
export function bsplineBasis(x: tf.Tensor2D, grid: tf.Tensor2D, k: number): tf.Tensor3D {
  return tf.tidy(() => tf.transpose(bsplineBasisFeatureMajor(x, grid, k), [0, 2, 1]) as tf.Tensor3D);
}

/**
 * {@link bsplineBasis} in feature-major layout: `x [N, I]`, `grid [I, G+2k+1]`
 * → `[N, G+k, I]` (basis j of input i at `[n, j, i]`), so
 * `reshape(·, [N, (G+k)·I])` is the feature matrix of {@link featureMajorMatMul}.
 *
 * Implementation (chosen by per-kernel profiles on wasm, where a strided
 * slice or a stack copies element by element in JS): the recursion runs on a
 * list of `[N, I]` tensors, one per basis index, so every index shift is free;
 * one concat builds the result. With `w_j = (x − t_j)/(t_{j+p} − t_j)` the right
 * factor of `Bᵖ_j` is `1 − w_{j+1}`, so `Bᵖ_j = a_j + (Bᵖ⁻¹_{j+1} − a_{j+1})`
 * with `a = w ⊙ Bᵖ⁻¹`: four elementwise ops per basis and order. The gradient
 * `dL/dx = Σ_j dL/dB_j·B'_j` uses
 * `B'_j = k·Bᵏ⁻¹_j/(t_{j+k} − t_j) − k·Bᵏ⁻¹_{j+1}/(t_{j+k+1} − t_{j+1})` from the
 * saved order-(k−1) bases, and is only computed when x needs a gradient.
 */
export function bsplineBasisFeatureMajor(x: tf.Tensor2D, grid: tf.Tensor2D, k: number): tf.Tensor3D {
  const [n, inDim] = x.shape;
  const m = grid.shape[1]; // G+2k+1 knots
  const nb = m - 1 - k; // G+k bases
  if (grid.shape[0] !== inDim) {
    throw new Error(`bsplineBasis: grid has ${grid.shape[0]} rows for ${inDim} inputs.`);
  }
  if (nb < 1) throw new Error(`bsplineBasis: ${m} knots are too few for order ${k}.`);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xx = args[0] as tf.Tensor2D;
    const {value, lower, negInv} = bsplineRecursion(xx, grid, k);
    // The slope B'_j/k = v_{j+1} − v_j with v_j = −Bᵏ⁻¹_j/(t_{j+k} − t_j), as [N, G+k, I];
    // saved instead of computed here, so a forward pass without gradient skips it.
    (args[1] as tf.GradSaveFunc)([...lower, ...negInv]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        if (k === 0) return tf.zerosLike(xx); // piecewise constant
        const v = saved.slice(0, nb + 1).map((b, j) => tf.mul(b, saved[nb + 1 + j])); // [N, I] each
        const slope = tf.concat(
          v.slice(0, nb).map((vj, j) => tf.sub(v[j + 1], vj)),
          1,
        ); // [N, (G+k)·I]
        return tf.mul(sumAlongAxis(tf.mul(dy, tf.reshape(slope, [n, nb, inDim])), 1), k); // [N, I]
      },
    };
  });
  return op(x) as tf.Tensor3D;
}

/**
 * The forward recursion of {@link bsplineBasisFeatureMajor}: the order-k bases
 * `[N, G+k, I]`, and for k ≥ 1 the order-(k−1) bases (G+k+1 tensors `[N, I]`)
 * with `−1/(t_{j+k} − t_j)` (G+k+1 vectors `[I]`) for the derivative (empty lists for k = 0).
 */
function bsplineRecursion(
  x: tf.Tensor2D,
  grid: tf.Tensor2D,
  k: number,
): {value: tf.Tensor3D; lower: tf.Tensor[]; negInv: tf.Tensor[]} {
  return tf.tidy(() => {
    const [n, inDim] = x.shape;
    const m = grid.shape[1]; // G+2k+1 knots
    const knots = tf.transpose(grid) as tf.Tensor2D; // [M, I]
    const e = tf.unstack(knots, 0).map(t => tf.sub(t, x)); // M × [N, I]: t_j − x
    // [x < t_j] = step(t_j − x): exact for float32 (step(0) = 0 gives the
    // half-open [t_j ≤ x)), and one unary op (a Less + Cast is slower on wasm).
    const below = e.map(ej => tf.step(ej));
    // B⁰_j = [x < t_{j+1}] − [x < t_j] = [t_j ≤ x < t_{j+1}], j = 0 … M−2.
    let b: tf.Tensor[] = below.slice(0, m - 1).map((s, j) => tf.sub(below[j + 1], s));
    let lower: tf.Tensor[] = [];
    let negInv: tf.Tensor[] = [];
    for (let p = 1; p <= k; p++) {
      const ninv = negReciprocalSpans(knots, p); // M−p × [I]: −1/(t_{j+p} − t_j)
      const prev = b; // M−p bases of order p−1
      if (p === k) {
        lower = prev;
        negInv = ninv;
      }
      const a = prev.map((bj, j) => tf.mul(tf.mul(e[j], ninv[j]), bj)); // w_j·Bᵖ⁻¹_j
      b = a.slice(0, prev.length - 1).map((aj, j) => tf.add(aj, tf.sub(prev[j + 1], a[j + 1]))); // M−1−p
    }
    const value = tf.reshape(tf.concat(b, 1), [n, b.length, inDim]) as tf.Tensor3D; // [N, G+k, I]
    return {value, lower, negInv};
  });
}

/**
 * Gaussian radial basis functions of FastKAN (`fastkan.py`, `RadialBasisFunction`):
 * `b_j(x) = exp(−((x − c_j)/h)²)`.
 *
 * Shapes: `x [N, I]`, `centers` of length n (numbers or a `[n]` tensor), `width`
 * h > 0 → `[N, I, n]`. Synchronous; the caller disposes the result.
 * This is the transpose of {@link rbfBasisFeatureMajor}, which RBFKAN uses.
 */
export function rbfBasis(x: tf.Tensor2D, centers: number[] | tf.Tensor1D, width: number): tf.Tensor3D {
  return tf.tidy(() => tf.transpose(rbfBasisFeatureMajor(x, centers, width), [0, 2, 1]) as tf.Tensor3D);
}

/**
 * {@link rbfBasis} in feature-major layout: `x [N, I]` → `[N, n, I]`.
 * The gradient `dL/dx = Σ_j dL/db_j·b_j·(−2/h²)(x − c_j)` is a custom gradient
 * from the saved bases, evaluated only when x needs a gradient.
 *
 * Evenly spaced numeric centres (RBFKAN's grid) take {@link rbfChainForward}: two `exp`
 * per block of centres within 4 widths instead of one per centre (wasm's `exp` costs
 * ~40 elementwise multiplies); other centres use `exp((x − c_j)²·(−1/h²))`.
 */
export function rbfBasisFeatureMajor(x: tf.Tensor2D, centers: number[] | tf.Tensor1D, width: number): tf.Tensor3D {
  const scale = -1 / (width * width);
  const chained = Array.isArray(centers) && evenlySpaced(centers);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xx = args[0] as tf.Tensor2D;
    const c = tf.reshape(Array.isArray(centers) ? tf.tensor1d(centers) : centers, [1, -1, 1]); // [1, n, 1]
    const xe = tf.expandDims(xx, 1); // [N, 1, I]
    const value = chained
      ? rbfChainForward(xx, centers as number[], width)
      : (tf.exp(tf.mul(tf.squaredDifference(xe, c), scale)) as tf.Tensor3D); // [N, n, I]
    (args[1] as tf.GradSaveFunc)([value, xe, c]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [b, xs, cs] = saved;
        const slope = tf.mul(tf.mul(b, tf.sub(xs, cs)), 2 * scale); // [N, n, I]: db_j/dx
        return sumAlongAxis(tf.mul(dy, slope), 1); // [N, I]
      },
    };
  });
  return op(x) as tf.Tensor3D;
}

/** Whether `c` has at least two entries spaced δ ≠ 0 apart to float32 precision. */
function evenlySpaced(c: number[]): boolean {
  if (c.length < 2) return false;
  const step = (c[c.length - 1] - c[0]) / (c.length - 1);
  const tol = 1e-6 * Math.max(Math.abs(c[0]), Math.abs(c[c.length - 1]), Math.abs(step));
  return step !== 0 && c.every((cj, j) => Math.abs(cj - (c[0] + j * step)) <= tol);
}

/** |z| bound of the chain anchor: exp(−Z_MAX²) = e^−81 is still a normal float32. */
const Z_MAX = 9;

/**
 * Gaussian bases on evenly spaced centres by a product chain: with
 * `z = (x − c_a)/h` about an anchor centre `c_a` and `d = δ/h` (δ the spacing),
 * `b_{a+s} = exp(−(z − s·d)²) = b_{a+s−1}·exp(2zd)·exp(−(2s−1)d²)` (and the
 * mirror image for s < 0), so a block of centres costs `exp(−z²)` and
 * `exp(2zd)` plus two multiplies per centre. Blocks hold the centres within
 * 4 widths of their anchor (one centre when δ ≥ 4h); z is clamped to ±Z_MAX, which changes only bases below
 * e^−25 (≈ 1e-11, far below float32 resolution of the bases near 1).
 * Returns `[N, n, I]`.
 */
function rbfChainForward(x: tf.Tensor2D, centers: number[], width: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, inDim] = x.shape;
    const d = (centers[1] - centers[0]) / width; // may be negative: the chain works either way
    const ad = Math.abs(d);
    const block = 2 * Math.floor(4 / ad) + 1; // odd: every centre within 4 widths of its block's anchor
    const bases: tf.Tensor[] = [];
    for (let first = 0; first < centers.length; first += block) {
      const last = Math.min(first + block, centers.length) - 1;
      const a = Math.floor((first + last) / 2); // anchor index
      const z = tf.clipByValue(tf.mul(tf.sub(x, centers[a]), 1 / width), -Z_MAX, Z_MAX); // [N, I]
      const anchor = tf.exp(tf.neg(tf.square(z))); // b_a
      const out: tf.Tensor[] = new Array(last - first + 1);
      out[a - first] = anchor;
      if (last > first) {
        const up = tf.exp(tf.mul(z, 2 * d)); // exp(2zd); exp(−2zd) = 1/up
        const down = tf.reciprocal(up);
        for (let s = 1; a + s <= last; s++)
          out[a + s - first] = tf.mul(tf.mul(out[a + s - 1 - first], up), Math.exp(-(2 * s - 1) * d * d));
        for (let s = 1; a - s >= first; s++)
          out[a - s - first] = tf.mul(tf.mul(out[a - s + 1 - first], down), Math.exp(-(2 * s - 1) * d * d));
      }
      bases.push(...out);
    }
    return tf.reshape(tf.concat(bases, 1), [n, centers.length, inDim]) as tf.Tensor3D;
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
 * caller disposes the result. The transpose of {@link chebyshevBasisFeatureMajor}.
 */
export function chebyshevBasis(x: tf.Tensor2D, degree: number): tf.Tensor3D {
  return tf.tidy(() => tf.transpose(chebyshevBasisFeatureMajor(x, degree), [0, 2, 1]) as tf.Tensor3D);
}

/**
 * {@link chebyshevBasis} in feature-major layout, terms `T_first … T_D`:
 * `x [N, I]` → `[N, D+1−first, I]` (one concat of `[N, I]` blocks; a stack
 * along a last axis of size D+1 is a per-element copy on wasm). A custom
 * gradient `dL/dx = Σ_d dL/dT_d·d·U_{d−1}(x)` (`U` of the second kind, by
 * `U_0 = 1`, `U_1 = 2x`, `U_{d+1} = 2x·U_d − U_{d−1}`) replaces the op-by-op
 * gradient of the recurrence, and the forward ops are not recorded.
 */
export function chebyshevBasisFeatureMajor(x: tf.Tensor2D, degree: number, first = 0): tf.Tensor3D {
  const [n, inDim] = x.shape;
  const count = degree + 1 - first;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xx = args[0] as tf.Tensor2D;
    const terms: tf.Tensor[] = [tf.onesLike(xx)]; // T_0: [N, I]
    if (degree >= 1) terms.push(xx); // T_1
    const twoX = tf.mul(xx, 2); // [N, I]
    for (let d = 2; d <= degree; d++) {
      terms.push(tf.sub(tf.mul(twoX, terms[d - 1]), terms[d - 2])); // T_d: [N, I]
    }
    const used = terms.slice(first);
    const flat = used.length === 1 ? tf.clone(used[0]) : tf.concat(used, 1); // [N, (D+1−first)·I]
    (args[1] as tf.GradSaveFunc)([twoX]);
    return {
      value: tf.reshape(flat, [n, count, inDim]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const two = saved[0];
        if (degree === 0 || first > degree) return tf.zerosLike(two);
        // dT_d/dx = d·U_{d−1}: U_0 = 1, U_1 = 2x, U_{d+1} = 2x·U_d − U_{d−1}.
        const u: tf.Tensor[] = [tf.onesLike(two), two];
        for (let d = 2; d < degree; d++) u.push(tf.sub(tf.mul(two, u[d - 1]), u[d - 2]));
        const slopes = Array.from({length: count}, (_, c) => {
          const d = first + c;
          return d === 0 ? tf.zerosLike(two) : tf.mul(u[d - 1], d);
        });
        const slope = tf.reshape(slopes.length === 1 ? slopes[0] : tf.concat(slopes, 1), [n, count, inDim]);
        return tf.sum(tf.mul(dy, slope), 1); // [N, I] (F = D+1 is small: pooling gains nothing here)
      },
    };
  });
  return op(x) as tf.Tensor3D;
}

/**
 * Fourier features of FourierKAN (`fftKAN.py`): `cos(k·x)` and `sin(k·x)` for
 * k = 1 … G.
 *
 * Layout: `x [N, I]` → `[N, I, 2G]` with features `[cos(1x) … cos(Gx),
 * sin(1x) … sin(Gx)]` along the last axis, so a kernel
 * `concat([cos_kernel, sin_kernel], 1)` of shape `[I, 2G, O]` matches it.
 * Synchronous; the caller disposes the result. The transpose of
 * {@link fourierBasisFeatureMajor}.
 */
export function fourierBasis(x: tf.Tensor2D, gridSize: number): tf.Tensor3D {
  return tf.tidy(() => tf.transpose(fourierBasisFeatureMajor(x, gridSize), [0, 2, 1]) as tf.Tensor3D);
}

/**
 * {@link fourierBasis} in feature-major layout: `x [N, I]` → `[N, 2G, I]`.
 * One trig evaluation per input: with `τ = tan(x/2)`,
 * `cos x = (1 − τ²)/(1 + τ²)`, `sin x = 2τ/(1 + τ²)` (trig kernels are scalar
 * and slow on wasm); higher frequencies from the angle-addition rotation
 * `cos((k+1)x) = cos(kx)·cos x − sin(kx)·sin x`,
 * `sin((k+1)x) = sin(kx)·cos x + cos(kx)·sin x` (a rotation, so rounding errors
 * grow only linearly in k: ~k ulp, comparable to the rounding of the argument
 * k·x in the direct form). Near x = π (mod 2π) τ is large but finite in
 * float32 and both formulas stay accurate to ~1 ulp. A custom gradient
 * `dL/dx = Σ_k k·(dL/dsin_k·cos_k − dL/dcos_k·sin_k)` from the saved features
 * replaces the op-by-op gradient, and the forward ops are not recorded.
 */
export function fourierBasisFeatureMajor(x: tf.Tensor2D, gridSize: number): tf.Tensor3D {
  const [n, inDim] = x.shape;
  const g = gridSize;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xx = args[0] as tf.Tensor2D;
    const tau = tf.tan(tf.mul(xx, 0.5)); // [N, I]
    const tau2 = tf.square(tau);
    const inv = tf.div(1, tf.add(tau2, 1)); // 1/(1 + τ²)
    const c1 = tf.mul(tf.sub(1, tau2), inv); // cos x
    const s1 = tf.mul(tf.mul(tau, 2), inv); // sin x
    const cos: tf.Tensor[] = [c1];
    const sin: tf.Tensor[] = [s1];
    for (let k = 1; k < g; k++) {
      const c = cos[k - 1];
      const s = sin[k - 1];
      cos.push(tf.sub(tf.mul(c, c1), tf.mul(s, s1))); // cos((k+1)x)
      sin.push(tf.add(tf.mul(s, c1), tf.mul(c, s1))); // sin((k+1)x)
    }
    const value = tf.reshape(tf.concat([...cos, ...sin], 1), [n, 2 * g, inDim]) as tf.Tensor3D; // [N, 2G, I]
    (args[1] as tf.GradSaveFunc)([value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // d cos(kx)/dx = −k·sin(kx), d sin(kx)/dx = k·cos(kx): the features with the halves swapped, scaled.
        const ks = tf.reshape(tf.range(1, g + 1, 1, 'float32'), [1, g, 1]); // [1, G, 1]
        const feats = saved[0];
        const cosPart = tf.slice(feats, [0, 0, 0], [n, g, inDim]);
        const sinPart = tf.slice(feats, [0, g, 0], [n, g, inDim]);
        const slope = tf.concat([tf.mul(tf.neg(sinPart), ks), tf.mul(cosPart, ks)], 1); // [N, 2G, I]
        return sumAlongAxis(tf.mul(dy, slope), 1); // [N, I]
      },
    };
  });
  return op(x) as tf.Tensor3D;
}
