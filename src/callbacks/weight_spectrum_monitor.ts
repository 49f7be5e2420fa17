/**
 * WeightWatcher's per-layer metrics of the weight matrices (α, α̂, norms,
 * stable rank, MP spikes, SETOL's ERG gap, ...), monitored during training.
 */
import * as tfl from '@tensorflow/tfjs-layers';

import {
  type LayerReport,
  type ResolvedAnalyzeOptions,
  analyzeMatrices,
  resolveAnalyzeOptions,
  selectMatrices,
} from '../spectral/analyze';
import type {LayerMatrix} from '../spectral/model_matrices';
import {ValueError, bool, describe, positiveInt} from '../validate';
import {type CallbackLogs, type MetricRecord, RecordSink, type RecordSinkArgs, finiteMean, firesAt} from './common';

/** Metric names accepted in `metrics` (snake_case log keys; the camelCase `LayerReport` names are accepted too). */
export const WEIGHT_METRICS = {
  alpha: 'alpha',
  alpha_weighted: 'alphaWeighted',
  log_alpha_norm: 'logAlphaNorm',
  log_norm: 'logNorm',
  log_spectral_norm: 'logSpectralNorm',
  lambda_max: 'lambdaMax',
  stable_rank: 'stableRank',
  matrix_rank: 'matrixRank',
  matrix_entropy: 'matrixEntropy',
  xmin: 'xmin',
  D: 'D',
  sigma: 'sigma',
  num_pl_spikes: 'numPlSpikes',
  num_spikes: 'numSpikes',
  mp_softrank: 'mpSoftrank',
  sigma_mp: 'sigmaMp',
  bulk_max: 'bulkMax',
  bulk_min: 'bulkMin',
  erg: 'erg',
  rand_distance: 'randDistance',
  max_rand_eval: 'maxRandEval',
} as const;
type MetricKey = keyof typeof WEIGHT_METRICS;
const MP_METRICS: MetricKey[] = ['num_spikes', 'mp_softrank', 'sigma_mp', 'bulk_max', 'bulk_min'];
const RAND_METRICS: MetricKey[] = ['rand_distance', 'max_rand_eval'];
/** Means over layers whose power-law fit succeeded (a failed fit's −1 would bias them). */
const FIT_METRICS: MetricKey[] = ['alpha', 'alpha_weighted', 'log_alpha_norm', 'xmin', 'D', 'sigma', 'num_pl_spikes'];

/** Arguments of {@link WeightSpectrumMonitor}. */
export interface WeightSpectrumMonitorArgs extends RecordSinkArgs {
  /** Compute at the end of every `every`-th epoch. Default 1. */
  every?: number;
  /** Layers to analyse (names of layers, nested/wrapped layers or rows such as `lstm/kernel[0]`). Default: every analysable matrix with at least `minEvals` eigenvalues. */
  layers?: string[];
  /** Automatic selection skips matrices with fewer eigenvalues than this (M·rf). Default 10, WeightWatcher's `min_evals`. */
  minEvals?: number;
  /** Metrics to log (`WEIGHT_METRICS` keys, e.g. `'alpha'`, `'alpha_weighted'`, `'log_spectral_norm'`, `'num_spikes'`, `'erg'`). Default `['alpha', 'alpha_weighted', 'stable_rank']`. */
  metrics?: string[];
  /** Conv view (`'slices'` as WeightWatcher, or `'flatten'`) and KAN view (`'flatten'` or `'per-basis'`); see `tfa.spectral.modelMatrices`. */
  convView?: 'slices' | 'flatten';
  kanView?: 'flatten' | 'per-basis';
  /** Warn (console.warn) when a layer's alpha leaves [2, 6]. Default true. */
  warnings?: boolean;
}

const DEFAULTS = {
  every: 1,
  warnings: true,
  metrics: ['alpha', 'alpha_weighted', 'stable_rank'] as MetricKey[],
} as const;
const WHO = 'weightSpectrumMonitor';
/** WeightWatcher constants.py: OVER_TRAINED_THRESH = 2.0, UNDER_TRAINED_THRESH = 6.0. */
export const ALPHA_RANGE: readonly [number, number] = [2, 6];

