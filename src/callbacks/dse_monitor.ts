/**
 * Diffusion Spectral Entropy (and Mutual Information) of a representation,
 * monitored during training.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {diffusionSpectralEntropy, diffusionSpectralMutualInfo} from '../spectral';
import {diffusionKernel} from '../spectral/dse';
import {ValueError, bool, describe, oneOf, positiveInt, positiveNumber, tensorArg} from '../validate';
import {
  ActivationProbe,
  type CallbackLogs,
  type MetricRecord,
  RecordSink,
  type RecordSinkArgs,
  checkProbeAgainstModel,
  layerNameArg,
  firesAt,
  lastLayerInput,
  layerOutputInModel,
  probeArg,
  probeSize,
  warnOnce,
} from './common';

/** Arguments of {@link DseMonitor}. */
export interface DseMonitorArgs extends RecordSinkArgs {
  /** Fixed probe inputs (e.g. 1000 held-out samples), `[N, ...]` like the model input. Never disposed. */
  probe: tf.Tensor | tf.Tensor[];
  /** Class labels of the probe: ids `[N]` or `[N, 1]`, or one-hot `[N, C]`. With them `dsmi` is logged too. Never disposed. */
  labels?: tf.Tensor;
  /**
   * Layer whose output is the representation Z (a wrong name throws). Default:
   * the input of the model's last layer, whatever its class (Dense,
   * `timeDistributed(dense)`, a KAN layer, a nested model); when that layer
   * takes several tensors the monitor warns once and records nothing.
   */
  layer?: string;
  /** Compute at the end of every `every`-th epoch. Default 1. */
  every?: number;
  /** Gaussian kernel bandwidth σ: a number, `'sqrt-d'` (σ = √D) or `'median'`. Default 10 (official code). */
  sigma?: number | 'sqrt-d' | 'median';
  /** Diffusion time t (eigenvalues powered by t). Default 1. */
  t?: number;
  /**
   * `'exact'` (all eigenvalues, O(N³): about 1 s at N = 1000) or `'lanczos'`
   * (deflated stochastic Lanczos quadrature, see `tfa.spectral`). Default `'exact'`.
   */
  method?: 'exact' | 'lanczos';
  /** Print the values (and σ) each time they are computed. Default false. */
  verbose?: boolean;
}

const DEFAULTS = {every: 1, sigma: 10, t: 1, method: 'exact', verbose: false} as const;
const WHO = 'dseMonitor';

/**
 * Every `every` epochs, runs the model up to `layer` on the fixed `probe`,
 * computes the Diffusion Spectral Entropy `dse` of the representation Z
 * `[N, D]` (bits) and, with `labels`, `dsmi` = DSMI(Z; Y), and writes them as
 * plain numbers into the epoch logs: they reach `history.history.dse` and any
 * later callback, e.g. `tf.callbacks.earlyStopping({monitor: 'dse', mode: 'max'})`
 * placed after this one. On other epochs the keys are absent.
 *
 * Default representation: the input of the model's last layer whatever its
 * class, so it works on `timeDistributed(dense)` heads, KAN heads and nested
 * models; when there is none (a last layer taking several tensors) the
 * monitor warns once, naming the `layer` argument, and records nothing. A
 * rank > 2 default representation `[N, T, ..., D]` (the input of a
 * `timeDistributed` or sequence head) is flattened over its leading axes into
 * `N·T·…` samples of dimension D, as the head sees it (every time step is a
 * point of the diffusion kernel; with `labels`, each inherits its probe
 * item's label), so the kernel is `N·T·…` wide: choose the probe size with
 * that in mind. The output of a *named* layer is one sample per probe item,
 * its axes after the batch flattened into features (`[N, T·…·D]`; e.g. a
 * conv feature map).
 *
 * DSE = −Σ_i p_i log₂ p_i with p_i = |λ_i|^t / Σ_j |λ_j|^t, λ the eigenvalues of
 * the symmetric diffusion operator D^{-1/2} G D^{-1/2}, G_ab = exp(−‖z_a − z_b‖²/(2σ²)).
 * The maths is `tfa.spectral.diffusionSpectralEntropy` / `diffusionSpectralMutualInfo`;
 * this class only schedules, probes and logs.
 *
 * σ is resolved to a number once per computation (`'median'`: √(median‖z_a − z_b‖²/2)
 * over the probe; the same σ is then used by DSE and by every DSMI term) and
 * reported: the JSONL record `{metric: 'dse_sigma'}`, the `sigmaUsed` field,
 * and the printed line with `verbose`. DSE is not
 * scale-invariant (σ = 10 and σ = 3 differ by several bits on the same data),
 * so compare runs only at the same σ rule.
 *
 * Cost per computation: O(N²·D) on the backend for the kernel plus an exact
 * O(N³) float64 eigensolve in JS (N = 1000: about 1 s alone; with DSMI, one
 * more solve per class and per repetition of the size-matched subsets);
 * `method: 'lanczos'` replaces the solves by stochastic Lanczos quadrature.
 *
 * Paper: Liao, Liu et al., "Assessing Neural Network Representations During
 * Training Using Noise-Resilient Diffusion Spectral Entropy", 2023, arXiv:2312.04823.
 * Follows: ChenLiu-1996/DiffusionSpectralEntropy `dse_dsmi/dse.py`
 * (`diffusion_spectral_entropy`) and `dse_dsmi/dsmi.py`, through `tfa.spectral`.
 * Deviations: none here (see tfa.spectral for the metric's own).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 8, activation: 'relu', inputShape: [4]}),
 *   tf.layers.dense({units: 2, activation: 'softmax'})]});
 * model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
 * const x = tf.randomNormal([32, 4], 0, 1, 'float32', 1);
 * const y = tf.oneHot(tf.tensor1d(Array.from({length: 32}, (_, i) => i % 2), 'int32'), 2);
 * const monitor = new tfa.callbacks.DseMonitor({probe: x, sigma: 'sqrt-d'});
 * model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [monitor]})
 *   .then(h => console.log(monitor.every, h.history.dse)); // 1 [entropy in bits]
 * ```
 */
