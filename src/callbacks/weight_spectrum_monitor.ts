/**
 * Heavy-tailed self-regularisation metrics of the weight matrices
 * (WeightWatcher's alpha, alpha-weighted, stable rank; SETOL's ERG gap),
 * monitored during training.
 */
import * as tfl from '@tensorflow/tfjs-layers';

import {type WeightSpectrum, weightSpectrum} from '../spectral';
import {ValueError, bool, describe, positiveInt} from '../validate';
import {
  type CallbackLogs, type MetricRecord, RecordSink, type RecordSinkArgs, finiteMean, firesAt, layerByName, layerNamesArg, weightNamed,
} from './common';

/** Arguments of {@link WeightSpectrumMonitor}. */
export interface WeightSpectrumMonitorArgs extends RecordSinkArgs {
  /** Compute at the end of every `every`-th epoch. Default 1. */
  every?: number;
  /** Layers to analyse (Dense or Conv2D). Default: every Dense and Conv2D layer with at least `minEvals` eigenvalues. */
  layers?: string[];
  /** Automatic selection skips kernels with fewer eigenvalues than this (min(in, out)·kh·kw). Default 10, WeightWatcher's `min_evals`. */
  minEvals?: number;
  /** Warn (console.warn) when a layer's alpha leaves [2, 6]. Default true. */
  warnings?: boolean;
}

const DEFAULTS = {every: 1, minEvals: 10, warnings: true} as const;
const WHO = 'weightSpectrumMonitor';
/** WeightWatcher constants.py: OVER_TRAINED_THRESH = 2.0, UNDER_TRAINED_THRESH = 6.0. */
export const ALPHA_RANGE: readonly [number, number] = [2, 6];

/** Per-layer result of the last computation: `tfa.spectral.weightSpectrum` of its kernel (α = −1 when the fit failed). */
export interface LayerSpectrum extends WeightSpectrum {
  layer: string;
}

/**
 * Every `every` epochs, computes per Dense/Conv2D kernel W the empirical
 * spectral density of WᵀW and from it (through `tfa.spectral.weightSpectrum`):
 * the power-law exponent α of its tail (WWFit: continuous MLE, xmin by KS),
 * α̂ = α·log10 λ_max, the stable rank Σλ/λ_max and SETOL's ERG gap
 * Δλ_min = λ_min^PL − λ_min^detX. Writes plain numbers into the epoch logs:
 * `alpha_mean` (mean α over the analysed layers whose fit succeeded),
 * `alpha_weighted_mean`, `stable_rank_mean`, and `alpha/<layer>` per layer;
 * each per-layer value also goes to the JSONL records (`alpha`,
 * `alpha_weighted`, `stable_rank`, `erg_gap`, `spectral_norm`, `log_norm`).
 * The last result (with eigenvalues) is in `spectra`.
 *
 * When a layer's α leaves [2, 6] a warning is printed as WeightWatcher
 * does (α < 2 "over-trained", α > 6 "under-trained"), once each time the
 * layer enters that state, not every epoch. A fit on a random-like (Marchenko–Pastur)
 * bulk is meaningless: WeightWatcher discards α > 8 as spurious.
 *
 * Cost per layer: a Gram matrix on the backend and an O(M³) float64 eigensolve
 * (M = min(in, out); 512 about 0.2 s, 1024 about 1.2 s).
 *
 * Paper: Martin & Mahoney, "Implicit Self-Regularization in Deep Neural
 * Networks", 2018, arXiv:1810.01075; Martin & Hinrichs, "SETOL", 2025, arXiv:2507.17912.
 * Follows: CalculatedContent/WeightWatcher `weightwatcher.py` @ d6fd015
 * (`analyze`, `apply_powerlaw`, `apply_norm_metrics`, `apply_detX`, the
 * warning thresholds of `constants.py`), through `tfa.spectral`.
 * Deviations: `alpha_mean` and `alpha_weighted_mean` average only layers
 * whose fit succeeded (WeightWatcher's `get_summary` averages the column,
 * where a failed fit is −1); a failed layer's own `alpha/<layer>` is −1 as in
 * WeightWatcher, and it gets no warning. With no successful fit the means are NaN.
 */
export class WeightSpectrumMonitor extends tfl.Callback {
  readonly every: number;
  readonly minEvals: number;
  readonly warnings: boolean;
  /** Results of the last computation, one per analysed layer. */
  spectra: LayerSpectrum[] = [];
  private readonly layerNames: string[] | null;
  private readonly sink: RecordSink;
  private kernels: Array<{layer: string; kernel: tfl.LayerVariable}> = [];
  private state = new Map<string, 'low' | 'ok' | 'high'>();

  constructor(args: WeightSpectrumMonitorArgs = {}) {
    super();
    this.every = positiveInt(args.every ?? DEFAULTS.every, 'every', WHO);
    this.minEvals = positiveInt(args.minEvals ?? DEFAULTS.minEvals, 'minEvals', WHO);
    this.warnings = bool(args.warnings ?? DEFAULTS.warnings, 'warnings', WHO);
    this.layerNames = args.layers == null ? null : layerNamesArg(args.layers, WHO);
    this.sink = new RecordSink(args, WHO);
  }