/** Per-row result of the last computation (a `tfa.spectral.analyze` row). */
export type LayerSpectrum = LayerReport;

function metricsArg(value: unknown): MetricKey[] {
  const camel = Object.entries(WEIGHT_METRICS);
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValueError(`${WHO}: metrics must be a non-empty list of metric names, got ${describe(value)}.`);
  }
  return value.map(v => {
    const k = camel.find(([snake, c]) => v === snake || v === c)?.[0];
    if (k == null) {
      throw new ValueError(
        `${WHO}: metrics must be names from ${Object.keys(WEIGHT_METRICS).join(', ')}, got ${describe(v)}.`,
      );
    }
    return k as MetricKey;
  });
}

/**
 * Every `every` epochs, runs `tfa.spectral.analyze` on the model's weight
 * matrices (Dense, Conv1D/2D/3D, DepthwiseConv2D, Embedding, SimpleRNN/LSTM/GRU
 * kernels and recurrent kernels per gate, layers inside `timeDistributed`,
 * `bidirectional` and nested models, KAN kernels; views in
 * `tfa.spectral.modelMatrices`) and writes plain numbers into the epoch logs,
 * for each metric m of `metrics`: `m/<row>` per matrix and `m_mean` over them
 * (α-derived means only over successful fits). The JSONL records carry one
 * record per metric and row, and the means. The last rows (with eigenvalues)
 * are in `spectra`.
 *
 * A model with nothing to analyse under the defaults (no matrix with `minEvals`
 * eigenvalues) does not stop `fit`: the monitor warns once (console.warn,
 * naming the reason and the `minEvals` / `layers` arguments) and records
 * nothing. Explicitly named layers that do not exist or cannot be analysed throw.
 *
 * When a layer's α leaves [2, 6] a warning is printed as WeightWatcher
 * does (α < 2 "over-trained", α > 6 "under-trained"), once each time the
 * layer enters that state. A fit on a random-like (Marchenko–Pastur) bulk is
 * meaningless: WeightWatcher discards α > 8 as spurious.
 *
 * Cost per matrix: a float64 Gram and eigensolve, O(N·M² + M³) (M = 128:
 * ~10 ms; M = 1024: ~2 s).
 *
 * Paper: Martin & Mahoney, "Implicit Self-Regularization in Deep Neural
 * Networks", 2018, arXiv:1810.01075; Martin & Hinrichs, "SETOL", 2025, arXiv:2507.17912.
 * Follows: CalculatedContent/WeightWatcher `weightwatcher.py` @ d6fd015
 * (`analyze`, the warning thresholds of `constants.py`), through `tfa.spectral.analyze`.
 * Deviations: means of α-derived metrics average only layers whose fit
 * succeeded (WeightWatcher's `get_summary` averages −1s in); a failed
 * layer's own values are WeightWatcher's (α = −1), and it gets no warning.
 * With no successful fit those means are NaN.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tf.layers.dense({units: 32, inputShape: [64], name: 'fc'})]});
 * const monitor = new tfa.callbacks.WeightSpectrumMonitor({metrics: ['alpha', 'erg'], warnings: false});
 * monitor.setModel(model);
 * monitor.onTrainBegin().then(() => monitor.compute()).then(rows => console.log(rows[0].name, rows[0].alpha, rows[0].erg));
 * ```
 */
export class WeightSpectrumMonitor extends tfl.Callback {
  readonly every: number;
  readonly warnings: boolean;
  readonly metrics: MetricKey[];
  /** Results of the last computation, one per analysed matrix. */
  spectra: LayerSpectrum[] = [];
  private readonly options: ResolvedAnalyzeOptions;
  private readonly sink: RecordSink;
  private matrices: LayerMatrix[] = [];
  private warnedEmpty = false;
  private state = new Map<string, 'low' | 'ok' | 'high'>();

