/**
 * Float64 reference implementations for the spectral toolkit tests, written
 * from the papers and the reference code (never importing src/):
 * - cyclic Jacobi eigenvalues (an independent algorithm from src's Householder+QL);
 * - DSE as ChenLiu-1996/DiffusionSpectralEntropy `dse_dsmi` computes it;
 * - WeightWatcher `WWFit.fit_power_law` (WW_powerlaw.py) and `RMT_Util.detX_constraint`;
 * - scipy.stats.kurtosis(fisher=True, bias=True).
 */

/** Deterministic uniform [0, 1) generator (LCG; test data only). */
export function seededUniform(seed: number): () => number {
  let s = (seed * 2654435761 + 12345) >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Standard normal samples by Box-Muller from {@link seededUniform}. */
export function seededNormal(seed: number): () => number {
  const u = seededUniform(seed);
  return () => {
    const a = Math.max(u(), 1e-300);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}

/** A random symmetric n×n matrix with entries in [-1, 1). */
export function randomSymmetric(n: number, seed: number): Float64Array {
  const r = seededUniform(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = 2 * r() - 1;
  }
  return a;
}

/** Householder reflector I − 2uuᵀ/uᵀu (orthogonal and symmetric), row-major. */
export function householder(u: number[]): Float64Array {
  const n = u.length;
  const uu = u.reduce((s, x) => s + x * x, 0);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q[i * n + j] = (i === j ? 1 : 0) - (2 * u[i] * u[j]) / uu;
  return q;
}

/**
 * op(A)·op(B) with op(A) [n, p] and op(B) [p, q]. A is stored [n, p] (or
 * [p, n] when transA), B is stored [p, q] (or [q, p] when transB).
 */
export function matmul64(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  p: number,
  q: number,
  transB = false,
  transA = false,
): Float64Array {
  const c = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += (transA ? a[k * n + i] : a[i * p + k]) * (transB ? b[j * p + k] : b[k * q + j]);
      c[i * q + j] = s;
    }
  }
  return c;
}

/** Eigenvalues (ascending) of a symmetric matrix by cyclic Jacobi rotations. O(n³) per sweep; small n only. */
export function jacobiEigenvalues(a0: ArrayLike<number>, n: number): Float64Array {
  const a = Float64Array.from(a0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) off += a[i * n + j] ** 2;
    if (off < 1e-30 * (1 + a.reduce((s, x) => s + x * x, 0))) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Float64Array.from({length: n}, (_, i) => a[i * n + i]).sort();
}

/**
 * The symmetric diffusion matrix K = Deg^-1/2 G Deg^-1/2 of `dse_dsmi`
 * `compute_diffusion_matrix`: D = Euclidean distances, G = exp(−D²/(2σ²))/(σ√2π).
 */
export function diffusionMatrix(x: ArrayLike<number>, n: number, dim: number, sigma: number): Float64Array {
  const g = new Float64Array(n * n);
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let d2 = 0;
      for (let k = 0; k < dim; k++) d2 += (x[i * dim + k] - x[j * dim + k]) ** 2;
      g[i * n + j] = c * Math.exp(-d2 / (2 * sigma * sigma));
    }
  }
  const deg = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) deg[i] += g[i * n + j];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] /= Math.sqrt(deg[i] * deg[j]);
  return g;
}

/** `dse_dsmi` entropy of eigenvalues: |λ|^t, normalised, + float eps, −Σ p log2 p. */
export function dseFromEigenvalues(eigs: ArrayLike<number>, t: number): number {
  const lam = Array.from(eigs, v => Math.abs(v) ** t);
  const z = lam.reduce((s, v) => s + v, 0);
  let h = 0;
  for (const v of lam) {
    const p = v / z + 2 ** -52;
    h -= p * Math.log2(p);
  }
  return h;
}

/** WeightWatcher WWFit.fit_power_law: continuous MLE, KS-selected xmin over every candidate but the largest. */
export function wwFit(evalsIn: ArrayLike<number>): {alpha: number; xmin: number; D: number; numTail: number} {
  const x = Array.from(evalsIn).sort((a, b) => a - b);
  const n = x.length;
  let best = {alpha: -1, xmin: -1, D: Infinity, numTail: 0};
  for (let i = 0; i < n - 1; i++) {
    const tail = x.slice(i);
    const m = tail.length;
    const sumLog = tail.reduce((s, v) => s + Math.log(v), 0);
    const alpha = 1 + m / (sumLog - m * Math.log(x[i]));
    let D = 0;
    if (alpha <= 1) {
      D = 1;
    } else {
      for (let j = 0; j < m; j++) {
        const cdf = 1 - (tail[j] / x[i]) ** (1 - alpha);
        D = Math.max(D, Math.abs(cdf - j / m));
      }
    }
    if (D < best.D) best = {alpha, xmin: x[i], D, numTail: m};
  }
  return best;
}

/**
 * WeightWatcher RMT_Util.detX_constraint on eigenvalues rescaled to mean 1:
 * `for idx in range(n-1, 0, -1): if prod(evals[idx:]) < 1: break`; returns evals[idx] (original scale).
 */
export function detXLambdaMin(evalsIn: ArrayLike<number>): number {
  const x = Array.from(evalsIn).sort((a, b) => a - b);
  const n = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / n;
  let idx = 0;
  for (idx = n - 1; idx > 0; idx--) {
    let prod = 1;
    for (let j = idx; j < n; j++) prod *= x[j] / mean;
    if (prod < 1) break;
  }
  return x[Math.max(idx, n > 1 ? 1 : 0)];
}

/** scipy.stats.kurtosis(x, fisher=True, bias=True). */
export function excessKurtosisRef(x: ArrayLike<number>): number {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    m2 += d * d;
    m4 += d ** 4;
  }
  m2 /= n;
  m4 /= n;
  return m4 / (m2 * m2) - 3;
}
