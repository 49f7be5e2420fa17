/**
 * WeightWatcher's Marchenko–Pastur fit of an eigenvalue spectrum: the bulk
 * scale σ_mp, the bulk edges, Tracy–Widom spikes and the MP soft rank.
 */

/** Result of {@link marchenkoPasturFit}; all −1 when the fit failed (as WeightWatcher). */
export interface MarchenkoPasturFit {
  /** Fitted σ of the MP law, in the rescaled units (mean eigenvalue 1). */
  sigmaMp: number;
  /** Eigenvalues above the bulk edge plus the Tracy–Widom margin, bulkMax + √TW (rescaled units). */
  numSpikes: number;
  /** bulkMax / λ_max (scale-free; may exceed 1). */
  mpSoftrank: number;
  /** MP bulk edges λ± = (σ(1 ± 1/√Q))², in the original units. */
  bulkMax: number;
  bulkMin: number;
  /** The rescaling: eigenvalues × wScale² have mean 1. */
  wScale: number;
  /** The spike threshold bulkMax + √TW in the original units. */
  spikeThreshold: number;
  status: 'ok' | 'failed';
}

const FAILED: MarchenkoPasturFit = {
  sigmaMp: -1,
  numSpikes: -1,
  mpSoftrank: -1,
  bulkMax: -1,
  bulkMin: -1,
  wScale: -1,
  spikeThreshold: -1,
  status: 'failed',
};
/** KDE bandwidth and density floor of WeightWatcher's `mp_fit` / `resid_mp`. */
const BW = 0.1;
const DENSITY_FLOOR = 0.01;
const KDE_POINTS = 1000;

/** `np.arange(start, stop, step)` for floats: length ⌈(stop−start)/step⌉, values start + i·((start+step)−start). */
function arange(start: number, stop: number, step: number): Float64Array {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(n);
  const delta = start + step - start;
  if (n > 0) out[0] = start;
  if (n > 1) out[1] = start + delta;
  for (let i = 2; i < n; i++) out[i] = start + i * delta;
  return out;
}

/**
 * sklearn `KernelDensity(kernel='linear', bandwidth=h)` evaluated on
 * `linspace(0, max(t) + 0.5, 1000)`: f(u) = (1/(n·h)) Σ_i max(0, 1 − |u − t_i|/h).
 */
function linearKde(t: Float64Array): {xs: Float64Array; ys: Float64Array} {
  const sorted = Float64Array.from(t).sort();
  const n = sorted.length;
  let max = -Infinity;
  for (const v of sorted) if (v > max) max = v;
  const stop = max + 0.5;
  const xs = new Float64Array(KDE_POINTS);
  const step = stop / (KDE_POINTS - 1);
  for (let j = 0; j < KDE_POINTS; j++) xs[j] = j * step;
  xs[KDE_POINTS - 1] = stop; // numpy linspace sets the endpoint exactly
  const ys = new Float64Array(KDE_POINTS);
  let lo = 0;
  for (let j = 0; j < KDE_POINTS; j++) {
    const u = xs[j];
    while (lo < n && sorted[lo] <= u - BW) lo++;
    let s = 0;
    for (let i = lo; i < n && sorted[i] < u + BW; i++) {
      const d = Math.abs(u - sorted[i]);
      if (d < BW) s += 1 - d / BW;
    }
    ys[j] = s / (n * BW);
  }
  return {xs, ys};
}

/** numpy `nan_to_num`: NaN → 0, ±inf → ±largest double. */
function nanToNum(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v === Infinity) return Number.MAX_VALUE;
  if (v === -Infinity) return -Number.MAX_VALUE;
  return v;
}

/** The objective of WeightWatcher's `resid_mp(..., allresid=False)`, with the KDE precomputed. */
function residual(sigma: number, xs: Float64Array, ys: Float64Array, peak: number, xMax: number, q: number): number {
  let sum = 0;
  if (q === 1) {
    for (let j = 0; j < xs.length; j++) {
      const r = nanToNum((1 / (Math.PI * sigma * sigma)) * Math.sqrt(4 - xs[j] ** 2)) - ys[j];
      sum += r * r;
    }
    return sum;
  }
  const y = 1 / q;
  const b = (sigma * (1 + Math.sqrt(1 / q))) ** 2;
  const a = (sigma * (1 - Math.sqrt(1 / q))) ** 2;
  if (b < peak || b > xMax || a > peak) return xs.length * 1000 * 1000;
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j];
    const r = nanToNum((1 / (2 * Math.PI * sigma * sigma * x * y)) * Math.sqrt((b - x) * (x - a))) - ys[j];
    sum += r * r;
  }
  return sum;
}

