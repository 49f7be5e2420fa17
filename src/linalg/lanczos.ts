/**
 * Matmul-only iterative eigen-methods for large symmetric operators: the big
 * products run on the tfjs backend, the small dense work (k×k Gram matrices,
 * Rayleigh–Ritz, Lanczos tridiagonals) in float64 JS.
 *
 * - {@link choleskyQR2}: orthonormalises a tall N×k block with two rounds of
 *   Cholesky QR (one k×k Gram matrix each), not `tf.linalg.qr` (23 s for
 *   1000×64 on the cpu backend; it builds an m×m Q).
 * - {@link topEigenpairs}: block subspace iteration + Rayleigh–Ritz for the k
 *   eigenpairs of largest magnitude.
 * - {@link lanczosQuadrature}: stochastic Lanczos quadrature (SLQ) estimates
 *   of tr f(A) for several f at once, optionally on the deflated operator
 *   P A P with P = I − UUᵀ. All probes run as one N×nv block, so each Lanczos
 *   step is one backend matmul; reorthogonalisation is full.
 *
 * Paper: Ubaru, Chen & Saad, "Fast Estimation of tr(f(A)) via Stochastic
 * Lanczos Quadrature", 2017 (SIMAX 38(4)); Fukaya et al., "Shifted Cholesky QR
 * for computing the QR factorization of ill-conditioned matrices", 2020
 * (SISC, arXiv:1809.11085).
 * Deviations: the deflated-SLQ recipe (top-k Ritz pairs, SLQ on P A P) is the
 * one measured in the project's research note, not a published package.
 */
import * as tf from '@tensorflow/tfjs-core';

import {cholesky, invLower, transpose} from './dense64';
import {eigh64} from './eigh';
import {mulberry32, normals, rademacher} from '../random/rng';
import {integer, positiveInt, ValueError} from '../validate';

