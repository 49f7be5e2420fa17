/**
 * Shared KAN plumbing: argument checks, the "basis → one matMul" contraction,
 * the base activations, float64 least squares for grid refits and
 * initialisation, and efficient-kan's L1 + entropy regulariser.
 */
import * as tf from '@tensorflow/tfjs-core';

import {increasingPair, oneOf, positiveInt} from '../../validate';

/** Base-branch activations accepted by `baseActivation`. */
export const BASE_ACTIVATIONS = ['silu', 'relu', 'tanh', 'sigmoid', 'softplus', 'elu', 'linear'] as const;
export type BaseActivation = (typeof BASE_ACTIVATIONS)[number];

/** Checks `units` (a positive integer) for a KAN layer. */
export function kanUnits(units: unknown, who: string): number {
  return positiveInt(units, 'units', who);
}

/** Checks a `[lo, hi]` range with lo < hi, e.g. `gridRange`. */
export function kanRange(value: unknown, name: string, who: string): [number, number] {
  return increasingPair(value, name, who);
}

/** Checks a base activation name. */
export function baseActivationArg(value: unknown, who: string, name = 'baseActivation'): BaseActivation {
  return oneOf(value, BASE_ACTIVATIONS, name, who);
}

/** Applies a base activation elementwise (SiLU = x·sigmoid(x), as torch). */
export function applyBaseActivation(x: tf.Tensor, name: BaseActivation): tf.Tensor {
  switch (name) {
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'softplus':
      return tf.softplus(x);
    case 'elu':
      return tf.elu(x);
    case 'linear':
      return x;
  }
}

/**
 * The KAN contraction `y[n, o] = Σ_{i,j} basis[n, i, j]·kernel[i, j, o]` as one
 * matMul: `[N, I·n_b] × [I·n_b, O]` (both reshapes are free, row-major).
 * Replaces `tf.einsum('nij,ijo->no')`, which has no gradient in tfjs.
 * Shapes: `basis [N, I, n_b]`, `kernel [I, n_b, O]` → `[N, O]`.
 */
export function basisMatMul(basis: tf.Tensor3D, kernel: tf.Tensor3D): tf.Tensor2D {
  const [n, inDim, nb] = basis.shape;
  const flat = tf.reshape(basis, [n, inDim * nb]); // [N, I·n_b]
  return tf.matMul(flat, tf.reshape(kernel, [inDim * nb, kernel.shape[2]])) as tf.Tensor2D; // [N, O]
}

/**
 * The KAN contraction for feature-major bases:
 * `y[n, o] = Σ_{f,i} features[n, f, i]·kernel[f, i, o]` as one
 * {@link matMulLazyGrads} `[N, F·I] × [F·I, O]` (both reshapes are free,
 * row-major). The layers keep their kernels `[I, F, O]` and pass
 * `tf.transpose(kernel, [1, 0, 2])` (a copy of the small kernel instead of the
 * large basis). Shapes: `features [N, F, I]`, `kernel [F, I, O]` → `[N, O]`.
 */
export function featureMajorMatMul(features: tf.Tensor3D, kernel: tf.Tensor3D): tf.Tensor2D {
  const [n, f, inDim] = features.shape;
  const flat = reshapeUnsaved(features, [n, f * inDim]) as tf.Tensor2D; // [N, F·I]
  return matMulLazyGrads(flat, reshapeUnsaved(kernel, [f * inDim, kernel.shape[2]]) as tf.Tensor2D); // [N, O]
}

/**
 * `tf.reshape(x, shape)` whose gradient does not keep a copy of `x`: under a
 * gradient tape tfjs saves a clone of a reshape's input (to read its shape),
 * and on wasm a clone copies the data (0.6 ms for a `[256, 8, 784]` basis).
 */
function reshapeUnsaved(x: tf.Tensor, shape: number[]): tf.Tensor {
  const from = x.shape;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.reshape(args[0] as tf.Tensor, shape),
    gradFunc: (dy: tf.Tensor) => tf.reshape(dy, from),
  }));
  return op(x);
}

/**
 * `a [N, K] × w [K, O]` → `[N, O]`, the same values as `tf.matMul(a, w)`, with
 * gradients built from unflagged matMuls and explicit transposes,
 * `dA = dy·wᵀ`, `dW = aᵀ·dy` (fast on stock wasm too, whose flagged matMul is
 * slow). Each gradient is computed only when its operand needs one (two
 * one-input custom gradients, summed; the second's forward value is zeros),
 * so a constant input costs no `dy·wᵀ` (tf.customGrad computes the gradients
 * of all its inputs).
 */
