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
 *
 * References: Golub & Van Loan, "Matrix Computations", 4th ed., 2013, §8.3
 * (Householder tridiagonalisation); Bowdler, Martin, Reinsch & Wilkinson,
 * "The QR and QL algorithms for symmetric matrices", Numer. Math. 11, 1968 (tql2).
 * Follows: mljs/matrix `src/dc/evd.js` `tql2` (JAMA port) for the QL sweep.
 * Deviations: the tridiagonalisation is our own row-major, lower-triangle,
 * fused-pass variant of JAMA's `tred2` (same maths, different loop order);
 * eigenvalues only need no Q at all.
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
 * Householder vector of x (length m, in `out`, overwritten): out ← x/scale − α e₁
 * with H = I − β·out·outᵀ mapping x to (α·scale)·e₁. Returns [β, α·scale]; β = 0
 * when x = 0 (H = I).
 */
function house(out: Float64Array, m: number): [number, number] {
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(out[i]));
  if (scale === 0) return [0, 0];
  let sigma = 0;
  for (let i = 0; i < m; i++) {
    out[i] /= scale;
    sigma += out[i] * out[i];
  }
  const alpha = out[0] > 0 ? -Math.sqrt(sigma) : Math.sqrt(sigma);
  const x0 = out[0];
  out[0] -= alpha;
  const vtv = sigma - 2 * alpha * x0 + alpha * alpha; // ‖x − αe₁‖²
  return [vtv === 0 ? 0 : 2 / vtv, alpha * scale];
}

/**
 * Reduces the symmetric n×n matrix `a` (row-major; only its lower triangle is
 * read and it is overwritten) to tridiagonal form T = Qᵀ A Q. Writes the
 * diagonal to `d`, the sub-diagonal to `e[0..n-2]` (e[n-1] = 0). Householder
 * vectors are kept in the upper triangle of `a` and their β in the returned array.
 *
 * One pass over the trailing triangle per step: the rank-2 update of step k
 * is fused with the product A22·v of step k+1 (whose v comes from the updated
 * column, computed first), halving memory traffic against the textbook order.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array): Float64Array {
  const betas = new Float64Array(n);
  e.fill(0);
  if (n < 3) {
    d[0] = a[0];
    if (n === 2) {
      d[1] = a[3];
      e[0] = a[2];
    }
    return betas;
  }
  let v = new Float64Array(n);
  let p = new Float64Array(n);
  let vn = new Float64Array(n);
  let pn = new Float64Array(n);
  // Step 0: Householder vector of column 0 and p = A22·v by a separate pass.
  for (let i = 0; i < n - 1; i++) v[i] = a[(1 + i) * n];
  [betas[0], e[0]] = house(v, n - 1);
  for (let i = 0; i < n - 1; i++) {
    a[1 + i] = v[i];
    const base = (1 + i) * n + 1;
    const vi = v[i];
    let s = 0;
    for (let j = 0; j < i; j++) {
      const aij = a[base + j];
      s += aij * v[j];
      p[j] += aij * vi;
    }
    p[i] += s + a[base + i] * vi;
  }
  for (let k = 0; k < n - 2; k++) {
    const off = k + 1;
    const m = n - off;
    d[k] = a[k * n + k];
    const beta = betas[k];
    // w = βp − ½β²(pᵀv)v (in p); zero when H_k = I.
    let ptv = 0;
    for (let i = 0; i < m; i++) {
      p[i] *= beta;
      ptv += p[i] * v[i];
    }
    const kk = 0.5 * beta * ptv;
    for (let i = 0; i < m; i++) p[i] -= kk * v[i];
    const hasNext = k + 1 < n - 2;
    if (hasNext) {
      // Updated column `off` below its diagonal → next Householder vector.
      for (let i = 1; i < m; i++) vn[i - 1] = a[(off + i) * n + off] - (v[i] * p[0] + p[i] * v[0]);
      [betas[k + 1], e[k + 1]] = house(vn, m - 1);
      for (let i = 0; i < m - 1; i++) a[off * n + off + 1 + i] = vn[i];
      pn.fill(0, 0, m - 1);
    }
    for (let i = 0; i < m; i++) {
      const base = (off + i) * n + off;
      const vi = v[i];
      const wi = p[i];
      if (!hasNext || i === 0) {
        for (let j = 0; j <= i; j++) a[base + j] -= vi * p[j] + wi * v[j];
        continue;
      }
      a[base] -= vi * p[0] + wi * v[0];
      const vni = vn[i - 1];
      let s = 0;
      for (let j = 1; j < i; j++) {
        const aij = a[base + j] - (vi * p[j] + wi * v[j]);
        a[base + j] = aij;
        s += aij * vn[j - 1];
        pn[j - 1] += aij * vni;
      }
      const aii = a[base + i] - 2 * vi * wi;
      a[base + i] = aii;
      pn[i - 1] += s + aii * vni;
    }
    [v, vn] = [vn, v];
    [p, pn] = [pn, p];
  }
  d[n - 2] = a[(n - 2) * n + n - 2];
  e[n - 2] = a[(n - 1) * n + n - 2];
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
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * console.log(Array.from(tfa.linalg.eigvalsh64(new Float64Array([2, 1, 1, 2]), 2))); // [1, 3]
 * ```
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
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const {values, vectorsT} = tfa.linalg.eigh64(new Float64Array([2, 1, 1, 2]), 2);
 * console.log(Array.from(values), Array.from(vectorsT.slice(2, 4)).map(v => Math.abs(v).toFixed(4))); // [1, 3] ['0.7071', '0.7071'] (eigenvector of 3, up to sign)
 * ```
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
