/**
 * Float64 transcription of WeightWatcher 0.7.5.5 (CalculatedContent/WeightWatcher
 * @ d6fd015) per-layer metrics, for the `spectral.analyze` tests. Never imports src/.
 *
 * - ESD: squared singular values = eigenvalues of the smaller Gram matrix, by
 *   cyclic Jacobi (an algorithm independent of src's Householder/QL).
 * - `WWFit.fit_power_law` (WW_powerlaw.py) on evals > EVALS_THRESH = 1e-5.
 * - `apply_norm_metrics`, `matrix_rank`, `matrix_entropy` (RMT_Util.py).
 * - `mp_fit` → `fit_density_with_range` → scipy `brute` (grid from `np.arange`,
 *   then `fmin` Nelder–Mead, transcribed from scipy `_minimize_neldermead` for
 *   general N), `resid_mp` with sklearn's linear-kernel KDE.
 * - `jensen_shannon_distance` (scipy `stats.entropy` normalises its inputs).
 */
import {jacobiEigenvalues, matmul64} from './spectral';

/** Eigenvalues of XᵀX (or XXᵀ) over the smaller side of a row-major [r, c] matrix, ascending, clipped at 0 like sv². */
export function matrixEsd(x: ArrayLike<number>, r: number, c: number): number[] {
  const g = r >= c ? matmul64(x, x, c, r, c, false, true) : matmul64(x, x, r, c, r, true);
  return Array.from(jacobiEigenvalues(g, Math.min(r, c)), v => Math.max(v, 0));
}

export interface WWFitRef {
  alpha: number;
  xmin: number;
  D: number;
  sigma: number;
  numPlSpikes: number;
}

/** weightwatcher.py fit_powerlaw (xmax=None, pl_package='ww') → WWFit. */
export function wwFitRef(evals: number[]): WWFitRef {
  const data = evals.filter(v => v > 1e-5).sort((a, b) => a - b);
  const N = data.length;
  const logData = data.map(Math.log);
  const alphas: number[] = [];
  const Ds: number[] = [];
  for (let i = 0; i < N - 1; i++) {
    const n = N - i;
    let sumLog = 0;
    for (let j = i; j < N; j++) sumLog += logData[j];
    const alpha = 1 + n / (sumLog - n * logData[i]);
    alphas.push(alpha);
    let D = 1;
    if (alpha > 1) {
      D = 0;
      for (let j = 0; j < n; j++) D = Math.max(D, Math.abs(1 - (data[i + j] / data[i]) ** (-alpha + 1) - j / n));
    }
    Ds.push(D);
  }
  let i = 0;
  for (let k = 1; k < Ds.length; k++) if (Ds[k] < Ds[i]) i = k;
  const xmin = data[i];
  return {
    alpha: alphas[i],
    xmin,
    D: Ds[i],
    sigma: (alphas[i] - 1) / Math.sqrt(N - i),
    numPlSpikes: evals.filter(v => v >= xmin).length,
  };
}

/** apply_norm_metrics (N = the layer's larger side). */
export function normMetricsRef(evals: number[], N: number, alpha: number): Record<string, number> {
  const norm = evals.reduce((a, b) => a + b, 0);
  const spectral = Math.max(...evals);
  const sv = evals.map(Math.sqrt);
  const tol = Math.max(...sv) * N * 2.220446049250313e-16; // matrix_rank: max(S)·N·eps
  const rank = sv.filter(s => s > tol).length;
  const EPSILON = 1e-10;
  let h = 0;
  for (const e of evals) {
    const p = e / norm + EPSILON;
    h += p * Math.log(p);
  }
  return {
    norm,
    logNorm: Math.log10(norm),
    lambdaMax: spectral,
    logSpectralNorm: Math.log10(spectral),
    alphaWeighted: alpha * Math.log10(spectral),
    logAlphaNorm: Math.log10(evals.reduce((s, e) => s + e ** alpha, 0)),
    stableRank: norm / spectral,
    matrixRank: rank,
    matrixEntropy: -h / Math.log(rank + EPSILON),
  };
}

function npArange(start: number, stop: number, step: number): number[] {
  const len = Math.ceil((stop - start) / step);
  const out = [start, start + step];
  const delta = out[1] - out[0];
  for (let i = 2; i < len; i++) out.push(start + i * delta);
  return out.slice(0, Math.max(len, 0));
}