export class DseMonitor extends tfl.Callback {
  readonly every: number;
  readonly sigma: number | 'sqrt-d' | 'median';
  readonly t: number;
  readonly method: 'exact' | 'lanczos';
  readonly verbose: boolean;
  /** σ used by the last computation (NaN before the first). */
  sigmaUsed = NaN;
  private readonly probeX: tf.Tensor | tf.Tensor[];
  private readonly labels: tf.Tensor | null;
  private readonly layerName: string | null;
  private readonly sink: RecordSink;
  private runner: ActivationProbe | null = null;
  private featureName = '';
  /** How a rank > 2 representation becomes [samples, D]: positions as samples (default layer) or features (named layer). */
  private flatten: 'samples' | 'features' = 'samples';

  constructor(args: DseMonitorArgs) {
    super();
    if (args == null) throw new ValueError(`${WHO}: args must be an object with a probe, got ${describe(args)}.`);
    this.probeX = probeArg(args.probe, 'probe', WHO, 2);
    const n = probeSize(this.probeX);
    if (args.labels != null) {
      const lab = tensorArg(args.labels, 'labels', WHO);
      if ((lab.rank !== 1 && lab.rank !== 2) || lab.shape[0] !== n) {
        throw new ValueError(
          `${WHO}: labels must be [${n}] or [${n}, 1] class ids or [${n}, C] one-hot to match probe, got ${describe(lab)}.`,
        );
      }
    }
    this.labels = args.labels ?? null;
    this.layerName = layerNameArg(args.layer, WHO);
    this.every = positiveInt(args.every ?? DEFAULTS.every, 'every', WHO);
    const sigma = args.sigma ?? DEFAULTS.sigma;
    if (typeof sigma === 'number') positiveNumber(sigma, 'sigma', WHO);
    else if (sigma !== 'sqrt-d' && sigma !== 'median') {
      throw new ValueError(`${WHO}: sigma must be a positive number, 'sqrt-d' or 'median', got ${describe(sigma)}.`);
    }
    this.sigma = sigma;
    this.t = positiveNumber(args.t ?? DEFAULTS.t, 't', WHO);
    this.method = oneOf(args.method ?? DEFAULTS.method, ['exact', 'lanczos'] as const, 'method', WHO);
    this.verbose = bool(args.verbose ?? DEFAULTS.verbose, 'verbose', WHO);
    this.sink = new RecordSink(args, WHO);
  }