export function matMulLazyGrads(a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const [n] = a.shape;
  const o = w.shape[1];
  const viaA = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    (args[1] as tf.GradSaveFunc)([w]);
    return {
      value: tf.matMul(args[0] as tf.Tensor2D, w),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[0])),
    };
  });
  const viaW = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    (args[1] as tf.GradSaveFunc)([a]);
    return {
      value: tf.zeros([n, o]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.matMul(tf.transpose(saved[0]), dy as tf.Tensor2D),
    };
  });
  return tf.add(viaA(a), viaW(w)) as tf.Tensor2D;
}

/** Kaiming-uniform bound of torch `kaiming_uniform_(w, a)` on a fan-in: `√(6/((1+a²)·fanIn))`. */
export function kaimingUniformBound(fanIn: number, a: number): number {
  return Math.sqrt(6 / ((1 + a * a) * fanIn));
}

// ---------------------------------------------------------------------------
// Float64 linear algebra for the (rare, small) least-squares problems.

/** B-spline bases of order k at one point, float64 (Cox–de Boor, half-open). */
export function bsplineBasis64(x: number, knots: ArrayLike<number>, k: number): Float64Array {
  const m = knots.length;
  let b = new Float64Array(m - 1);
  for (let j = 0; j < m - 1; j++) b[j] = x >= knots[j] && x < knots[j + 1] ? 1 : 0;
  for (let p = 1; p <= k; p++) {
    const next = new Float64Array(m - 1 - p);
    for (let j = 0; j < m - 1 - p; j++) {
      const dl = knots[j + p] - knots[j];
      const dr = knots[j + p + 1] - knots[j + 1];
      const l = dl > 0 ? ((x - knots[j]) / dl) * b[j] : 0;
      const r = dr > 0 ? ((knots[j + p + 1] - x) / dr) * b[j + 1] : 0;
      next[j] = l + r;
    }
    b = next;
  }
  return b;
}

/**
 * Solves `(P + λ·I)·X = R` for symmetric positive semi-definite `P [n, n]` by
 * Cholesky, in float64, with `λ = ridge·(tr P/n) + 1e-300`. `R` is `[n, c]`
 * row-major; returns X `[n, c]`. O(n³ + n²c).
 */
export function solveSpd(p: Float64Array, r: Float64Array, n: number, c: number, ridge: number): Float64Array {
  let tr = 0;
  for (let i = 0; i < n; i++) tr += p[i * n + i];
  const lam = (ridge * tr) / n + 1e-300;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = p[i * n + j] + (i === j ? lam : 0);
      for (let q = 0; q < j; q++) s -= l[i * n + q] * l[j * n + q];
      if (i === j) {
        l[i * n + i] = Math.sqrt(Math.max(s, 1e-300));
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  const x = new Float64Array(n * c);
  for (let col = 0; col < c; col++) {
    // forward: L·y = r
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = r[i * c + col];
      for (let q = 0; q < i; q++) s -= l[i * n + q] * y[q];
      y[i] = s / l[i * n + i];
    }
    // backward: Lᵀ·x = y
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let q = i + 1; q < n; q++) s -= l[q * n + i] * x[q * c + col];
      x[i * c + col] = s / l[i * n + i];
    }
  }
  return x;
}

/**
 * Minimum-norm least-squares solver matrix for an underdetermined full-row-rank
 * `A [r, n]` (r ≤ n): returns `A⁺ = Aᵀ(AAᵀ)⁻¹` as `[n, r]`, float64. This is
 * what torch's `lstsq` (gelsy) returns for efficient-kan's initial fit of G+1
 * samples with G+k coefficients.
 */
export function minNormPinv(a: Float64Array, r: number, n: number): Float64Array {
  const aat = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let q = 0; q < n; q++) s += a[i * n + q] * a[j * n + q];
      aat[i * r + j] = s;
    }
  }
  const eye = new Float64Array(r * r);
  for (let i = 0; i < r; i++) eye[i * r + i] = 1;
  const inv = solveSpd(aat, eye, r, r, 1e-12); // [r, r]
  const out = new Float64Array(n * r);
  for (let q = 0; q < n; q++) {
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let i = 0; i < r; i++) s += a[i * n + q] * inv[i * r + j];
      out[q * r + j] = s;
    }
  }
  return out;
}

