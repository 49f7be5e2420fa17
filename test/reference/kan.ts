/**
 * Float64 reference implementations of the KAN variants, written from the
 * reference code (never importing src/):
 * - efficient-kan `src/efficient_kan/kan.py` @ 7b6ce1c (`b_splines`, `forward`,
 *   `update_grid`, `curve2coeff`, `regularization_loss`);
 * - FastKAN `fastkan/fastkan.py` @ 17b6540;
 * - ChebyKAN `ChebyKANLayer.py` @ 5f7efdd (the cos·acos form, as in the reference);
 * - FourierKAN `fftKAN.py` @ ef80791.
 * Arrays are plain nested number arrays; weights use the tfjs `[in, ..., out]` layout.
 */
import {Matrix, solve} from 'ml-matrix';

export type Mat = number[][];

/** Recursive Cox–de Boor for one basis function B_{j,p}(x) (textbook form). */
export function coxDeBoor(x: number, t: number[], j: number, p: number): number {
  if (p === 0) return t[j] <= x && x < t[j + 1] ? 1 : 0;
  const dl = t[j + p] - t[j];
  const dr = t[j + p + 1] - t[j + 1];
  const l = dl === 0 ? 0 : ((x - t[j]) / dl) * coxDeBoor(x, t, j, p - 1);
  const r = dr === 0 ? 0 : ((t[j + p + 1] - x) / dr) * coxDeBoor(x, t, j + 1, p - 1);
  return l + r;
}

/** efficient-kan knots: t_m = a + (m − k)·(b − a)/G, m = 0..G+2k. */
export function knots(G: number, k: number, a: number, b: number): number[] {
  const h = (b - a) / G;
  const out: number[] = [];
  for (let m = 0; m <= G + 2 * k; m++) out.push(a + (m - k) * h);
  return out;
}

/** Bases [N][I][G+k] of x [N][I] on grid [I][G+2k+1]. */
export function bsplineBases(x: Mat, grid: Mat, k: number): number[][][] {
  return x.map(row =>
    row.map((xi, i) => {
      const t = grid[i];
      return Array.from({length: t.length - 1 - k}, (_, j) => coxDeBoor(xi, t, j, k));
    }),
  );
}

export const silu = (v: number): number => v / (1 + Math.exp(-v));

/**
 * efficient-kan KANLinear.forward:
 * y_o = Σ_i silu(x_i)·Wb[i][o] + Σ_{i,j} B_j(x_i)·C[i][j][o]·S[i][o] (+ bias_o).
 */
export function bsplineKanForward(
  x: Mat,
  w: {base: Mat; spline: number[][][]; scaler: Mat; grid: Mat; bias?: number[]},
  k: number,
): Mat {
  const bases = bsplineBases(x, w.grid, k);
  const O = w.base[0].length;
  return x.map((row, n) => {
    const y = new Array<number>(O).fill(0);
    for (let o = 0; o < O; o++) {
      let s = w.bias ? w.bias[o] : 0;
      row.forEach((xi, i) => {
        s += silu(xi) * w.base[i][o];
        bases[n][i].forEach((b, j) => (s += b * w.spline[i][j][o] * w.scaler[i][o]));
      });
      y[o] = s;
    }
    return y;
  });
}

/** Least squares min ‖A·X − B‖ by ml-matrix (QR / SVD based), per problem. */
export function lstsq(a: Mat, b: Mat): Mat {
  return solve(new Matrix(a), new Matrix(b), true).to2DArray();
}

/**
 * efficient-kan update_grid with the scaler bug fixed: returns the new grid
 * [I][G+2k+1] and the new unscaled spline kernel [I][G+k][O] (= refit / scaler).
 */