/** A symmetric linear operator of size n: `apply(x)` returns A·x for x `[n, b]` (a new tensor). */
export interface SymmetricOperator {
  n: number;
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/**
 * Wraps a symmetric `[n, n]` tensor (not copied, not disposed) as an operator.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const op = tfa.linalg.matrixOperator(tf.tensor2d([[2, 1], [1, 2]]));
 * console.log(op.n); // 2
 * op.apply(tf.tensor2d([[1], [1]])).print(); // A·x = [[3], [3]]
 * ```
 */
export function matrixOperator(a: tf.Tensor2D): SymmetricOperator {
  if (a.rank !== 2 || a.shape[0] !== a.shape[1]) {
    throw new ValueError(`linalg.matrixOperator: a must be a square matrix, got shape [${a.shape.join(',')}].`);
  }
  return {n: a.shape[0], apply: x => tf.matMul(a, x)};
}

function toOperator(op: tf.Tensor2D | SymmetricOperator): SymmetricOperator {
  return op instanceof tf.Tensor ? matrixOperator(op) : op;
}

/** Float64 copy of the k×k Gram VᵀV (sync read of a k×k tensor). */
function gram64(v: tf.Tensor2D): Float64Array {
  const g = tf.tidy(() => tf.matMul(v, v, true, false));
  const out = Float64Array.from(g.dataSync());
  g.dispose();
  return out;
}

/** One Cholesky-QR round: V R⁻¹ with R from chol(VᵀV + shift·I); null if not PD. */
function cholQRStep(v: tf.Tensor2D, shift: number): tf.Tensor2D | null {
  const k = v.shape[1];
  const g = gram64(v);
  for (let i = 0; i < k; i++) g[i * k + i] += shift;
  const l = cholesky(g, k);
  if (l === null) return null;
  const rInv = transpose(invLower(l, k), k, k); // R = Lᵀ, R⁻¹ = (L⁻¹)ᵀ
  return tf.tidy(() => tf.matMul(v, tf.tensor2d(Float32Array.from(rInv), [k, k])) as tf.Tensor2D);
}

/**
 * Orthonormal basis Q `[N, k]` of the columns of `v` `[N, k]` (N ≥ k) by
 * CholeskyQR2; falls back to shifted CholeskyQR3 (Fukaya et al.) when the
 * Gram matrix is numerically singular. Sync (reads k×k Gram matrices).
 * The caller disposes the result; `v` is not disposed.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const q = tfa.linalg.choleskyQR2(tf.randomNormal([6, 3], 0, 1, 'float32', 1));
 * tf.matMul(q, q, true, false).print(); // ≈ the 3×3 identity (orthonormal columns)
 * ```
 */
export function choleskyQR2(v: tf.Tensor2D): tf.Tensor2D {
  const [nRows, k] = v.shape;
  let q1 = cholQRStep(v, 0);
  if (q1 === null) {
    // shift s = 11(mn + n(n+1))·u·‖V‖², u = float32 unit round-off
    const g = gram64(v);
    let tr = 0;
    for (let i = 0; i < k; i++) tr += g[i * k + i];
    const shift = 11 * (nRows * k + k * (k + 1)) * 2 ** -24 * Math.max(tr, 1e-30);
    const q0 = cholQRStep(v, shift);
    if (q0 === null) throw new Error('linalg.choleskyQR2: the block is not full rank');
    q1 = cholQRStep(q0, 0);
    q0.dispose();
    if (q1 === null) throw new Error('linalg.choleskyQR2: the block is not full rank');
  }
  const q2 = cholQRStep(q1, 0);
  q1.dispose();
  if (q2 === null) throw new Error('linalg.choleskyQR2: the block is not full rank');
  return q2;
}

/** Options of {@link topEigenpairs}. */
export interface TopEigenOptions {
  /** Subspace iterations (one operator application each) before Rayleigh–Ritz. Default 4. */
  iterations?: number;
  /** Seed of the Gaussian start block. Default 0. */
  seed?: number;
}

/**
 * The k eigenpairs of largest magnitude of a symmetric operator by block
 * subspace iteration (`iterations` applications of A to an N×k block, each
 * followed by CholeskyQR2) and a final Rayleigh–Ritz step in float64.
 *
 * Cost: (iterations + 1) backend products A·V with V `[N, k]`, plus O(N k²).
 * Sync (reads k×k matrices). Accuracy depends on the gap |λ_k+1|/|λ_k| raised
 * to the iteration count; values are Ritz values (never above the true ones
 * in magnitude for a PSD operator).
 * Returns values descending and `vectors` `[N, k]` (columns; the caller disposes).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const {values, vectors} = tfa.linalg.topEigenpairs(tf.diag(tf.tensor1d([5, 1, 3, 0.5])), 2, {iterations: 10});
 * console.log(Array.from(values).map(v => v.toFixed(3)), vectors.shape); // ['5.000', '3.000'] [4, 2]
 * ```
 */
export function topEigenpairs(
  op: tf.Tensor2D | SymmetricOperator,
  k: number,
  opts: TopEigenOptions = {},
): {values: Float64Array; vectors: tf.Tensor2D} {
  const who = 'linalg.topEigenpairs';
  const a = toOperator(op);
  positiveInt(k, 'k', who);
  if (k > a.n) throw new ValueError(`${who}: k must be <= the operator size ${a.n}, got ${k}.`);
  const iterations = integer(opts.iterations ?? 4, 'iterations', who, 0);
  const seed = integer(opts.seed ?? 0, 'seed', who, 0);
  const rng = mulberry32(seed);
  const start = tf.tensor2d(normals(a.n * k, rng), [a.n, k]);
  let v = choleskyQR2(start);
  start.dispose();
  for (let it = 0; it < iterations; it++) {
    const av = tf.tidy(() => a.apply(v));
    v.dispose();
    v = choleskyQR2(av);
    av.dispose();
  }
  const av = tf.tidy(() => a.apply(v));
  const h = tf.tidy(() => tf.matMul(v, av, true, false)); // [k, k] = Vᵀ A V
  const h64 = Float64Array.from(h.dataSync());
  tf.dispose([av, h]);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) h64[i * k + j] = h64[j * k + i] = 0.5 * (h64[i * k + j] + h64[j * k + i]);
  }
  const {values, vectorsT} = eigh64(h64, k);
  // Order by |θ| descending.
  const order = Array.from({length: k}, (_, i) => i).sort((i, j) => Math.abs(values[j]) - Math.abs(values[i]));
  const w = new Float32Array(k * k); // [k, k]: column c = eigenvector order[c]
  const vals = new Float64Array(k);
  order.forEach((src, c) => {
    vals[c] = values[src];
    for (let r = 0; r < k; r++) w[r * k + c] = vectorsT[src * k + r];
  });
  const vectors = tf.tidy(() => tf.matMul(v, tf.tensor2d(w, [k, k])) as tf.Tensor2D); // [N, k]
  v.dispose();
  return {values: vals, vectors};
}

