/**
 * Symmetric eigendecomposition in float64 on the JS side.
 *
 * Householder tridiagonalisation (lower triangle, row-major, so every inner
 * loop runs along a contiguous row) followed by the implicit QL iteration with
 * Wilkinson-type shifts of EISPACK's tql2 (as ported in JAMA / ml-matrix).
 * Eigenvectors, when asked for, are accumulated as rows (rotations then act
 * on contiguous memory). The matrix is first scaled by a power of two so its
 * largest entry is about 1 (exact; it keeps `√(p²+e²)` free of overflow).
 *
 * Cost: values only about (2/3)·n³ multiply-adds (tridiagonalisation) plus
 * O(n²) for QL: n = 1000 takes about 1 s on one core here, n = 2000 about
 * 8 s. With vectors about 3·n³ more. Accuracy: backward stable, each
 * eigenvalue within a few ·n·ε·‖A‖₂ of the exact one (absolute: small
 * eigenvalues of a matrix with a large norm carry that absolute error).
 */
import * as tf from '@tensorflow/tfjs-core';

import {maxAbs, readMatrix, symmetrize, transpose} from './dense64';
import {finiteNumber} from '../validate';

/** Options of {@link eigh} and {@link eigvalsh}. */
export interface EighOptions {
  /**
   * Largest accepted asymmetry |a_ij − a_ji| relative to max|a|; the input is
   * then symmetrised as (A + Aᵀ)/2. Default 1e-5 (float32 round-off of a Gram
   * matrix computed on a backend stays far below it).
   */
  symmetryTol?: number;
}

const DEFAULTS = {symmetryTol: 1e-5} as const;

/** Result of {@link eigh}. */
export interface EighResult {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** `[n, n]` float32 tensor whose column i is the unit eigenvector of values[i]. The caller disposes it. */
  vectors: tf.Tensor2D;
}

/**
 * Reduces the symmetric n×n matrix `a` (row-major; only its lower triangle is
 * read and it is overwritten) to tridiagonal form T = Qᵀ A Q. Writes the
 * diagonal to `d`, the sub-diagonal to `e[0..n-2]` (e[n-1] = 0). Householder
 * vectors are kept in the upper triangle of `a` and their β in the returned array.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array): Float64Array {
  const betas = new Float64Array(n);
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const m = n - k - 1; // size of the trailing block
    const off = k + 1;
    let scale = 0;
    for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(a[(off + i) * n + k]));
    d[k] = a[k * n + k];
    if (scale === 0) {
      e[k] = 0;
      betas[k] = 0;
      continue;
    }
    let sigma = 0;
    for (let i = 0; i < m; i++) {
      const x = a[(off + i) * n + k] / scale;
      v[i] = x;
      sigma += x * x;
    }
    const alpha = v[0] > 0 ? -Math.sqrt(sigma) : Math.sqrt(sigma);
    v[0] -= alpha;
    const vtv = sigma - 2 * alpha * (v[0] + alpha) + alpha * alpha; // ‖x − αe₁‖²
    e[k] = alpha * scale;
    if (vtv === 0) {
      betas[k] = 0;
      continue;
    }
    const beta = 2 / vtv;
    betas[k] = beta;
    for (let i = 0; i < m; i++) a[k * n + off + i] = v[i]; // keep v in the unused upper triangle
    // p = β·A22·v from the lower triangle of A22 (rows off.., cols off..).
    p.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const base = (off + i) * n + off;
      const vi = v[i];
      let s = 0;
      for (let j = 0; j < i; j++) {
        const aij = a[base + j];
        s += aij * v[j];
        p[j] += aij * vi;
      }
      p[i] += s + a[base + i] * vi;
    }
    let ptv = 0;
    for (let i = 0; i < m; i++) {
      p[i] *= beta;
      ptv += p[i] * v[i];
    }
    const kk = 0.5 * beta * ptv;
    for (let i = 0; i < m; i++) p[i] -= kk * v[i]; // p is now w
    // A22 ← A22 − v wᵀ − w vᵀ on the lower triangle.
    for (let i = 0; i < m; i++) {
      const base = (off + i) * n + off;
      const vi = v[i];
      const wi = p[i];
      for (let j = 0; j <= i; j++) a[base + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2];
    e[n - 2] = a[(n - 1) * n + n - 2];
  }
  d[n - 1] = a[(n - 1) * n + n - 1];
  e[n - 1] = 0;
  return betas;
}

/** Qᵀ (row-major n×n) from the Householder vectors left in `a` by tridiagonalize. */
function accumulateQt(a: Float64Array, betas: Float64Array, n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const w = new Float64Array(n);
  // Q = H_0 H_1 … H_{n-3}, built backwards: only rows/cols > k are touched by H_k.
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k];
    if (beta === 0) continue;
    const off = k + 1;
    const m = n - off;
    w.fill(0, 0, m);
    for (let i = 0; i < m; i++) {
      const vi = a[k * n + off + i];
      if (vi === 0) continue;
      const row = (off + i) * n + off;
      for (let j = 0; j < m; j++) w[j] += vi * q[row + j];
    }
    for (let i = 0; i < m; i++) {
      const f = beta * a[k * n + off + i];
      if (f === 0) continue;
      const row = (off + i) * n + off;
      for (let j = 0; j < m; j++) q[row + j] -= f * w[j];
    }
  }
  return transpose(q, n, n);
}