export function updateGridReference(
  x: Mat,
  w: {spline: number[][][]; scaler: Mat; grid: Mat},
  G: number,
  k: number,
  margin: number,
  gridEps: number,
): {grid: Mat; spline: number[][][]} {
  const N = x.length;
  const I = x[0].length;
  const O = w.scaler[0].length;
  const oldBases = bsplineBases(x, w.grid, k); // [N][I][G+k]
  const grid: Mat = [];
  for (let i = 0; i < I; i++) {
    const col = x.map(r => r[i]).sort((p, q) => p - q);
    const adaptive = Array.from({length: G + 1}, (_, j) => col[Math.floor(((N - 1) * j) / G)]);
    const step = (col[N - 1] - col[0] + 2 * margin) / G;
    const blended = adaptive.map((v, j) => gridEps * (col[0] - margin + j * step) + (1 - gridEps) * v);
    const t: number[] = [];
    for (let q = k; q >= 1; q--) t.push(blended[0] - q * step);
    t.push(...blended);
    for (let q = 1; q <= k; q++) t.push(blended[G] + q * step);
    grid.push(t);
  }
  const newBases = bsplineBases(x, grid, k);
  const spline: number[][][] = [];
  for (let i = 0; i < I; i++) {
    // Target per-edge outputs U[n][o] = Σ_j Bold_j(x_ni)·C[i][j][o]·S[i][o].
    const u = oldBases.map(bn => {
      const row: number[] = [];
      for (let o = 0; o < O; o++) {
        let s = 0;
        bn[i].forEach((b, j) => (s += b * w.spline[i][j][o] * w.scaler[i][o]));
        row.push(s);
      }
      return row;
    });
    const a = newBases.map(bn => bn[i]);
    const c = lstsq(a, u); // [G+k][O], scaled
    spline.push(c.map(r => r.map((v, o) => v / w.scaler[i][o])));
  }
  return {grid, spline};
}

/** efficient-kan regularization_loss on C [I][n][O] (no eps; the caller avoids zeros). */
export function regularizationReference(c: number[][][], l1w: number, entw: number): number {
  const l1: number[] = [];
  for (let i = 0; i < c.length; i++) {
    for (let o = 0; o < c[i][0].length; o++) {
      let s = 0;
      for (let j = 0; j < c[i].length; j++) s += Math.abs(c[i][j][o]);
      l1.push(s / c[i].length);
    }
  }
  const total = l1.reduce((p, q) => p + q, 0);
  const ent = -l1.reduce((s, v) => s + (v / total) * Math.log(v / total), 0);
  return l1w * total + entw * ent;
}

/** FastKAN: y = Σ RBF(LN(x))·Ws + silu(x)·Wb + bb. LayerNorm eps 1e-5 (biased variance). */
export function rbfKanForward(
  x: Mat,
  w: {gamma?: number[]; beta?: number[]; spline: number[][][]; base?: Mat; baseBias?: number[]},
  gridMin: number,
  gridMax: number,
  n: number,
): Mat {
  const h = (gridMax - gridMin) / (n - 1);
  const centers = Array.from({length: n}, (_, j) => gridMin + (j * (gridMax - gridMin)) / (n - 1));
  const O = w.spline[0][0].length;
  return x.map(row => {
    let z = row;
    if (w.gamma && w.beta) {
      const mean = row.reduce((p, q) => p + q, 0) / row.length;
      const v = row.reduce((p, q) => p + (q - mean) ** 2, 0) / row.length;
      z = row.map((q, i) => ((q - mean) / Math.sqrt(v + 1e-5)) * w.gamma![i] + w.beta![i]);
    }
    const y = new Array<number>(O).fill(0);
    for (let o = 0; o < O; o++) {
      let s = w.baseBias ? w.baseBias[o] : 0;
      z.forEach((zi, i) => {
        centers.forEach((c, j) => (s += Math.exp(-(((zi - c) / h) ** 2)) * w.spline[i][j][o]));
        if (w.base) s += silu(row[i]) * w.base[i][o];
      });
      y[o] = s;
    }
    return y;
  });
}

/** ChebyKAN as the reference writes it: T_d(tanh x) = cos(d·acos(tanh x)). */
export function chebyKanForward(x: Mat, coeffs: number[][][], degree: number): Mat {
  const O = coeffs[0][0].length;
  return x.map(row => {
    const y = new Array<number>(O).fill(0);
    row.forEach((xi, i) => {
      const t = Math.acos(Math.tanh(xi));
      for (let d = 0; d <= degree; d++) {
        const td = Math.cos(d * t);
        for (let o = 0; o < O; o++) y[o] += td * coeffs[i][d][o];
      }
    });
    return y;
  });
}

/** FourierKAN: y_o = Σ_i Σ_k a[i][k][o]·cos((k+1)x_i) + b[i][k][o]·sin((k+1)x_i) + bias_o. */
export function fourierKanForward(x: Mat, a: number[][][], b: number[][][], bias: number[] | null, G: number): Mat {
  const O = a[0][0].length;
  return x.map(row => {
    const y = bias ? bias.slice() : new Array<number>(O).fill(0);
    row.forEach((xi, i) => {
      for (let k = 0; k < G; k++) {
        const c = Math.cos((k + 1) * xi);
        const s = Math.sin((k + 1) * xi);
        for (let o = 0; o < O; o++) y[o] += c * a[i][k][o] + s * b[i][k][o];
      }
    });
    return y;
  });
}