/** Options of {@link lanczosQuadrature}. */
export interface LanczosQuadratureOptions {
  /** Number of Rademacher probe vectors nv. Default 30. */
  probes?: number;
  /** Lanczos steps m per probe (the quadrature has m nodes). Default 30. */
  steps?: number;
  /** Seed of the probes. Default 0. */
  seed?: number;
  /**
   * Orthonormal columns U `[N, k]` to deflate: the estimate is then of
   * tr f(P A P) restricted to the complement of span(U) (P = I − UUᵀ).
   * Not disposed.
   */
  deflate?: tf.Tensor2D;
}

/**
 * Stochastic Lanczos quadrature estimates of tr f(A) for each f in `fns`
 * (each f must be finite on the spectrum; with `deflate`, the deflated
 * directions are excluded from the trace).
 *
 * tr f(A) ≈ (1/nv) Σ_probes ‖z‖² Σ_j τ_j² f(θ_j), with (θ_j, τ_j) the Ritz
 * values and first eigenvector components of the m-step Lanczos tridiagonal
 * started at z/‖z‖. Cost: m backend products A·Q with Q `[N, nv]` (float32);
 * the Lanczos vectors live in float64 JS, with O(m² N nv) for full reorthogonalisation. Sync (reads α, β each step). Variance ~ 2‖f(A)‖_F²/nv.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const a = tf.diag(tf.tensor1d([1, 2, 3, 4]));
 * const [trace, traceOfSquare] = tfa.linalg.lanczosQuadrature(a, [l => l, l => l * l], {probes: 20, steps: 4});
 * console.log(trace.toFixed(1), traceOfSquare.toFixed(1)); // estimates of tr A = 10 and tr A² = 30
 * ```
 */
