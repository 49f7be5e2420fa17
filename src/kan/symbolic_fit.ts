/**
 * Symbolic fitting of KAN edges (pykan's `fit_params`, `suggest_symbolic`,
 * `fix_symbolic`, `auto_symbolic`): which library function `c·f(a·x + b) + d`
 * best reproduces an edge's activation on the data.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {ValueError, describe, finiteNumber, increasingPair, integer, positiveInt} from '../validate';
import {chainActivations, edgeActivations, kanChain, kanLayerArg, layerInputArg} from './edges';
import {SymbolicKAN} from './symbolic_kan';
import type {SymbolicAffine} from './symbolic_kan';
import {type SymbolicFunction, type SymbolicFunctionName, libraryArg, symbolicFunction} from './symbolic_library';

/** Options of {@link fitParams}. */
export interface FitParamsOptions {
  /** Search range of a, for the standardised input (x − mean)/std. Default [-10, 10] (pykan's, on raw x). */
  aRange?: [number, number];
  /** Search range of b, for the standardised input. Default [-10, 10] (pykan's, on raw x). */
  bRange?: [number, number];
  /** Grid points per axis. Integer >= 3. Default 101 (pykan). */
  gridNumber?: number;
  /** Zoom passes. Positive integer. Default 3 (pykan). */
  iterations?: number;
  /** The (a, b) search uses at most this many evenly spaced samples; (c, d) and R² use all. Default 128. */
  maxSamples?: number;
}

/** A fitted edge formula `c·f(a·x + b) + d`. */
export interface SymbolicFit extends SymbolicAffine {
  /** Library function. */
  name: SymbolicFunctionName;
  /** R² of `c·f(a·x + b) + d` against the edge values on all samples, in [0, 1]. */
  r2: number;
  /** pykan's complexity of f. */
  complexity: number;
}

/** A ranked suggestion of {@link suggestSymbolic}. */
export interface SymbolicSuggestion extends SymbolicFit {
  /** Ranking loss `w·complexity + (1−w)·log2(1 + 1e-5 − R²)` (lower is better). */
  loss: number;
}

/** Options of {@link suggestSymbolic}. */
export interface SuggestSymbolicOptions extends FitParamsOptions {
  /** Candidate function names. Default: every library function except '0'. */
  library?: SymbolicFunctionName[];
  /** Number of suggestions returned. Positive integer. Default 5. */
  topK?: number;
  /** Weight w of complexity against fit in the ranking, in [0, 1]. Default 0.8 (pykan). */
  weightSimple?: number;
}

/** Options of {@link autoSymbolic}. */
export interface AutoSymbolicOptions extends Omit<SuggestSymbolicOptions, 'topK'> {
  /** An edge is fixed only if its best fit reaches this R²; otherwise it stays numeric. In [0, 1]. Default 0. */
  minR2?: number;
}

/** What {@link autoSymbolic} did to one edge. */
export interface AutoSymbolicEdge {
  /** Index of the KAN layer in the chain. */
  layer: number;
  input: number;
  output: number;
  /** The fit chosen (also when it was rejected by minR2). */
  fit: SymbolicFit;
  /** True if the edge was made symbolic. */
  fixed: boolean;
}

const DEFAULTS = {
  aRange: [-10, 10] as [number, number],
  bRange: [-10, 10] as [number, number],
  gridNumber: 101,
  iterations: 3,
  maxSamples: 128,
  topK: 5,
  weightSimple: 0.8,
  minR2: 0,
} as const;

function linspace(lo: number, hi: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + ((hi - lo) * i) / (n - 1);
  return out;
}

/**
 * Fits `y ≈ c·f(a·x + b) + d` (pykan `utils.fit_params`): a grid search of
 * (a, b) maximising the squared correlation `r² = (Σ(F−F̄)(y−ȳ))² /
 * (Σ(F−F̄)²·Σ(y−ȳ)² + 1e-4)` of `F = f(a·x + b)` with y (an (a, b) where f is
 * not finite on some sample scores 0), zoomed `iterations` times into the
 * neighbouring cells of the best point (an axis whose best point is on its
 * border shrinks to the end cell), then (c, d) by ordinary least
 * squares. Float64 throughout. Cost `iterations·gridNumber²·min(N, maxSamples)`
 * evaluations of f. Synchronous, no tensors.
 *
 * Deviations: the search is on the standardised input `z = (x − mean)/std`
 * and (a, b) are mapped back to x (pykan searches raw x, so an edge whose
 * input spans only ±0.05 needs |a| > 10 and cannot be fitted; this happens to
 * hidden nodes after sparsity training); each axis zooms independently (pykan does not zoom the other
 * axis when one is at its border, so e.g. `exp`, whose b only rescales, keeps
 * a at the first pass's resolution); the (a, b) search uses at most
 * `maxSamples` evenly spaced samples (pykan uses all, pykan#550); the R²
 * returned is that of the final fit on all samples (pykan returns the search's
 * r²), clamped to [0, 1].
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const x = Array.from({length: 50}, (_, i) => -2 + (4 * i) / 49);
 * const y = x.map(v => 3 * Math.sin(2 * v + 0.5) + 1);
 * const fit = tfa.kan.fitParams(x, y, 'sin');
 * console.log(fit.r2.toFixed(4), [fit.a, fit.b, fit.c, fit.d].map(v => v.toFixed(2))); // 1.0000 and (a, b, c, d) equal to (2, 0.5, 3, 1) up to sin symmetries
 * ```
 */
