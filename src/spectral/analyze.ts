/**
 * WeightWatcher's per-layer table for a tfjs model: `tfa.spectral.analyze`
 * and `summary`.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

import {eigvalsh64} from '../linalg/eigh';
import {ValueError, bool, describe, nonNegativeInt, oneOf, positiveInt} from '../validate';
import {
  type LayerMatrix,
  type Matrix,
  type ModelMatricesOptions,
  checkLayerName,
  matchesName,
  modelMatrices,
} from './model_matrices';
import {marchenkoPasturFit} from './mp_fit';
import {powerLawFit} from './power_law';
import {mulberry32, type Uniform} from '../random/rng';
import {detXLambdaMin} from './weight_spectrum';

/** Options of {@link analyze}. */
export interface AnalyzeOptions extends ModelMatricesOptions {
  /** Layer names to analyse (top-level, nested or wrapped layer names, or row names such as `lstm/kernel[0]`). Default: every analysable matrix. A name that matches nothing analysable throws. */
  layers?: string[];
  /** Skip matrices with fewer than this many eigenvalues (M·rf). Default 10 (WeightWatcher `min_evals`). */
  minEvals?: number;
  /** Skip matrices with more eigenvalues than this. Default 15000 (WeightWatcher `max_evals`). */
  maxEvals?: number;
  /** Skip matrices whose larger side N exceeds this. Default 50000 (WeightWatcher `max_N`). */
  maxN?: number;
  /** Fit the Marchenko–Pastur bulk (numSpikes, mpSoftrank, bulkMax, ...). Default true (WeightWatcher's default is false). */
  mpFit?: boolean;
  /** Also compute the ESD of the element-shuffled matrices (randDistance, maxRandEval). Default false. */
  randomize?: boolean;
  /** Seed of the shuffles (WeightWatcher's are unseeded). Default 0. */
  seed?: number;
}

/** One row of {@link analyze}: WeightWatcher's `analyze()` columns in camelCase, plus the ESD. */
export interface LayerReport {
  /** Row name (see `modelMatrices`); `layer` is the entry of `model.layers` holding it. */
  name: string;
  layer: string;
  className: string;
  weight: string;
  kind: LayerMatrix['kind'];
  /** The matrix view analysed, in words. */
  view: string;
  /** How the eigenvalues were computed: `'exact'` (float64 Gram + Householder/QL). */
  method: 'exact';
  /** Larger and smaller side per matrix, matrices pooled, Q = N/M, eigenvalue count M·rf. */
  N: number;
  M: number;
  rf: number;
  Q: number;
  numEvals: number;
  /** Power-law fit (WWFit): exponent, tail start, KS distance, (α−1)/√n_tail, tail size; −1 when it failed. */
  alpha: number;
  xmin: number;
  xmax: number;
  D: number;
  sigma: number;
  numPlSpikes: number;
  status: 'ok' | 'failed';
  /** `'over-trained'` (α < 2), `'under-trained'` (α > 6) or `''`; `''` when the fit failed. */
  warning: '' | 'over-trained' | 'under-trained';
  /** Σλ = ‖W‖_F² (squared, as WeightWatcher's `norm`) and its log10. */
  norm: number;
  logNorm: number;
  /** λ_max = ‖W‖₂² (WeightWatcher `spectral_norm`), and log10 λ_max. */
  lambdaMax: number;
  logSpectralNorm: number;
  /** α·log10 λ_max. */
  alphaWeighted: number;
  /** log10 Σ λ^α over all eigenvalues. */
  logAlphaNorm: number;
  /** Σλ / λ_max. */
  stableRank: number;
  /** Number of eigenvalues above the numerical-rank tolerance. */
  matrixRank: number;
  /** −Σ p ln p / ln(rank), p = λ/Σλ (+1e-10), in [0, 1]. */
  matrixEntropy: number;
  /** MP fit (NaN without `mpFit`; −1 when it failed): spikes above λ+ + √TW, λ+/λ_max, σ_mp (rescaled units), bulk edges λ± (original units). */
  numSpikes: number;
  mpSoftrank: number;
  sigmaMp: number;
  bulkMax: number;
  bulkMin: number;
  /** The spike threshold λ+ + √TW in the original units (NaN without `mpFit`). */
  spikeThreshold: number;
  /** SETOL's ERG gap Δλ_min = xmin − λ_min(detX) (NaN when the fit failed), and the detX tail size. */
  erg: number;
  detXNum: number;
  /** With `randomize`: Jensen–Shannon distance between the ESD and the shuffled ESD, max of the shuffled ESD (NaN otherwise). */
  randDistance: number;
  maxRandEval: number;
  /** The ESD (ascending, after the conv ½ scaling), and with `randomize` the shuffled one. */
  eigenvalues: Float64Array;
  randEigenvalues: Float64Array | null;
}