function npLinspace(a: number, b: number, num: number): number[] {
  const step = (b - a) / (num - 1);
  const out = Array.from({length: num}, (_, i) => i * step + a);
  out[num - 1] = b;
  return out;
}

function nanToNum(v: number): number {
  return Number.isNaN(v) ? 0 : v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v;
}

/** sklearn KernelDensity(kernel='linear', bandwidth=bw).score_samples, exponentiated (brute force). */
function kdeLinear(samples: number[], at: number[], bw: number): number[] {
  return at.map(u => {
    let s = 0;
    for (const t of samples) {
      const d = Math.abs(u - t);
      if (d < bw) s += 1 - d / bw;
    }
    return s / bw / samples.length; // log norm = −log h (d = 1), then − log N
  });
}

/** RMT_Util.resid_mp(p, evals, Q, bw, allresid=False), with the KDE of `evals` precomputed by the caller. */
function residMp(sigma: number, xdeAll: number[], ydeAll: number[], Q: number): number {
  const THRESH = 0.01;
  const good = ydeAll.map((y, i) => (y > THRESH ? i : -1)).filter(i => i >= 0);
  const xde = good.map(i => xdeAll[i]);
  const yde = good.map(i => ydeAll[i]);
  let resid: number[];
  if (Q === 1) {
    resid = xde.map((x, i) => nanToNum((1 / (Math.PI * sigma * sigma)) * Math.sqrt(4 - x ** 2)) - yde[i]);
  } else {
    const y = 1 / Q;
    const b = (sigma * (1 + Math.sqrt(1 / Q))) ** 2;
    const a = (sigma * (1 - Math.sqrt(1 / Q))) ** 2;
    const ymax = Math.max(...yde);
    const peak = xde[yde.indexOf(ymax)];
    if (b < peak || b > Math.max(...xde) || a > peak) {
      resid = yde.map(() => 1000);
    } else {
      resid = xde.map(
        (x, i) => nanToNum((1 / (2 * Math.PI * sigma * sigma * x * y)) * Math.sqrt((b - x) * (x - a))) - yde[i],
      );
    }
  }
  return resid.reduce((s, r) => s + r * r, 0);
}

/** scipy.optimize.fmin (Nelder–Mead, xtol = ftol = 1e-4, maxiter = maxfun = 200·N), general N. */
function fmin(f: (x: number[]) => number, x0: number[]): number[] {
  const N = x0.length;
  const [rho, chi, psi, sig] = [1, 2, 0.5, 0.5];
  let sim: number[][] = [x0.slice()];
  for (let k = 0; k < N; k++) {
    const y = x0.slice();
    y[k] = y[k] !== 0 ? (1 + 0.05) * y[k] : 0.00025;
    sim.push(y);
  }
  let fcalls = 0;
  const F = (x: number[]) => {
    fcalls++;
    return f(x);
  };
  let fsim = sim.map(F);
  const sortSim = () => {
    const ind = fsim.map((_, i) => i).sort((a, b) => fsim[a] - fsim[b] || a - b);
    sim = ind.map(i => sim[i]);
    fsim = ind.map(i => fsim[i]);
  };
  sortSim();
  let iterations = 1;
  const comb = (a: number, x: number[], b: number, y: number[]) => x.map((v, i) => a * v + b * y[i]);
  while (fcalls < 200 * N && iterations < 200 * N) {
    const xdiff = Math.max(...sim.slice(1).flatMap(s => s.map((v, i) => Math.abs(v - sim[0][i]))));
    const fdiff = Math.max(...fsim.slice(1).map(v => Math.abs(fsim[0] - v)));
    if (xdiff <= 1e-4 && fdiff <= 1e-4) break;
    const xbar = sim
      .slice(0, -1)
      .reduce((acc, s) => acc.map((v, i) => v + s[i]), new Array(N).fill(0))
      .map(v => v / N);
    const last = sim[N];
    const xr = comb(1 + rho, xbar, -rho, last);
    const fxr = F(xr);
    let doshrink = false;
    if (fxr < fsim[0]) {
      const xe = comb(1 + rho * chi, xbar, -rho * chi, last);
      const fxe = F(xe);
      if (fxe < fxr) {
        sim[N] = xe;
        fsim[N] = fxe;
      } else {
        sim[N] = xr;
        fsim[N] = fxr;
      }
    } else if (fxr < fsim[N - 1]) {
      sim[N] = xr;
      fsim[N] = fxr;
    } else {
      if (fxr < fsim[N]) {
        const xc = comb(1 + psi * rho, xbar, -psi * rho, last);
        const fxc = F(xc);
        if (fxc <= fxr) {
          sim[N] = xc;
          fsim[N] = fxc;
        } else doshrink = true;
      } else {
        const xcc = comb(1 - psi, xbar, psi, last);
        const fxcc = F(xcc);
        if (fxcc < fsim[N]) {
          sim[N] = xcc;
          fsim[N] = fxcc;
        } else doshrink = true;
      }
      if (doshrink) {
        for (let j = 1; j <= N; j++) {
          sim[j] = comb(
            1,
            sim[0],
            sig,
            sim[j].map((v, i) => v - sim[0][i]),
          );
          fsim[j] = F(sim[j]);
        }
      }
    }
    iterations++;
    sortSim();
  }
  return sim[0];
}