  override async onTrainBegin(): Promise<void> {
    this.spectra = [];
    this.state = new Map();
    this.kernels = pickKernels(this.model, this.layerNames, this.minEvals);
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    if (!firesAt(epoch, this.every)) return;
    const results = await this.compute();
    const records: MetricRecord[] = [];
    for (const r of results) {
      if (logs != null) logs[`alpha/${r.layer}`] = r.alpha;
      const per: Array<[string, number]> = [
        ['alpha', r.alpha], ['alpha_weighted', r.alphaWeighted], ['stable_rank', r.stableRank],
        ['erg_gap', r.ergDeltaLambdaMin], ['spectral_norm', r.spectralNorm], ['log_norm', r.logNorm],
      ];
      for (const [metric, value] of per) records.push({epoch, metric, layer: r.layer, value});
      if (r.status === 'ok') this.warn(epoch, r.layer, r.alpha);
    }
    const fitted = results.filter(r => r.status === 'ok');
    const means: Array<[string, number]> = [
      ['alpha_mean', finiteMean(fitted.map(r => r.alpha))],
      ['alpha_weighted_mean', finiteMean(fitted.map(r => r.alphaWeighted))],
      ['stable_rank_mean', finiteMean(results.map(r => r.stableRank))],
    ];
    for (const [key, value] of means) {
      if (logs != null) logs[key] = value;
      records.push({epoch, metric: key, layer: null, value});
    }
    this.sink.emit(records);
  }

  /** Spectra of the selected kernels now (also stored in `spectra`). */
  async compute(): Promise<LayerSpectrum[]> {
    const out: LayerSpectrum[] = [];
    for (const {layer, kernel} of this.kernels) {
      const s = await weightSpectrum(kernel.read()); // read() is the variable itself: not disposed
      out.push({layer, ...s});
    }
    this.spectra = out;
    return out;
  }

  private warn(epoch: number, layer: string, alpha: number): void {
    if (!Number.isFinite(alpha)) return;
    const now = alpha < ALPHA_RANGE[0] ? 'low' : alpha > ALPHA_RANGE[1] ? 'high' : 'ok';
    const before = this.state.get(layer) ?? 'ok';
    this.state.set(layer, now);
    if (!this.warnings || now === 'ok' || now === before) return;
    console.warn(
      `${WHO}: epoch ${epoch + 1}, layer '${layer}': alpha = ${alpha.toFixed(3)} ` +
        (now === 'low' ? `< ${ALPHA_RANGE[0]} (over-trained, WeightWatcher)` : `> ${ALPHA_RANGE[1]} (under-trained, WeightWatcher)`),
    );
  }
}

/** Dense and Conv2D kernels of `model` (named ones, or all with enough eigenvalues). */
function pickKernels(model: tfl.LayersModel, names: string[] | null, minEvals: number): Array<{layer: string; kernel: tfl.LayerVariable}> {
  const kernelOf = (l: tfl.layers.Layer) => weightNamed(l, 'kernel');
  if (names != null) {
    return names.map(name => {
      const l = layerByName(model, name, WHO);
      const k = kernelOf(l);
      if (k == null || (k.shape.length !== 2 && k.shape.length !== 4)) {
        throw new ValueError(`${WHO}: layer '${name}' (${l.getClassName()}) must have a Dense [in, out] or Conv2D [kh, kw, in, out] kernel, got ${k == null ? 'none' : describe(k.shape)}.`);
      }
      return {layer: name, kernel: k};
    });
  }
  const out: Array<{layer: string; kernel: tfl.LayerVariable}> = [];
  for (const l of model.layers) {
    if (l.getClassName() !== 'Dense' && l.getClassName() !== 'Conv2D') continue;
    const k = kernelOf(l);
    if (k == null) continue;
    const s = k.shape as number[];
    const evals = s.length === 2 ? Math.min(s[0], s[1]) : Math.min(s[2], s[3]) * s[0] * s[1];
    if (evals >= minEvals) out.push({layer: l.name, kernel: k});
  }
  if (out.length === 0) {
    throw new ValueError(`${WHO}: the model has no Dense or Conv2D kernel with at least ${minEvals} eigenvalues; lower minEvals or name layers.`);
  }
  return out;
}

/**
 * Factory of {@link WeightSpectrumMonitor}: logs `alpha_mean` and per-layer alphas.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 64, activation: 'relu', inputShape: [32]}),
 *   tf.layers.dense({units: 10, activation: 'softmax'})]});
 * model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
 * const x = tf.randomNormal([64, 32], 0, 1, 'float32', 1);
 * const y = tf.oneHot(tf.tensor1d(Array.from({length: 64}, (_, i) => i % 10), 'int32'), 10);
 * model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [tfa.callbacks.weightSpectrumMonitor({warnings: false})]})
 *   .then(h => console.log(h.history.alpha_mean)); // [α]
 * ```
 * @see WeightSpectrumMonitor
 */
export function weightSpectrumMonitor(args?: WeightSpectrumMonitorArgs): WeightSpectrumMonitor {
  return new WeightSpectrumMonitor(args);
}