/** Means over rows, as WeightWatcher's `get_summary` (plain means: failed fits' −1 included). */
export interface AnalyzeSummary {
  logNorm: number;
  alpha: number;
  alphaWeighted: number;
  logAlphaNorm: number;
  logSpectralNorm: number;
  stableRank: number;
  /** Present when every row has an MP fit. */
  mpSoftrank?: number;
}

const DEFAULTS = {minEvals: 10, maxEvals: 15000, maxN: 50000, mpFit: true, randomize: false, seed: 0} as const;
const WHO = 'spectral.analyze';
/** WeightWatcher constants.py: OVER_TRAINED_THRESH, UNDER_TRAINED_THRESH, EPSILON. */
const OVER_TRAINED = 2.0;
const UNDER_TRAINED = 6.0;
const EPSILON = 1e-10;
const EPS64 = 2 ** -52;

/** The resolved options of {@link analyze}. */
export interface ResolvedAnalyzeOptions {
  layers: string[] | null;
  minEvals: number;
  maxEvals: number;
  maxN: number;
  mpFit: boolean;
  randomize: boolean;
  seed: number;
  convView: 'slices' | 'flatten';
  kanView: 'flatten' | 'per-basis';
}

/** Validates analyze's options (errors name the argument and value). */
export function resolveAnalyzeOptions(opts: AnalyzeOptions, who = WHO): ResolvedAnalyzeOptions {
  if (opts == null || typeof opts !== 'object')
    throw new ValueError(`${who}: options must be an object, got ${describe(opts)}.`);
  let layers: string[] | null = null;
  if (opts.layers != null) {
    const v: unknown = opts.layers;
    if (!Array.isArray(v) || v.length === 0 || v.some(l => typeof l !== 'string' || l.length === 0)) {
      throw new ValueError(`${who}: layers must be a non-empty list of layer names, got ${describe(v)}.`);
    }
    layers = [...(v as string[])];
  }
  const r: ResolvedAnalyzeOptions = {
    layers,
    minEvals: positiveInt(opts.minEvals ?? DEFAULTS.minEvals, 'minEvals', who),
    maxEvals: positiveInt(opts.maxEvals ?? DEFAULTS.maxEvals, 'maxEvals', who),
    maxN: positiveInt(opts.maxN ?? DEFAULTS.maxN, 'maxN', who),
    mpFit: bool(opts.mpFit ?? DEFAULTS.mpFit, 'mpFit', who),
    randomize: bool(opts.randomize ?? DEFAULTS.randomize, 'randomize', who),
    seed: nonNegativeInt(opts.seed ?? DEFAULTS.seed, 'seed', who),
    convView: oneOf(opts.convView ?? 'slices', ['slices', 'flatten'] as const, 'convView', who),
    kanView: oneOf(opts.kanView ?? 'flatten', ['flatten', 'per-basis'] as const, 'kanView', who),
  };
  if (r.minEvals >= r.maxEvals)
    throw new ValueError(`${who}: minEvals must be < maxEvals (${r.maxEvals}), got ${r.minEvals}.`);
  return r;
}

