/**
 * Small dense float64 helpers shared by `eigh`, `svd` and `lanczos`.
 *
 * Matrices are row-major `Float64Array`s with explicit sizes. Nothing here
 * touches a tfjs backend except {@link readMatrix}, which reads a rank-2
 * tensor synchronously (`dataSync`) and checks that its values are finite.
 */
import * as tf from '@tensorflow/tfjs-core';

import {fail, finiteData, tensorArg, ValueError} from '../validate';

/** A row-major float64 matrix. */
export interface Matrix64 {
  data: Float64Array;
  rows: number;
  cols: number;
}

/**
 * Reads a rank-2 tensor into a new float64 matrix (sync: `dataSync`).
 * Throws a ValueError naming `name` for a non-tensor, a wrong rank, an empty
 * matrix or a non-finite entry.
 */
export function readMatrix(a: unknown, name: string, who: string): Matrix64 {
  const t = tensorArg<tf.Tensor2D>(a, name, who, {rank: 2});
  const [rows, cols] = t.shape;
  if (rows < 1 || cols < 1) fail(who, name, 'a non-empty matrix', t);
  const data = Float64Array.from(t.dataSync() as ArrayLike<number>);
  finiteData(data, name, who);
  return {data, rows, cols};
}

/** Largest |entry|. */
export function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) {
    const v = Math.abs(data[i]);
    if (v > m) m = v;
  }
  return m;
}

/**
 * Checks that a square matrix is symmetric within `tol`·max|a| and replaces
 * it in place by (A + Aᵀ)/2. Throws a ValueError naming the worst pair.
 */
export function symmetrize(m: Matrix64, tol: number, name: string, who: string): void {
  const {data, rows: n, cols} = m;
  if (n !== cols) {
    throw new ValueError(`${who}: ${name} must be a square matrix, got shape [${n},${cols}].`);
  }
  const bound = tol * maxAbs(data);
  let worst = 0;
  let wi = 0;
  let wj = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const d = Math.abs(data[i * n + j] - data[j * n + i]);
      if (d > worst) {
        worst = d;
        wi = i;
        wj = j;
      }
    }
  }
  if (worst > bound) {
    throw new ValueError(
      `${who}: ${name} must be symmetric (|a_ij - a_ji| <= ${tol}·max|a|), got ` +
        `a[${wi}][${wj}]=${data[wi * n + wj]} vs a[${wj}][${wi}]=${data[wj * n + wi]}.`,
    );
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (data[i * n + j] + data[j * n + i]);
      data[i * n + j] = s;
      data[j * n + i] = s;
    }
  }
}

/** Transpose of a row-major rows×cols matrix (new array, cols×rows). */
export function transpose(data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = data[base + j];
  }
  return out;
}

/** C = Aᵀ B for A [n, p], B [n, q] (row-major): C is [p, q]. */
export function matTMat(a: Float64Array, b: Float64Array, n: number, p: number, q: number): Float64Array {
  const c = new Float64Array(p * q);
  for (let r = 0; r < n; r++) {
    const ar = r * p;
    const br = r * q;
    for (let i = 0; i < p; i++) {
      const v = a[ar + i];
      if (v === 0) continue;
      const ci = i * q;
      for (let j = 0; j < q; j++) c[ci + j] += v * b[br + j];
    }
  }
  return c;
}

/** C = A B for A [n, p], B [p, q] (row-major): C is [n, q]. */
export function matMul(a: Float64Array, b: Float64Array, n: number, p: number, q: number): Float64Array {
  const c = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    const ci = i * q;
    for (let k = 0; k < p; k++) {
      const v = a[i * p + k];
      if (v === 0) continue;
      const bk = k * q;
      for (let j = 0; j < q; j++) c[ci + j] += v * b[bk + j];
    }
  }
  return c;
}

/**
 * Lower Cholesky factor L (row-major, L Lᵀ = A) of a symmetric positive
 * definite k×k matrix, or null when a pivot is not positive.
 */
export function cholesky(a: Float64Array, k: number): Float64Array | null {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j];
      for (let p = 0; p < j; p++) s -= l[i * k + p] * l[j * k + p];
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * k + i] = Math.sqrt(s);
      } else {
        l[i * k + j] = s / l[j * k + j];
      }
    }
  }
  return l;
}

/** Inverse of a lower-triangular k×k matrix (row-major). */
export function invLower(l: Float64Array, k: number): Float64Array {
  const inv = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    inv[j * k + j] = 1 / l[j * k + j];
    for (let i = j + 1; i < k; i++) {
      let s = 0;
      for (let p = j; p < i; p++) s += l[i * k + p] * inv[p * k + j];
      inv[i * k + j] = -s / l[i * k + i];
    }
  }
  return inv;
}