export function fitParams(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  fn: SymbolicFunctionName,
  opts: FitParamsOptions = {},
): SymbolicFit {
  const who = 'fitParams';
  const f = symbolicFunction(fn, who);
  let aRange = increasingPair(opts.aRange ?? DEFAULTS.aRange, 'aRange', who);
  let bRange = increasingPair(opts.bRange ?? DEFAULTS.bRange, 'bRange', who);
  const gn = integer(opts.gridNumber ?? DEFAULTS.gridNumber, 'gridNumber', who, 3);
  const iters = positiveInt(opts.iterations ?? DEFAULTS.iterations, 'iterations', who);
  const maxSamples = integer(opts.maxSamples ?? DEFAULTS.maxSamples, 'maxSamples', who, 2);
  const n = x.length;
  if (n < 2 || y.length !== n)
    throw new ValueError(`${who}: x and y must be equally long with at least 2 samples, got ${n} and ${y.length}.`);
  for (let s = 0; s < n; s++) {
    if (!Number.isFinite(x[s]) || !Number.isFinite(y[s]))
      throw new ValueError(`${who}: x and y must be finite, got a non-finite value at sample ${s}.`);
  }
  if (f.name === '0') return {name: '0', a: 1, b: 0, c: 0, d: mean(y), r2: 0, complexity: 0};
  // The search runs on standardised inputs z = (x − μ)/σ, so the (a, b) ranges do not depend on
  // the scale of the edge's input (a hidden node's values can be tiny after sparsity training).
  const mu = mean(x);
  let sigma = 0;
  for (let s = 0; s < n; s++) sigma += (x[s] - mu) ** 2;
  sigma = Math.sqrt(sigma / n) || 1;
  const m = Math.min(n, maxSamples);
  const xs = new Float64Array(m);
  const yc = new Float64Array(m);
  for (let j = 0; j < m; j++) xs[j] = (x[Math.floor((j * n) / m)] - mu) / sigma;
  let ym = 0;
  for (let j = 0; j < m; j++) ym += y[Math.floor((j * n) / m)];
  ym /= m;
  let syy = 0;
  for (let j = 0; j < m; j++) {
    yc[j] = y[Math.floor((j * n) / m)] - ym;
    syy += yc[j] * yc[j];
  }
  let bestA = 0;
  let bestB = 0;
  for (let it = 0; it < iters; it++) {
    const as = linspace(aRange[0], aRange[1], gn);
    const bs = linspace(bRange[0], bRange[1], gn);
    let best = -1;
    let pa = 0;
    let pb = 0;
    for (let p = 0; p < gn; p++) {
      for (let q = 0; q < gn; q++) {
        let sf = 0;
        let sff = 0;
        let sfy = 0;
        let ok = true;
        for (let j = 0; j < m; j++) {
          const v = f.f64(as[p] * xs[j] + bs[q]);
          if (!Number.isFinite(v)) {
            ok = false;
            break;
          }
          sf += v;
          sff += v * v;
          sfy += v * yc[j];
        }
        const r2 = ok ? (sfy * sfy) / (Math.max(sff - (sf * sf) / m, 0) * syy + 1e-4) : 0;
        if (r2 > best) {
          best = r2;
          pa = p;
          pb = q;
        }
      }
    }
    bestA = as[pa];
    bestB = bs[pb];
    // Each axis zooms on its own: into the end cell at a border, else the two neighbouring cells.
    // (pykan leaves the other axis unzoomed when one is at a border, which stalls `exp`: its b only
    // scales the output, so b sits at the border and a stays at the first pass's 0.2 resolution.)
    aRange = zoom(as, pa);
    bRange = zoom(bs, pb);
  }
  // a·z + b = (a/σ)·x + (b − a·μ/σ)
  return finishFit(x, y, f, bestA / sigma, bestB - (bestA * mu) / sigma);
}