/** Why a matrix is not analysed under these options, or null. */
function skipReason(m: LayerMatrix, o: ResolvedAnalyzeOptions): string | null {
  const evals = m.M * m.rf;
  if (evals < o.minEvals) return `${evals} eigenvalues < minEvals ${o.minEvals}`;
  if (evals > o.maxEvals) return `${evals} eigenvalues > maxEvals ${o.maxEvals}`;
  if (m.N > o.maxN) return `N = ${m.N} > maxN ${o.maxN}`;
  return null;
}

/** Matrices selected by the options, and those skipped (with the reason). */
export interface Selection {
  selected: LayerMatrix[];
  skipped: Array<{name: string; reason: string}>;
}

/**
 * The matrices `analyze` would process. Named layers that do not exist, have
 * no analysable matrix, or only matrices below minEvals throw; without names,
 * nothing found is not an error (`selected` is empty).
 */
export function selectMatrices(model: tfl.LayersModel, o: ResolvedAnalyzeOptions, who = WHO): Selection {
  const all = modelMatrices(model, o);
  const skipped: Selection['skipped'] = [];
  const ok = (m: LayerMatrix) => {
    const why = skipReason(m, o);
    if (why != null) skipped.push({name: m.name, reason: why});
    return why == null;
  };
  if (o.layers == null) return {selected: all.filter(ok), skipped};
  const selected: LayerMatrix[] = [];
  for (const n of o.layers) {
    const matching = all.filter(m => matchesName(m, n));
    if (matching.length === 0) {
      checkLayerName(model, n, who);
      throw new ValueError(
        `${who}: layer '${n}' has no analysable weight matrix (Dense, Conv, Embedding, RNN or KAN kernel).`,
      );
    }
    const good = matching.filter(ok);
    if (good.length === 0) {
      throw new ValueError(
        `${who}: layer '${n}' has no matrix with enough eigenvalues: ${matching.map(m => `${m.name}: ${skipReason(m, o)}`).join('; ')}.`,
      );
    }
    for (const m of good) if (!selected.includes(m)) selected.push(m);
  }
  return {selected, skipped};
}

/**
 * Lower triangle of the Gram matrix over the smaller side (AᵀA or AAᵀ),
 * float64: dot products of contiguous rows (of Aᵀ when A is tall).
 */
function gram(a: Matrix): {g: Float64Array; k: number} {
  const {rows, cols} = a;
  const tall = rows >= cols;
  const k = tall ? cols : rows;
  const len = tall ? rows : cols;
  let d = a.data;
  if (tall) {
    d = new Float64Array(rows * cols); // Aᵀ, row-major [cols, rows]
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) d[c * rows + r] = a.data[r * cols + c];
  }
  const g = new Float64Array(k * k);
  const end4 = len - (len % 4);
  for (let i = 0; i < k; i++) {
    const oi = i * len;
    for (let j = 0; j <= i; j++) {
      const oj = j * len;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let c = 0;
      for (; c < end4; c += 4) {
        s0 += d[oi + c] * d[oj + c];
        s1 += d[oi + c + 1] * d[oj + c + 1];
        s2 += d[oi + c + 2] * d[oj + c + 2];
        s3 += d[oi + c + 3] * d[oj + c + 3];
      }
      for (; c < len; c++) s0 += d[oi + c] * d[oj + c];
      g[i * k + j] = s0 + s1 + s2 + s3;
    }
  }
  return {g, k};
}

/** Pooled ESD of matrices: eigenvalues of each Gram (negative round-off → 0) × scale, ascending. */
export function pooledEigenvalues(mats: Matrix[], scale: number): Float64Array {
  const parts: Float64Array[] = [];
  let total = 0;
  for (const m of mats) {
    const {g, k} = gram(m);
    const ev = eigvalsh64(g, k);
    parts.push(ev);
    total += k;
  }
  const out = new Float64Array(total);
  let o = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) out[o++] = Math.max(p[i], 0) * scale;
  return out.sort();
}

/** Element-shuffled copies (Fisher–Yates, as numpy's `shuffle` from the last index down). */
function shuffled(mats: Matrix[], rng: Uniform): Matrix[] {
  return mats.map(m => {
    const d = Float64Array.from(m.data);
    for (let i = d.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = d[i];
      d[i] = d[j];
      d[j] = t;
    }
    return {data: d, rows: m.rows, cols: m.cols};
  });
}

