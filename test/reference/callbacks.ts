/**
 * Float64 references for the callback tests, written from the maths in
 * callbacks.md §2 (Explicit Spectral Truncation, spectral linear probe).
 * Independent of src/: eigenvectors come from ml-matrix (JAMA tred2/tql2).
 */
import {EigenvalueDecomposition, Matrix, solve} from 'ml-matrix';

/** Row-major [n, d] float64 matrix. */
export interface Mat {
  data: Float64Array;
  rows: number;
  cols: number;
}

export function toMat(data: ArrayLike<number>, rows: number, cols: number): Mat {
  return {data: Float64Array.from(data), rows, cols};
}

export function columnMean(a: Mat): Float64Array {
  const mu = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) mu[j] += a.data[i * a.cols + j] / a.rows;
  return mu;
}

/** Covariance (1/n) of the rows of a. */
export function covariance(a: Mat, mu: Float64Array): Matrix {
  const c = Matrix.zeros(a.cols, a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let p = 0; p < a.cols; p++) {
      const xp = a.data[i * a.cols + p] - mu[p];
      for (let q = 0; q < a.cols; q++) c.set(p, q, c.get(p, q) + (xp * (a.data[i * a.cols + q] - mu[q])) / a.rows);
    }
  }
  return c;
}

/** Eigenvalues (descending) and eigenvectors (columns, same order) of a symmetric matrix. */
export function eigDescending(c: Matrix): {values: number[]; vectors: Matrix} {
  const e = new EigenvalueDecomposition(c, {assumeSymmetric: true});
  const order = e.realEigenvalues
    .map((v, i) => [v, i])
    .sort((a, b) => b[0] - a[0])
    .map(p => p[1]);
  const v = e.eigenvectorMatrix;
  const out = Matrix.zeros(c.rows, c.rows);
  order.forEach((src, dst) => {
    for (let r = 0; r < c.rows; r++) out.set(r, dst, v.get(r, src));
  });
  return {values: order.map(i => e.realEigenvalues[i]), vectors: out};
}

/** P = V_S V_Sᵀ for the eigenvector columns in `cols`. */
export function projector(vectors: Matrix, cols: number[]): Matrix {
  const vs = Matrix.zeros(vectors.rows, cols.length);
  cols.forEach((c, j) => {
    for (let r = 0; r < vectors.rows; r++) vs.set(r, j, vectors.get(r, c));
  });
  return vs.mmul(vs.transpose());
}

/** "Project features, then original head": softmax((μ + (F − μ)P)W + b). */
export function truncatedHead(f: Mat, mu: Float64Array, p: Matrix, w: Matrix, b: ArrayLike<number>): number[][] {
  const fc = new Matrix(f.rows, f.cols);
  for (let i = 0; i < f.rows; i++) for (let j = 0; j < f.cols; j++) fc.set(i, j, f.data[i * f.cols + j] - mu[j]);
  const ft = fc.mmul(p);
  for (let i = 0; i < f.rows; i++) for (let j = 0; j < f.cols; j++) ft.set(i, j, ft.get(i, j) + mu[j]);
  const logits = ft.mmul(w).to2DArray();
  return logits.map(row => {
    const z = row.map((v, c) => v + b[c]);
    const m = Math.max(...z);
    const e = z.map(v => Math.exp(v - m));
    const s = e.reduce((a, x) => a + x, 0);
    return e.map(v => v / s);
  });
}

/**
 * Ridge least-squares linear probe on the features projected onto the
 * eigenvector columns `cols`: targets one-hot, intercept = class prior,
 * β = (ZᵀZ + n·ridge·I)⁻¹ Zᵀ(Y − Ȳ) with Z = (F − μ)V_S. Returns the accuracy
 * of argmax(Ȳ + Z_eval β) on (fEval, yEval).
 */
export function probeAccuracy(
  fTrain: Mat,
  yTrain: ArrayLike<number>,
  fEval: Mat,
  yEval: ArrayLike<number>,
  mu: Float64Array,
  vectors: Matrix,
  cols: number[],
  classes: number,
  ridge: number,
): number {
  const coords = (f: Mat) => {
    const fc = new Matrix(f.rows, f.cols);
    for (let i = 0; i < f.rows; i++) for (let j = 0; j < f.cols; j++) fc.set(i, j, f.data[i * f.cols + j] - mu[j]);
    const vs = Matrix.zeros(vectors.rows, cols.length);
    cols.forEach((c, j) => {
      for (let r = 0; r < vectors.rows; r++) vs.set(r, j, vectors.get(r, c));
    });
    return fc.mmul(vs);
  };
  const n = fTrain.rows;
  const prior = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) prior[yTrain[i]] += 1 / n;
  const yc = new Matrix(n, classes);
  for (let i = 0; i < n; i++) for (let c = 0; c < classes; c++) yc.set(i, c, (yTrain[i] === c ? 1 : 0) - prior[c]);
  let pred: number[][];
  const ze = coords(fEval);
  if (cols.length === 0) {
    pred = Array.from({length: fEval.rows}, () => [...prior]);
  } else {
    const z = coords(fTrain);
    const g = z.transpose().mmul(z);
    for (let k = 0; k < cols.length; k++) g.set(k, k, g.get(k, k) + n * ridge);
    const beta = solve(g, z.transpose().mmul(yc));
    pred = ze
      .mmul(beta)
      .to2DArray()
      .map(row => row.map((v, c) => v + prior[c]));
  }
  let correct = 0;
  pred.forEach((row, i) => {
    let best = 0;
    row.forEach((v, c) => {
      if (v > row[best]) best = c;
    });
    if (best === yEval[i]) correct++;
  });
  return correct / fEval.rows;
}