/** weightwatcher.py mp_fit (rescale=True): {numSpikes, sigmaMp, mpSoftrank, bulkMin, bulkMax, wScale}. */
export function mpFitRef(evalsIn: number[], N: number, M: number): Record<string, number> {
  const Q = N / M;
  const wnorm = Math.sqrt(evalsIn.reduce((a, b) => a + b, 0));
  const Wscale = Math.sqrt(evalsIn.length) / wnorm;
  const toPlot = evalsIn.map(e => Wscale * Wscale * e);
  const lambdaMax = Math.max(...toPlot);
  // fit_density_with_range: sigma range from calc_sigma on the (rescaled) eigenvalues
  const invSqQ = 1.0 / Math.sqrt(Q);
  const scaling = Math.sqrt(Math.max(...toPlot) / (1 + invSqQ) ** 2);
  const toFit = Q === 1 ? toPlot.map(Math.sqrt) : toPlot;
  const xde = npLinspace(0, Math.max(...toFit) + 0.5, 1000);
  const yde = kdeLinear(toFit, xde, 0.1);
  const grid = npArange(0.05 * scaling, 2.0 * scaling, 0.01 * scaling);
  const J = grid.map(s => residMp(s, xde, yde, Q));
  let best = 0;
  for (let i = 1; i < J.length; i++) if (J[i] < J[best]) best = i;
  const s1 = fmin(x => residMp(x[0], xde, yde, Q), [grid[best]])[0];
  const bulkMax = (s1 * (1 + 1 / Math.sqrt(Q))) ** 2;
  const bulkMin = (s1 * (1 - 1 / Math.sqrt(Q))) ** 2;
  const TW = (1 / Math.sqrt(Q)) * bulkMax ** (2 / 3) * M ** (-2 / 3);
  const numSpikes = toPlot.filter(x => x > bulkMax + Math.sqrt(TW)).length;
  return {
    numSpikes,
    sigmaMp: s1,
    mpSoftrank: bulkMax / lambdaMax,
    bulkMin: bulkMin / (Wscale * Wscale),
    bulkMax: bulkMax / (Wscale * Wscale),
    wScale: Wscale,
  };
}

/** RMT_Util.jensen_shannon_distance(p, q) with scipy.stats.entropy (inputs normalised, natural log). */
export function jensenShannonRef(p: number[], q: number[]): number {
  const m = p.map((v, i) => (v + q[i]) / 2);
  const entropy = (a: number[], b: number[]) => {
    const sa = a.reduce((s, v) => s + v, 0);
    const sb = b.reduce((s, v) => s + v, 0);
    return a.reduce((s, v, i) => (v > 0 ? s + (v / sa) * Math.log(v / sa / (b[i] / sb)) : s), 0);
  };
  return Math.sqrt((entropy(p, m) + entropy(q, m)) / 2);
}

/** mulberry32 (Tommy Ettinger's public-domain generator), re-implemented for the shuffle check. */
export function mulberry32Ref(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** numpy-style in-place Fisher–Yates shuffle (from the last index down) with a uniform generator. */
export function shuffleRef(x: number[], u: () => number): number[] {
  const a = x.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