/**
 * Jensen–Shannon distance of two non-negative vectors, each normalised to sum
 * 1 index by index (WeightWatcher `jensen_shannon_distance`: scipy `entropy`, natural log).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * console.log(tfa.spectral.jensenShannonDistance([1, 0], [0, 1])); // √ln 2 ≈ 0.8326
 * ```
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const n = p.length;
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    sp += p[i];
    sq += q[i];
  }
  const sm = (sp + sq) / 2;
  let kp = 0;
  let kq = 0;
  for (let i = 0; i < n; i++) {
    const m = (p[i] + q[i]) / 2 / sm;
    const a = p[i] / sp;
    const b = q[i] / sq;
    if (a > 0) kp += a * Math.log(a / m);
    if (b > 0) kq += b * Math.log(b / m);
  }
  return Math.sqrt((kp + kq) / 2);
}

/**
 * WeightWatcher's metrics of one pooled ESD (`apply_powerlaw`, `apply_norm_metrics`,
 * `mp_fit`, `apply_detX`) for a matrix of sides N ≥ M.
 */
export function esdMetrics(
  evals: Float64Array,
  N: number,
  M: number,
  mpFit: boolean,
): Omit<
  LayerReport,
  | 'name'
  | 'layer'
  | 'className'
  | 'weight'
  | 'kind'
  | 'view'
  | 'method'
  | 'rf'
  | 'randDistance'
  | 'maxRandEval'
  | 'randEigenvalues'
> {
  const n = evals.length;
  const fit = powerLawFit(evals);
  const ok = fit.status === 'ok';
  const alpha = fit.alpha;
  let norm = 0;
  for (let i = 0; i < n; i++) norm += evals[i];
  const lambdaMax = evals[n - 1];
  const logSpectralNorm = Math.log10(lambdaMax);
  let alphaSum = 0;
  for (let i = 0; i < n; i++) alphaSum += evals[i] ** alpha;
  // Rank tolerance for Gram eigenvalues (their absolute error is a few (N+M)·ε·λ_max).
  const tol = lambdaMax * 10 * (N + M) * EPS64;
  let rank = 0;
  for (let i = 0; i < n; i++) if (evals[i] > tol) rank++;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const p = evals[i] / norm + EPSILON;
    h -= p * Math.log(p);
  }
  const entropy = h / Math.log(rank + EPSILON);
  const mp = mpFit ? marchenkoPasturFit(evals, N, M) : null;
  let warning: LayerReport['warning'] = '';
  if (ok && alpha < OVER_TRAINED) warning = 'over-trained';
  else if (ok && alpha > UNDER_TRAINED) warning = 'under-trained';
  let detXNum = 0;
  let erg = NaN;
  if (ok && n >= 2 && evals[0] < evals[n - 1]) {
    const lmin = detXLambdaMin(evals);
    erg = fit.xmin - lmin;
    for (let i = 0; i < n; i++) if (evals[i] >= lmin) detXNum++;
  }
  return {
    N,
    M,
    Q: N / M,
    numEvals: n,
    alpha,
    xmin: fit.xmin,
    xmax: ok ? lambdaMax : -1,
    D: fit.ks,
    sigma: ok ? (alpha - 1) / Math.sqrt(fit.numTail) : -1,
    numPlSpikes: fit.numTail,
    status: fit.status,
    warning,
    norm,
    logNorm: Math.log10(norm),
    lambdaMax,
    logSpectralNorm,
    alphaWeighted: alpha * logSpectralNorm,
    logAlphaNorm: Math.log10(alphaSum),
    stableRank: norm / lambdaMax,
    matrixRank: rank,
    matrixEntropy: entropy,
    numSpikes: mp?.numSpikes ?? NaN,
    mpSoftrank: mp?.mpSoftrank ?? NaN,
    sigmaMp: mp?.sigmaMp ?? NaN,
    bulkMax: mp?.bulkMax ?? NaN,
    bulkMin: mp?.bulkMin ?? NaN,
    spikeThreshold: mp?.spikeThreshold ?? NaN,
    erg,
    detXNum,
    eigenvalues: evals,
  };
}

