/**
 * Float64 references for the activation-spectrum descriptors (EigenTrack's
 * standard definitions) and massive-activation statistics. Never imports src/.
 */
import {jacobiEigenvalues} from './spectral';

/** Eigenvalues (ascending, d of them) of C = X̃ᵀX̃/R for a row-major [R, d] matrix, by Jacobi on the d×d covariance. */
export function covarianceEigenvalues(x: ArrayLike<number>, rows: number, d: number): number[] {
  const mean = new Array<number>(d).fill(0);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j] / rows;
  const c = new Float64Array(d * d);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < d; i++) {
      const xi = x[r * d + i] - mean[i];
      for (let j = 0; j < d; j++) c[i * d + j] += (xi * (x[r * d + j] - mean[j])) / rows;
    }
  }
  return Array.from(jacobiEigenvalues(c, d), v => Math.max(v, 0));
}

/** MP(σ², γ) continuous-part CDF on [a, b] by a 200 000-point midpoint rule in λ (normalised). */
function mpCdfRef(sigma2: number, gamma: number): (x: number) => number {
  const a = sigma2 * (1 - Math.sqrt(gamma)) ** 2;
  const b = sigma2 * (1 + Math.sqrt(gamma)) ** 2;
  const n = 200000;
  const h = (b - a) / n;
  const cum = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const x = a + (i + 0.5) * h;
    cum[i + 1] = cum[i] + (Math.sqrt((b - x) * (x - a)) / (2 * Math.PI * sigma2 * gamma * x)) * h;
  }
  return x => {
    if (x <= a) return 0;
    if (x >= b) return 1;
    const k = (x - a) / h;
    const i = Math.floor(k);
    return (cum[i] + (k - i) * (cum[i + 1] - cum[i])) / cum[n];
  };
}

export function descriptorsRef(ev: number[], rows: number): Record<string, number> {
  const d = ev.length;
  const total = ev.reduce((s, v) => s + v, 0);
  const gamma = d / rows;
  const sigma2 = total / d;
  const edge = sigma2 * (1 + Math.sqrt(gamma)) ** 2;
  const h = -ev.filter(v => v > 0).reduce((s, v) => s + (v / total) * Math.log(v / total), 0);
  const bulk = ev.filter(v => v <= edge && v > 1e-6 * Math.max(...ev)).sort((x, y) => x - y);
  const F = mpCdfRef(sigma2, gamma);
  let ks = 0;
  bulk.forEach((v, i) => {
    ks = Math.max(ks, (i + 1) / bulk.length - F(v), F(v) - i / bulk.length);
  });
  return {
    spectralEntropy: h,
    effectiveRank: Math.exp(h),
    fracAboveMP: ev.filter(v => v > edge).length / d,
    ksMP: ks,
    lambdaMaxOverEdge: Math.max(...ev) / edge,
    mpEdge: edge,
  };
}

/** max|a|, numpy median |a|, their ratio, and channel (last-axis) maxima of a flat array with C channels. */
export function massiveRef(
  a: ArrayLike<number>,
  c: number,
): {maxAbs: number; median: number; ratio: number; channelMax: number[]} {
  const abs = Array.from(a, Math.abs).sort((x, y) => x - y);
  const n = abs.length;
  const median = n % 2 ? abs[(n - 1) / 2] : (abs[n / 2 - 1] + abs[n / 2]) / 2;
  const channelMax = new Array<number>(c).fill(0);
  for (let i = 0; i < a.length; i++) channelMax[i % c] = Math.max(channelMax[i % c], Math.abs(a[i]));
  return {maxAbs: abs[n - 1], median, ratio: abs[n - 1] / median, channelMax};
}