/**
 * scipy `optimize.fmin` (Nelder–Mead, defaults xtol = ftol = 1e-4, 200
 * iterations/evaluations) in one dimension, as `optimize.brute` calls it to polish.
 */
function nelderMead1d(f: (x: number) => number, x0: number): number {
  const maxIter = 200;
  const maxFun = 200;
  let calls = 0;
  const call = (x: number): number => {
    calls++;
    return f(x);
  };
  let sim = [x0, x0 !== 0 ? 1.05 * x0 : 0.00025];
  let fsim = [call(sim[0]), call(sim[1])];
  const order = () => {
    if (fsim[1] < fsim[0]) {
      // argsort of two, stable
      sim = [sim[1], sim[0]];
      fsim = [fsim[1], fsim[0]];
    }
  };
  order();
  let iterations = 1;
  while (calls < maxFun && iterations < maxIter) {
    if (Math.abs(sim[1] - sim[0]) <= 1e-4 && Math.abs(fsim[0] - fsim[1]) <= 1e-4) break;
    if (calls >= maxFun) break;
    const xbar = sim[0];
    const xr = 2 * xbar - sim[1];
    const fxr = call(xr);
    let shrink = false;
    if (fxr < fsim[0]) {
      const xe = 3 * xbar - 2 * sim[1];
      const fxe = calls < maxFun ? call(xe) : Infinity;
      if (fxe < fxr) {
        sim[1] = xe;
        fsim[1] = fxe;
      } else {
        sim[1] = xr;
        fsim[1] = fxr;
      }
    } else if (fxr < fsim[1]) {
      // (scipy's "fxr < fsim[-2]" reflection branch is empty in 1-D: fsim[-2] = fsim[0])
      const xc = 1.5 * xbar - 0.5 * sim[1];
      const fxc = call(xc);
      if (fxc <= fxr) {
        sim[1] = xc;
        fsim[1] = fxc;
      } else shrink = true;
    } else {
      const xcc = 0.5 * xbar + 0.5 * sim[1];
      const fxcc = call(xcc);
      if (fxcc < fsim[1]) {
        sim[1] = xcc;
        fsim[1] = fxcc;
      } else shrink = true;
    }
    if (shrink) {
      sim[1] = sim[0] + 0.5 * (sim[1] - sim[0]);
      fsim[1] = call(sim[1]);
    }
    iterations++;
    order();
  }
  return sim[0];
}

/**
 * Fits the Marchenko–Pastur law to an eigenvalue spectrum as WeightWatcher's
 * `mp_fit` does (`mp_fit=True`).
 *
 * With Q = N/M (the layer's aspect ratio, ≥ 1): rescale x = λ·W², W² = n/Σλ
 * (mean 1); fit σ by `scipy.optimize.brute` over σ ∈ [0.05, 2)·s₀ in steps of
 * 0.01·s₀, s₀ = √(max x / (1 + 1/√Q)²), then Nelder–Mead polish, minimising
 * Σ (ρ_MP(u; σ, Q) − f(u))² over the points u of `linspace(0, max + 0.5, 1000)`
 * where a linear-kernel KDE f (bandwidth 0.1) exceeds 0.01; a σ whose bulk
 * [λ−, λ+] does not straddle the KDE's peak, or whose λ+ exceeds the last
 * kept point, scores 1000 per point. For Q = 1 the quarter-circle law is fitted
 * to √x instead. Then λ± = (σ(1 ± 1/√Q))², TW = Q^−½·λ+^⅔·M^−⅔,
 * numSpikes = #{x > λ+ + √TW}, mpSoftrank = λ+ / max x; the edges are returned
 * in the original units.
 *
 * Sync, float64. Cost O(n + 1000·(195 + ~30)).
 *
 * Paper: Martin & Mahoney, "Implicit Self-Regularization in Deep Neural
 * Networks", 2021 (JMLR), arXiv:1810.01075 (§3, MP bulk and spikes).
 * Follows: CalculatedContent/WeightWatcher 0.7.5.5 `weightwatcher.py`
 * `mp_fit`, `RMT_Util.py` `fit_density_with_range`, `resid_mp`, `calc_sigma`,
 * `marchenko_pastur_fun`, `quarter_circle_fun`; scipy `brute` (default
 * `finish=fmin`) and `fmin` (Nelder–Mead); sklearn's linear kernel.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const w = tf.randomNormal([400, 100], 0, 1, 'float32', 1);
 * const evals = tfa.linalg.eigvalsh(tf.matMul(w, w, true, false)); // ESD of a random matrix: a pure MP bulk
 * console.log(tfa.spectral.marchenkoPasturFit(evals, 400, 100)); // sigmaMp ≈ 1, numSpikes 0
 * ```
 */