  constructor(args: WeightSpectrumMonitorArgs = {}) {
    super();
    if (args == null || typeof args !== 'object')
      throw new ValueError(`${WHO}: args must be an object, got ${describe(args)}.`);
    this.every = positiveInt(args.every ?? DEFAULTS.every, 'every', WHO);
    this.warnings = bool(args.warnings ?? DEFAULTS.warnings, 'warnings', WHO);
    this.metrics = args.metrics == null ? [...DEFAULTS.metrics] : metricsArg(args.metrics);
    this.options = resolveAnalyzeOptions(
      {
        layers: args.layers,
        minEvals: args.minEvals,
        convView: args.convView,
        kanView: args.kanView,
        mpFit: this.metrics.some(m => MP_METRICS.includes(m)),
        randomize: this.metrics.some(m => RAND_METRICS.includes(m)),
      },
      WHO,
    );
    this.sink = new RecordSink(args, WHO);
  }

  override async onTrainBegin(): Promise<void> {
    this.spectra = [];
    this.state = new Map();
    const {selected, skipped} = selectMatrices(this.model, this.options, WHO); // throws for bad named layers
    this.matrices = selected;
    if (selected.length === 0 && !this.warnedEmpty) {
      this.warnedEmpty = true;
      const why =
        skipped.length > 0
          ? `no weight matrix has at least minEvals = ${this.options.minEvals} eigenvalues (${skipped.map(s => `${s.name}: ${s.reason}`).join('; ')})`
          : 'the model has no Dense, Conv, Embedding, RNN or KAN weight matrix';
      console.warn(
        `${WHO}: nothing to monitor: ${why}. Recording nothing; set minEvals lower or name layers with the layers argument.`,
      );
    }
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    if (!firesAt(epoch, this.every) || this.matrices.length === 0) return;
    const rows = await this.compute();
    const records: MetricRecord[] = [];
    for (const r of rows) {
      for (const m of this.metrics) {
        const value = r[WEIGHT_METRICS[m]] as number;
        if (logs != null) logs[`${m}/${r.name}`] = value;
        records.push({epoch, metric: m, layer: r.name, value});
      }
      if (r.status === 'ok') this.warn(epoch, r.name, r.alpha);
    }
    for (const m of this.metrics) {
      const from = FIT_METRICS.includes(m) ? rows.filter(r => r.status === 'ok') : rows;
      const value = finiteMean(from.map(r => r[WEIGHT_METRICS[m]] as number));
      if (logs != null) logs[`${m}_mean`] = value;
      records.push({epoch, metric: `${m}_mean`, layer: null, value});
    }
    this.sink.emit(records);
  }

  /** `tfa.spectral.analyze` rows of the selected matrices now (also stored in `spectra`). */
  async compute(): Promise<LayerSpectrum[]> {
    this.spectra = await analyzeMatrices(this.matrices, this.options);
    return this.spectra;
  }

  private warn(epoch: number, layer: string, alpha: number): void {
    if (!Number.isFinite(alpha)) return;
    const now = alpha < ALPHA_RANGE[0] ? 'low' : alpha > ALPHA_RANGE[1] ? 'high' : 'ok';
    const before = this.state.get(layer) ?? 'ok';
    this.state.set(layer, now);
    if (!this.warnings || now === 'ok' || now === before) return;
    console.warn(
      `${WHO}: epoch ${epoch + 1}, layer '${layer}': alpha = ${alpha.toFixed(3)} ` +
        (now === 'low'
          ? `< ${ALPHA_RANGE[0]} (over-trained, WeightWatcher)`
          : `> ${ALPHA_RANGE[1]} (under-trained, WeightWatcher)`),
    );
  }
}

/**
 * Factory of {@link WeightSpectrumMonitor}: logs `alpha_mean` and per-matrix metrics.
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
 * const monitor = tfa.callbacks.weightSpectrumMonitor({metrics: ['alpha', 'log_spectral_norm', 'num_spikes'], warnings: false});
 * model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [monitor]})
 *   .then(h => console.log(h.history.alpha_mean, h.history.num_spikes_mean));
 * ```
 * @see WeightSpectrumMonitor
 */
export function weightSpectrumMonitor(args?: WeightSpectrumMonitorArgs): WeightSpectrumMonitor {
  return new WeightSpectrumMonitor(args);
}