  override async onTrainBegin(): Promise<void> {
    this.sigmaUsed = NaN;
    this.runner = null;
    checkProbeAgainstModel(this.model, this.probeX, 'probe', WHO);
    let feature: tfl.SymbolicTensor;
    if (this.layerName != null) {
      feature = layerOutputInModel(this.model, this.layerName, WHO);
    } else {
      const found = lastLayerInput(this.model);
      if (!found.ok) {
        warnOnce(
          this,
          'no-default',
          `${WHO}: nothing to monitor: ${found.reason}; set the 'layer' argument to the layer whose output is the representation. No dse is recorded.`,
        );
        return;
      }
      feature = found.feature;
    }
    this.featureName = this.layerName ?? featureLayerName(this.model, feature);
    this.flatten = this.layerName == null ? 'samples' : 'features';
    this.runner = new ActivationProbe(this.model, [feature]);
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    if (!firesAt(epoch, this.every) || this.runner == null) return;
    const {dse, dsmi, sigma} = await this.compute();
    const records: MetricRecord[] = [
      {epoch, metric: 'dse', layer: this.featureName, value: dse},
      {epoch, metric: 'dse_sigma', layer: this.featureName, value: sigma},
    ];
    if (logs != null) logs['dse'] = dse;
    if (dsmi != null) {
      if (logs != null) logs['dsmi'] = dsmi;
      records.push({epoch, metric: 'dsmi', layer: this.featureName, value: dsmi});
    }
    this.sink.emit(records);
    if (this.verbose) {
      console.log(
        `Epoch ${epoch + 1}: dse = ${dse.toFixed(4)}${dsmi != null ? `, dsmi = ${dsmi.toFixed(4)}` : ''} (layer '${this.featureName}', sigma = ${sigma.toPrecision(4)}, t = ${this.t})`,
      );
    }
  }

  /** DSE (and DSMI) of the current model on the probe, with the σ used. */
  async compute(): Promise<{dse: number; dsmi: number | null; sigma: number}> {
    if (this.runner == null) throw new ValueError(`${WHO}: compute() needs the model; call it during or after fit.`);
    const [z] = this.runner.run(this.probeX, 256, this.flatten); // [N·positions, D] or [N, positions·D]
    try {
      const sigma = await this.resolveSigma(z);
      this.sigmaUsed = sigma;
      const dse = await diffusionSpectralEntropy(z, {sigma, t: this.t, method: this.method});
      let dsmi: number | null = null;
      if (this.labels != null) {
        const labels = this.labels;
        const ids = tf.tidy(() => {
          const id = labels.rank === 2 && (labels.shape[1] ?? 1) > 1 ? tf.argMax(labels, 1) : tf.reshape(labels, [-1]); // one-hot → ids
          const n = id.shape[0];
          // A rank > 2 representation has `positions` samples per probe item: each inherits its item's label.
          const positions = z.shape[0] / n;
          return positions === 1 ? id : tf.reshape(tf.tile(tf.reshape(id, [n, 1]), [1, positions]), [-1]);
        });
        try {
          dsmi = await diffusionSpectralMutualInfo(z, ids, {sigma, t: this.t, method: this.method});
        } finally {
          ids.dispose();
        }
      }
      return {dse, dsmi, sigma};
    } finally {
      z.dispose();
    }
  }

  private async resolveSigma(z: tf.Tensor2D): Promise<number> {
    if (typeof this.sigma === 'number') return this.sigma;
    if (this.sigma === 'sqrt-d') return Math.sqrt(z.shape[1]);
    // The median rule lives in spectral/dse; resolve it once so DSE and DSMI share it and it can be logged.
    const {kernel, sigma} = await diffusionKernel(z, 'median');
    kernel.dispose();
    return sigma;
  }

  override async onTrainEnd(): Promise<void> {
    this.runner = null;
  }
}

/** Name of the layer producing a symbolic tensor (for logs). */
function featureLayerName(model: tfl.LayersModel, t: tfl.SymbolicTensor): string {
  const owner = model.layers.find(l => l.inboundNodes.some(n => n.outputTensors.includes(t)));
  return owner?.name ?? t.name;
}

/**
 * Factory of {@link DseMonitor}: logs `dse` (and `dsmi` with labels) every `every` epochs.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 8, activation: 'relu', inputShape: [4]}),
 *   tf.layers.dense({units: 2, activation: 'softmax'})]});
 * model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
 * const x = tf.randomNormal([64, 4], 0, 1, 'float32', 1);
 * const y = tf.oneHot(tf.tensor1d(Array.from({length: 64}, (_, i) => i % 2), 'int32'), 2);
 * const probe = x.slice([0, 0], [32, 4]);
 * model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [
 *   tfa.callbacks.dseMonitor({probe, sigma: 'sqrt-d'}),
 *   tf.callbacks.earlyStopping({monitor: 'dse', mode: 'max', patience: 3})]})
 *   .then(h => console.log(h.history.dse)); // two numbers (bits)
 * ```
 * @see DseMonitor
 */
export function dseMonitor(args: DseMonitorArgs): DseMonitor {
  return new DseMonitor(args);
}