export function marchenkoPasturFit(eigenvalues: ArrayLike<number>, N: number, M: number): MarchenkoPasturFit {
  const n = eigenvalues.length;
  if (n < 2 || !(M > 0)) return {...FAILED};
  let total = 0;
  for (let i = 0; i < n; i++) total += eigenvalues[i];
  if (!(total > 0) || !Number.isFinite(total)) return {...FAILED};
  const q = N / M;
  const wScale = Math.sqrt(n) / Math.sqrt(total);
  const w2 = wScale * wScale;
  const x = new Float64Array(n);
  let lambdaMax = -Infinity;
  for (let i = 0; i < n; i++) {
    x[i] = w2 * eigenvalues[i];
    if (x[i] > lambdaMax) lambdaMax = x[i];
  }
  // calc_sigma on the eigenvalues (never on √x)
  const invSqQ = 1.0 / Math.sqrt(q);
  const s0 = Math.sqrt(lambdaMax / (1 + invSqQ) ** 2);
  const t = q === 1 ? x.map(Math.sqrt) : x;
  const kde = linearKde(t);
  const keepX: number[] = [];
  const keepY: number[] = [];
  for (let j = 0; j < kde.xs.length; j++) {
    if (kde.ys[j] > DENSITY_FLOOR) {
      keepX.push(kde.xs[j]);
      keepY.push(kde.ys[j]);
    }
  }
  if (keepX.length === 0) return {...FAILED};
  const xs = Float64Array.from(keepX);
  const ys = Float64Array.from(keepY);
  let peakIdx = 0;
  for (let j = 1; j < ys.length; j++) if (ys[j] > ys[peakIdx]) peakIdx = j;
  const peak = xs[peakIdx];
  const xMax = xs[xs.length - 1];
  const f = (s: number) => residual(s, xs, ys, peak, xMax, q);
  const grid = arange(0.05 * s0, 2.0 * s0, 0.01 * s0);
  let best = 0;
  let bestF = Infinity;
  for (let i = 0; i < grid.length; i++) {
    const v = f(grid[i]);
    if (v < bestF) {
      // first minimum, as numpy argmin
      bestF = v;
      best = i;
    }
  }
  const sigma = nelderMead1d(f, grid[best]);
  const bulkMax = (sigma * (1 + 1 / Math.sqrt(q))) ** 2;
  const bulkMin = (sigma * (1 - 1 / Math.sqrt(q))) ** 2;
  const tw = (1 / Math.sqrt(q)) * bulkMax ** (2 / 3) * M ** (-2 / 3);
  const threshold = bulkMax + Math.sqrt(tw);
  let numSpikes = 0;
  for (let i = 0; i < n; i++) if (x[i] > threshold) numSpikes++;
  if (!Number.isFinite(sigma)) return {...FAILED};
  return {
    sigmaMp: sigma,
    numSpikes,
    mpSoftrank: bulkMax / lambdaMax,
    bulkMax: bulkMax / w2,
    bulkMin: bulkMin / w2,
    wScale,
    spikeThreshold: threshold / w2,
    status: 'ok',
  };
}