/**
 * efficient-kan's `update_grid` knots from data `[count, I]` (row-major, any
 * numeric array): per input, interior knots `gridEps·uniform + (1−gridEps)·q_j`
 * where `q_j` are the sorted samples at indices ⌊(count−1)j/G⌋ and the uniform
 * knots span `[min − margin, max + margin]` with step h, plus k knots of
 * spacing h on each side. Returns `[I, G+2k+1]` row-major. O(I·count·log count).
 */
export function dataGrid(
  data: ArrayLike<number>,
  count: number,
  inDim: number,
  gridSize: number,
  splineOrder: number,
  margin: number,
  gridEps: number,
): Float32Array {
  const g = gridSize;
  const k = splineOrder;
  const m = g + 2 * k + 1;
  const out = new Float32Array(inDim * m);
  const col = new Float64Array(count);
  for (let i = 0; i < inDim; i++) {
    for (let r = 0; r < count; r++) col[r] = data[r * inDim + i];
    col.sort();
    const step = (col[count - 1] - col[0] + 2 * margin) / g;
    const row = i * m;
    for (let j = 0; j <= g; j++) {
      const adaptive = col[Math.floor(((count - 1) * j) / g)];
      const uniform = col[0] - margin + j * step;
      out[row + k + j] = gridEps * uniform + (1 - gridEps) * adaptive;
    }
    for (let q = 1; q <= k; q++) {
      out[row + k - q] = out[row + k] - q * step;
      out[row + k + g + q] = out[row + k + g] + q * step;
    }
  }
  return out;
}

/**
 * Per-input least-squares maps for a basis change: with old and new bases
 * `aOld`, `aNew` `[count, I, nb]` (row-major) evaluated on the same samples,
 * `K_i = (A_newᵀA_new + λI)⁻¹·A_newᵀA_old` (float64 normal equations, ridge
 * 1e-8·tr/nb), so `K_i·C` refits coefficients `C [nb, O]` of input i to the new
 * bases. Returns `[I, nb, nb]` row-major. Skips zero entries (a B-spline row
 * has at most k+1 non-zeros): O(count·I·(k+1)·nb + I·nb³).
 */
export function refitOperators(
  aNew: ArrayLike<number>,
  aOld: ArrayLike<number>,
  count: number,
  inDim: number,
  nb: number,
): Float32Array {
  const out = new Float32Array(inDim * nb * nb);
  const p = new Float64Array(nb * nb);
  const cross = new Float64Array(nb * nb);
  for (let i = 0; i < inDim; i++) {
    p.fill(0);
    cross.fill(0);
    for (let r = 0; r < count; r++) {
      const off = (r * inDim + i) * nb;
      for (let j = 0; j < nb; j++) {
        const aj = aNew[off + j];
        if (aj === 0) continue;
        for (let q = 0; q < nb; q++) {
          p[j * nb + q] += aj * aNew[off + q];
          cross[j * nb + q] += aj * aOld[off + q];
        }
      }
    }
    out.set(solveSpd(p, cross, nb, nb, 1e-8), i * nb * nb);
  }
  return out;
}

/**
 * efficient-kan's weight-based regulariser (`KANLinear.regularization_loss`):
 * `l1_{i,o} = mean_j |C[i, j, o]|`, `L1 = Σ l1`, `p = l1/(L1 + ε)`,
 * `H = −Σ p·log(p + ε)`, loss `= l1Weight·L1 + entropyWeight·H`, ε = 1e-8 so
 * an all-zero kernel gives 0 instead of NaN. `coefficients [I, n_b, O]` → scalar.
 */
export function l1EntropyLoss(coefficients: tf.Tensor, l1Weight: number, entropyWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const eps = 1e-8;
    const l1 = tf.mean(tf.abs(coefficients), 1); // [I, O]
    const total = tf.sum(l1); // []
    const p = tf.div(l1, tf.add(total, eps)); // [I, O]
    const entropy = tf.neg(tf.sum(tf.mul(p, tf.log(tf.add(p, eps))))); // []
    return tf.add(tf.mul(total, l1Weight), tf.mul(entropy, entropyWeight)) as tf.Scalar;
  });
}

/**
 * Whether tfjs is building the layer only to load saved weights into it (the
 * private `fastWeightInitDuringBuild` flag): computed initial values would be
 * overwritten right away, so layers may skip them.
 */
export function isLoadingWeights(layer: object): boolean {
  return (layer as {fastWeightInitDuringBuild?: boolean}).fastWeightInitDuringBuild === true;
}