/** Reads the matrices of `m` (async `data()`; the variables are not disposed). */
export async function readMatrices(m: LayerMatrix): Promise<Matrix[]> {
  const values: Float32Array[] = [];
  for (const v of m.variables) values.push((await v.read().data()) as Float32Array);
  return m.slices(values);
}

/** Analyses selected matrices (see {@link analyze}). */
export async function analyzeMatrices(mats: LayerMatrix[], o: ResolvedAnalyzeOptions): Promise<LayerReport[]> {
  const rng = mulberry32(o.seed);
  const out: LayerReport[] = [];
  for (const m of mats) {
    const slices = await readMatrices(m);
    for (const s of slices) {
      for (let i = 0; i < s.data.length; i++) {
        if (!Number.isFinite(s.data[i]))
          throw new ValueError(`${WHO}: weights of '${m.name}' must be finite, got ${s.data[i]}.`);
      }
    }
    const evals = pooledEigenvalues(slices, m.evalScale);
    const row: LayerReport = {
      name: m.name,
      layer: m.layer,
      className: m.className,
      weight: m.weight,
      kind: m.kind,
      view: m.view,
      method: 'exact',
      rf: m.rf,
      ...esdMetrics(evals, m.N, m.M, o.mpFit),
      randDistance: NaN,
      maxRandEval: NaN,
      randEigenvalues: null,
    };
    if (o.randomize) {
      // WeightWatcher apply_random_esd: 5 replicas when M·rf < 100 (for max_rand_eval), then one more draw for rand_distance.
      const replicas = m.M * m.rf < 100 ? 5 : 1;
      const parts: Float64Array[] = [];
      for (let r = 0; r < replicas; r++) parts.push(pooledEigenvalues(shuffled(slices, rng), m.evalScale));
      const all = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
      let k = 0;
      for (const p of parts) for (const v of p) all[k++] = v;
      all.sort();
      const one = pooledEigenvalues(shuffled(slices, rng), m.evalScale);
      row.maxRandEval = all[all.length - 1];
      row.randDistance = jensenShannonDistance(evals, one);
      row.randEigenvalues = all;
    }
    out.push(row);
  }
  return out;
}