/**
 * Implicit QL with shifts on the tridiagonal (d, e) (EISPACK tql2 as in JAMA).
 * Overwrites d with the (unsorted) eigenvalues. If `zt` is given (n×n,
 * row-major, rows = current basis vectors) the rotations are applied to its rows.
 */
function tql(d: Float64Array, e: Float64Array, n: number, zt: Float64Array | null): void {
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60 * n) throw new Error('linalg.eigh: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.sqrt(p * p + 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = 1;
        let c3 = 1;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.sqrt(p * p + e[i] * e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (zt !== null) {
            const ri = i * n;
            const ri1 = (i + 1) * n;
            for (let k = 0; k < n; k++) {
              const hk = zt[ri1 + k];
              const zk = zt[ri + k];
              zt[ri1 + k] = s * zk + c * hk;
              zt[ri + k] = c * zk - s * hk;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Power of two close to 1/max|a| (exact scaling), or 1 for a zero matrix. */
function scaleFactor(a: Float64Array): number {
  const m = maxAbs(a);
  return m === 0 ? 1 : 2 ** -Math.round(Math.log2(m));
}

/**
 * Eigenvalues (ascending) of the symmetric n×n row-major float64 matrix `a`.
 * Reads only the lower triangle; does not modify `a`. No input checks.
 */
export function eigvalsh64(a: Float64Array, n: number): Float64Array {
  const w = Float64Array.from(a);
  const sc = scaleFactor(w);
  if (sc !== 1) for (let i = 0; i < w.length; i++) w[i] *= sc;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(w, n, d, e);
  tql(d, e, n, null);
  d.sort();
  if (sc !== 1) for (let i = 0; i < n; i++) d[i] /= sc;
  return d;
}

/**
 * Eigenvalues (ascending) and eigenvectors of the symmetric n×n row-major
 * float64 matrix `a` (lower triangle read, `a` not modified). `vectorsT` is
 * row-major n×n with ROW i the unit eigenvector of values[i]. No input checks.
 */
export function eigh64(a: Float64Array, n: number): {values: Float64Array; vectorsT: Float64Array} {
  const w = Float64Array.from(a);
  const sc = scaleFactor(w);
  if (sc !== 1) for (let i = 0; i < w.length; i++) w[i] *= sc;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const betas = tridiagonalize(w, n, d, e);
  const zt = accumulateQt(w, betas, n);
  tql(d, e, n, zt);
  const order = Array.from({length: n}, (_, i) => i).sort((i, j) => d[i] - d[j]);
  const values = new Float64Array(n);
  const vectorsT = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const src = order[r];
    values[r] = d[src] / sc;
    vectorsT.set(zt.subarray(src * n, src * n + n), r * n);
  }
  return {values, vectorsT};
}

function readSymmetric(a: tf.Tensor2D, opts: EighOptions, who: string): {data: Float64Array; n: number} {
  const tol = finiteNumber(opts.symmetryTol ?? DEFAULTS.symmetryTol, 'symmetryTol', who, {min: 0});
  const m = readMatrix(a, 'a', who);
  symmetrize(m, tol, 'a', who);
  return {data: m.data, n: m.rows};
}

/**
 * Eigenvalues of a symmetric matrix, ascending, in float64 (sync: reads `a`
 * with `dataSync`). O(n³); n = 1000 takes about 1 s on one core.
 *
 * Throws a ValueError for a non-tensor, a rank other than 2, a non-square or
 * non-symmetric matrix (beyond `symmetryTol`·max|a|) and non-finite entries.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const a = tf.tensor2d([[2, 1], [1, 2]]);
 * console.log(tfa.linalg.eigvalsh(a)); // Float64Array [1, 3]
 * ```
 */
export function eigvalsh(a: tf.Tensor2D, opts: EighOptions = {}): Float64Array {
  const {data, n} = readSymmetric(a, opts, 'linalg.eigvalsh');
  return eigvalsh64(data, n);
}

/**
 * Eigenvalues (ascending, float64) and eigenvectors (columns of a float32
 * tensor the caller disposes) of a symmetric matrix; sync (`dataSync`).
 * O(n³), about 4x the cost of {@link eigvalsh}. Same errors as eigvalsh.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const {values, vectors} = tfa.linalg.eigh(tf.tensor2d([[2, 1], [1, 2]]));
 * console.log(values); // Float64Array [1, 3]
 * vectors.print();     // columns ±[0.707, -0.707], ±[0.707, 0.707]
 * vectors.dispose();
 * ```
 */
export function eigh(a: tf.Tensor2D, opts: EighOptions = {}): EighResult {
  const {data, n} = readSymmetric(a, opts, 'linalg.eigh');
  const {values, vectorsT} = eigh64(data, n);
  const vectors = tf.tensor2d(Float32Array.from(transpose(vectorsT, n, n)), [n, n], 'float32');
  return {values, vectors};
}