function zoom(grid: Float64Array, p: number): [number, number] {
  const n = grid.length;
  if (p === 0) return [grid[0], grid[1]];
  if (p === n - 1) return [grid[n - 2], grid[n - 1]];
  return [grid[p - 1], grid[p + 1]];
}

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/** (c, d) by least squares with intercept on all samples, and the fit's R². */
function finishFit(x: ArrayLike<number>, y: ArrayLike<number>, f: SymbolicFunction, a: number, b: number): SymbolicFit {
  const n = x.length;
  const fv = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const v = f.f64(a * x[s] + b);
    fv[s] = Number.isFinite(v) ? v : 0; // pykan: nan_to_num before the regression
  }
  const fm = mean(fv);
  const ym = mean(y);
  let sfy = 0;
  let sff = 0;
  let syy = 0;
  for (let s = 0; s < n; s++) {
    sfy += (fv[s] - fm) * (y[s] - ym);
    sff += (fv[s] - fm) ** 2;
    syy += (y[s] - ym) ** 2;
  }
  const c = sff > 0 ? sfy / sff : 0;
  const d = ym - c * fm;
  let res = 0;
  for (let s = 0; s < n; s++) res += (y[s] - c * fv[s] - d) ** 2;
  const r2 = syy > 0 ? Math.min(1, Math.max(0, 1 - res / syy)) : res === 0 ? 1 : 0;
  return {name: f.name, a, b, c, d, r2, complexity: f.complexity};
}

/** The input column i and edge values φ_io of a layer on its input x, as float64. */
function edgeData(
  layer: tfl.layers.Layer,
  i: number,
  o: number,
  x: tf.Tensor,
  who: string,
): {xi: Float64Array; yi: Float64Array} {
  const l = kanLayerArg(layer, who);
  const x2 = layerInputArg(l, x, who);
  integer(i, 'i', who, 0, x2.shape[1] - 1);
  integer(o, 'o', who, 0, l.units - 1);
  const phi = edgeActivations(l, x2); // [N, I, O]
  const col = tf.tidy(() =>
    tf.concat([tf.slice(x2, [0, i], [-1, 1]), tf.reshape(tf.slice(phi, [0, i, o], [-1, 1, 1]), [-1, 1])], 1),
  );
  const data = col.dataSync(); // [N, 2]
  tf.dispose([phi, col]);
  const n = x2.shape[0];
  const xi = new Float64Array(n);
  const yi = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    xi[s] = data[2 * s];
    yi[s] = data[2 * s + 1];
  }
  return {xi, yi};
}

function rank(fits: SymbolicFit[], w: number): SymbolicSuggestion[] {
  return fits
    .map(f => ({...f, loss: w * f.complexity + (1 - w) * Math.log2(1 + 1e-5 - f.r2)}))
    .sort((p, q) => p.loss - q.loss);
}

/**
 * Ranks library functions for edge (i, o) of a B-spline KAN layer (pykan
 * `suggest_symbolic`): fits `c·f(a·x_i + b) + d` to the edge values `φ_io(x_i)`
 * on the layer input `x [N, I]` for every f in `library` ({@link fitParams})
 * and sorts by `w·complexity + (1−w)·log2(1 + 1e-5 − R²)`. Returns the `topK`
 * best, best first. Synchronous; does not dispose x.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.layers.bsplineKAN({units: 1, seed: 1});
 * const x = tf.randomUniform([200, 2], -1, 1, 'float32', 2);
 * layer.apply(x);
 * const [best] = tfa.kan.suggestSymbolic(layer, 0, 0, x, {library: ['x', 'x^2', 'sin'], topK: 1});
 * console.log(best.name, best.r2.toFixed(3));
 * ```
 */
export function suggestSymbolic(
  layer: tfl.layers.Layer,
  i: number,
  o: number,
  x: tf.Tensor,
  opts: SuggestSymbolicOptions = {},
): SymbolicSuggestion[] {
  const who = 'suggestSymbolic';
  const lib = libraryArg(opts.library, who);
  const topK = positiveInt(opts.topK ?? DEFAULTS.topK, 'topK', who);
  const w = finiteNumber(opts.weightSimple ?? DEFAULTS.weightSimple, 'weightSimple', who, {min: 0, max: 1});
  const {xi, yi} = edgeData(layer, i, o, x, who);
  return rank(
    lib.map(f => fitParams(xi, yi, f.name, opts)),
    w,
  ).slice(0, topK);
}