/**
 * WeightWatcher's per-layer analysis of a tfjs model: one {@link LayerReport}
 * per analysable matrix (see `modelMatrices` for the view of each layer kind).
 *
 * ESD: the eigenvalues λ of WᵀW over the smaller side (M per matrix, no 1/N),
 * pooled over conv slices / KAN bases (rf matrices), 2-D conv eigenvalues × ½.
 * Columns, as `weightwatcher.py` computes them:
 * - power law (WWFit on λ > 1e-5): `alpha`, `xmin`, `xmax`, `D` (KS),
 *   `sigma` = (α−1)/√n_tail, `numPlSpikes`; `warning` 'over-trained' if α < 2,
 *   'under-trained' if α > 6;
 * - norms: `norm` = Σλ, `logNorm` = log10 Σλ, `lambdaMax`, `logSpectralNorm` =
 *   log10 λ_max, `alphaWeighted` = α·log10 λ_max, `logAlphaNorm` = log10 Σλ^α,
 *   `stableRank` = Σλ/λ_max, `matrixRank`, `matrixEntropy` = −Σp ln p / ln rank
 *   with p = λ/Σλ + 1e-10;
 * - `mpFit`: `numSpikes`, `mpSoftrank`, `sigmaMp`, `bulkMax`, `bulkMin`
 *   ({@link marchenkoPasturFit});
 * - SETOL: `erg` = xmin − λ_min(detX) (trace-log condition), `detXNum`;
 * - `randomize`: `randDistance` (Jensen–Shannon distance between λ and the
 *   ESD of the element-shuffled matrix, index by index), `maxRandEval`.
 *
 * Eigenvalues: float64 Gram matrices in JS and the Householder/QL solver
 * (`method: 'exact'` in every row): O(N·M² + M³) per matrix; measured on a
 * shared 2-core VM (load ≈ 8): a 784-128-10 MLP 30–160 ms, a 1024×1024 layer
 * 3.5–3.9 s (wasm backend; the work is JS).
 * Async (reads weights with `data()`); nothing to dispose.
 *
 * Paper: Martin & Mahoney, "Implicit Self-Regularization in Deep Neural
 * Networks", 2021 (JMLR), arXiv:1810.01075; Martin, Peng & Mahoney, "Predicting
 * trends in the quality of state-of-the-art neural networks without access to
 * training or testing data", 2021 (Nat. Commun.), arXiv:2002.06716; Martin &
 * Hinrichs, "SETOL", 2025, arXiv:2507.17912.
 * Follows: CalculatedContent/WeightWatcher 0.7.5.5 @ d6fd015 `weightwatcher.py`
 * (`analyze`, `apply_esd`, `apply_powerlaw`, `fit_powerlaw`, `apply_norm_metrics`,
 * `mp_fit`, `apply_random_esd`, `apply_detX`, `get_summary`) and `RMT_Util.py`.
 * Deviations:
 * - eigenvalues from float64 Gram matrices, not an SVD: `matrixRank` counts
 *   λ > 10·(N+M)·ε·λ_max (WeightWatcher: σ > N·ε·σ_max on exact singular values;
 *   equal unless singular values lie between ~1e-13 and ~1e-6·σ_max);
 * - conv N/M are the slice's max/min (WeightWatcher can swap them, Q < 1);
 * - a failed power-law fit gives `warning` '' (WeightWatcher: 'over-trained',
 *   because α = −1 < 2); its α = −1 still enters alphaWeighted and logAlphaNorm as WeightWatcher does;
 * - `mpFit` is on by default; shuffles are seeded;
 * - RNN, Conv1D/3D, wrapped, nested and KAN layers are extensions (WeightWatcher skips them).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 64, inputShape: [100], activation: 'relu'}),
 *   tf.layers.dense({units: 10})]});
 * tfa.spectral.analyze(model).then(rows => {
 *   for (const r of rows) console.log(r.name, r.alpha.toFixed(2), r.numSpikes, r.warning);
 *   console.log(tfa.spectral.summary(rows));
 * });
 * ```
 */
export async function analyze(model: tfl.LayersModel, options: AnalyzeOptions = {}): Promise<LayerReport[]> {
  if (model == null || !Array.isArray((model as {layers?: unknown}).layers)) {
    throw new ValueError(`${WHO}: model must be a tf.LayersModel, got ${describe(model)}.`);
  }
  const o = resolveAnalyzeOptions(options);
  return analyzeMatrices(selectMatrices(model, o).selected, o);
}

/**
 * Means of `logNorm, alpha, alphaWeighted, logAlphaNorm, logSpectralNorm,
 * stableRank` (and `mpSoftrank` when every row has it) over the rows, as
 * WeightWatcher's `get_summary` (plain means; NaN for no rows).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * console.log(tfa.spectral.summary([])); // all NaN
 * ```
 */
export function summary(reports: LayerReport[]): AnalyzeSummary {
  if (!Array.isArray(reports))
    throw new ValueError(`spectral.summary: reports must be an array of LayerReport, got ${describe(reports)}.`);
  const mean = (k: keyof AnalyzeSummary) =>
    reports.length === 0 ? NaN : reports.reduce((s, r) => s + (r[k] as number), 0) / reports.length;
  const out: AnalyzeSummary = {
    logNorm: mean('logNorm'),
    alpha: mean('alpha'),
    alphaWeighted: mean('alphaWeighted'),
    logAlphaNorm: mean('logAlphaNorm'),
    logSpectralNorm: mean('logSpectralNorm'),
    stableRank: mean('stableRank'),
  };
  if (reports.length > 0 && reports.every(r => !Number.isNaN(r.mpSoftrank))) out.mpSoftrank = mean('mpSoftrank');
  return out;
}