export function lanczosQuadrature(
  op: tf.Tensor2D | SymmetricOperator,
  fns: Array<(lambda: number) => number>,
  opts: LanczosQuadratureOptions = {},
): Float64Array {
  const who = 'linalg.lanczosQuadrature';
  const a = toOperator(op);
  const nv = positiveInt(opts.probes ?? 30, 'probes', who);
  const m = Math.min(positiveInt(opts.steps ?? 30, 'steps', who), a.n);
  const seed = integer(opts.seed ?? 0, 'seed', who, 0);
  const n = a.n;
  // Everything below is probe-major: vector p of a block lives at [p·n, (p+1)·n),
  // so every inner loop runs over N contiguous entries.
  let ut: Float64Array | null = null; // Uᵀ [k, N]
  let k = 0;
  if (opts.deflate != null) {
    const d = opts.deflate;
    if (d.rank !== 2 || d.shape[0] !== n) {
      throw new ValueError(`${who}: deflate must have shape [${n}, k], got [${d.shape.join(',')}].`);
    }
    k = d.shape[1];
    ut = transpose(Float64Array.from(d.dataSync()), n, k);
  }
  const dot = (x: Float64Array, xo: number, y: Float64Array, yo: number): number => {
    let s = 0;
    for (let r = 0; r < n; r++) s += x[xo + r] * y[yo + r];
    return s;
  };
  const axpy = (c: number, x: Float64Array, xo: number, y: Float64Array, yo: number): void => {
    for (let r = 0; r < n; r++) y[yo + r] -= c * x[xo + r];
  };
  // w ← (I − UUᵀ) w for every probe, in place.
  const project = (w: Float64Array): void => {
    if (ut === null) return;
    for (let p = 0; p < nv; p++) {
      for (let c = 0; c < k; c++) axpy(dot(ut, c * n, w, p * n), ut, c * n, w, p * n);
    }
  };
  const toBackend = (x: Float64Array): tf.Tensor2D => tf.tensor2d(Float32Array.from(transpose(x, nv, n)), [n, nv]);
  const rng = mulberry32(seed);
  const z = transpose(Float64Array.from(rademacher(n * nv, rng)), n, nv); // [nv, N]
  project(z);
  const zNorm2 = new Float64Array(nv);
  const q0 = new Float64Array(nv * n);
  for (let p = 0; p < nv; p++) {
    zNorm2[p] = dot(z, p * n, z, p * n);
    const inv = zNorm2[p] > 0 ? 1 / Math.sqrt(zNorm2[p]) : 0;
    for (let r = 0; r < n; r++) q0[p * n + r] = z[p * n + r] * inv;
  }
  const qs: Float64Array[] = [q0];
  const alphas: Float64Array[] = [];
  const betas: Float64Array[] = []; // betas[j] couples steps j and j+1
  const length = new Int32Array(nv).fill(m); // Lanczos length per probe (shorter on breakdown)
  for (let j = 0; j < m; j++) {
    const q = qs[j];
    const aq = tf.tidy(() => a.apply(toBackend(q))); // [N, nv] on the backend
    const w = transpose(Float64Array.from(aq.dataSync()), n, nv); // [nv, N]
    aq.dispose();
    const alpha = new Float64Array(nv);
    // q ⟂ span(U), so projecting w first would not change α
    for (let p = 0; p < nv; p++) alpha[p] = dot(q, p * n, w, p * n);
    alphas.push(alpha);
    if (j === m - 1) break;
    for (let p = 0; p < nv; p++) {
      axpy(alpha[p], q, p * n, w, p * n);
      if (j > 0) axpy(betas[j - 1][p], qs[j - 1], p * n, w, p * n);
    }
    // Full reorthogonalisation against every earlier vector of the same probe, twice.
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of qs) for (let p = 0; p < nv; p++) axpy(dot(qi, p * n, w, p * n), qi, p * n, w, p * n);
    }
    project(w);
    const beta = new Float64Array(nv);
    for (let p = 0; p < nv; p++) {
      beta[p] = Math.sqrt(dot(w, p * n, w, p * n));
      // Breakdown: an invariant subspace was found; the quadrature is exact with j+1 nodes.
      const scale = Math.abs(alpha[p]) + (j > 0 ? betas[j - 1][p] : 0);
      if (length[p] === m && !(beta[p] > 1e-6 * Math.max(scale, 1e-300))) length[p] = j + 1;
      const inv = beta[p] > 0 ? 1 / beta[p] : 0;
      for (let r = 0; r < n; r++) w[p * n + r] *= inv;
    }
    betas.push(beta);
    qs.push(w);
  }
  const sums = new Float64Array(fns.length);
  for (let p = 0; p < nv; p++) {
    const len = length[p];
    const t = new Float64Array(len * len);
    for (let i = 0; i < len; i++) {
      t[i * len + i] = alphas[i][p];
      if (i + 1 < len) t[i * len + i + 1] = t[(i + 1) * len + i] = betas[i][p];
    }
    const {values, vectorsT} = eigh64(t, len);
    for (let i = 0; i < len; i++) {
      const tau2 = vectorsT[i * len] ** 2;
      for (let f = 0; f < fns.length; f++) sums[f] += zNorm2[p] * tau2 * fns[f](values[i]);
    }
  }
  for (let f = 0; f < fns.length; f++) sums[f] /= nv;
  return sums;
}