function symbolicLayerArg(layer: unknown, who: string): SymbolicKAN {
  if (!(layer instanceof SymbolicKAN)) {
    throw new ValueError(
      `${who}: layer must be a SymbolicKAN (convert a model with tfa.kan.toSymbolic or tfa.kan.prune), got ${describe(layer)}.`,
    );
  }
  if (!layer.built) throw new ValueError(`${who}: layer '${layer.name}' is not built yet (call it on an input first).`);
  return layer;
}

/**
 * Makes edge (i, o) of a SymbolicKAN symbolic (pykan `fix_symbolic`): `fn` is a
 * fit from {@link suggestSymbolic}/{@link fitParams} (its a, b, c, d are used),
 * or a library name, fitted to the edge on `x` (the layer input) when given,
 * else with (a, b, c, d) = (1, 0, 1, 0). The spline branch of the edge is
 * switched off; (a, b, c, d) stay trainable. Returns the fit used.
 * Synchronous; does not dispose x.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.kan.symbolicKAN({units: 1});
 * tf.sequential({layers: [tf.layers.inputLayer({inputShape: [2]}), layer]});
 * tfa.kan.fixSymbolic(layer, 0, 0, 'sin');
 * console.log(layer.edgeMode(0, 0)); // 'symbolic'
 * ```
 */
export function fixSymbolic(
  layer: tfl.layers.Layer,
  i: number,
  o: number,
  fn: SymbolicFunctionName | SymbolicFit,
  x?: tf.Tensor,
  opts: FitParamsOptions = {},
): SymbolicFit {
  const who = 'fixSymbolic';
  const l = symbolicLayerArg(layer, who);
  let fit: SymbolicFit;
  if (typeof fn === 'object' && fn != null) {
    const name = symbolicFunction(fn.name, who, 'fn.name').name;
    fit = {...fn, name};
  } else if (x != null) {
    const {xi, yi} = edgeData(l, i, o, x, who);
    fit = fitParams(xi, yi, symbolicFunction(fn, who).name, opts);
  } else {
    const f = symbolicFunction(fn, who);
    fit = {name: f.name, a: 1, b: 0, c: 1, d: 0, r2: Number.NaN, complexity: f.complexity};
  }
  l.setEdge(i, o, fit.name, fit);
  return fit;
}

/**
 * Replaces every numeric edge of a model's SymbolicKAN layers by its best
 * library formula (pykan `auto_symbolic`), in place. Each layer's input is
 * computed once on `x` (the model input `[N, I]`) before any edge changes;
 * every numeric edge gets {@link suggestSymbolic}'s best fit and is fixed if its
 * R² ≥ `minR2` (else it stays numeric). Pruned and already symbolic edges are
 * left alone. Returns what was done per edge. Synchronous; does not dispose x.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tfa.kan.toSymbolic(tf.sequential({layers: [tfa.layers.bsplineKAN({units: 1, inputShape: [2], seed: 1})]}));
 * const x = tf.randomUniform([200, 2], -1, 1, 'float32', 2);
 * const done = tfa.kan.autoSymbolic(model, x, {library: ['x', 'x^2', 'sin']});
 * console.log(done.map(e => e.fit.name)); // one name per edge
 * ```
 */
export function autoSymbolic(model: tfl.LayersModel, x: tf.Tensor, opts: AutoSymbolicOptions = {}): AutoSymbolicEdge[] {
  const who = 'autoSymbolic';
  const layers = kanChain(model, who);
  layers.forEach(l => symbolicLayerArg(l, who));
  const lib = libraryArg(opts.library, who);
  const w = finiteNumber(opts.weightSimple ?? DEFAULTS.weightSimple, 'weightSimple', who, {min: 0, max: 1});
  const minR2 = finiteNumber(opts.minR2 ?? DEFAULTS.minR2, 'minR2', who, {min: 0, max: 1});
  const x2 = layerInputArg(layers[0], x, who);
  const acts = chainActivations(layers, x2);
  const out: AutoSymbolicEdge[] = [];
  try {
    layers.forEach((layer, li) => {
      const l = layer as SymbolicKAN;
      const inDim = acts[li].shape[1];
      for (let i = 0; i < inDim; i++) {
        for (let o = 0; o < l.units; o++) {
          if (l.edgeMode(i, o) !== 'numeric') continue;
          const {xi, yi} = edgeData(l, i, o, acts[li], who);
          const [best] = rank(
            lib.map(f => fitParams(xi, yi, f.name, opts)),
            w,
          );
          const fixed = best.r2 >= minR2;
          if (fixed) l.setEdge(i, o, best.name, best);
          const {loss: _loss, ...fit} = best;
          out.push({layer: li, input: i, output: o, fit, fixed});
        }
      }
    });
  } finally {
    tf.dispose(acts.slice(1));
  }
  return out;
}
