/**
 * Spectra of layer activations on a probe set (EigenTrack's descriptors) and
 * massive-activation statistics, monitored during training.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {type ActivationSpectrum, type MassiveActivations, activationSpectrum, massiveActivations} from '../spectral';
import {ValueError, describe, positiveInt} from '../validate';
import {
  ActivationProbe,
  type CallbackLogs,
  type MetricRecord,
  RecordSink,
  type RecordSinkArgs,
  checkProbeAgainstModel,
  firesAt,
  layerByName,
  layerNamesArg,
  probeArg,
  singleSymbolic,
} from './common';

/** Arguments of {@link ActivationSpectrumMonitor}. */
export interface ActivationSpectrumMonitorArgs extends RecordSinkArgs {
  /** Fixed probe inputs, `[N, ...]` like the model input. Never disposed. */
  probe: tf.Tensor | tf.Tensor[];
  /** Names of the layers (entries of `model.layers`) whose outputs are measured. Required, non-empty. */
  layers: string[];
  /** Compute at the end of every `every`-th epoch. Default 1. */
  every?: number;
  /** Number of top channels (by max |a|) to record per layer. Default 3 (Sun et al. track the top 3). */
  topK?: number;
}

const DEFAULTS = {every: 1, topK: 3} as const;
const WHO = 'activationSpectrumMonitor';

/** The numbers logged per layer, in this order: log key → descriptor. */
export const ACTIVATION_METRICS = {
  spectral_entropy: (s: ActivationSpectrum) => s.spectralEntropy,
  effective_rank: (s: ActivationSpectrum) => s.effectiveRank,
  frac_above_mp: (s: ActivationSpectrum) => s.fracAboveMP,
  ks_mp: (s: ActivationSpectrum) => s.ksMP,
  lambda_max_over_mp_edge: (s: ActivationSpectrum) => s.lambdaMaxOverEdge,
} as const;

/** Last result per layer. */
export interface LayerActivationSpectrum {
  layer: string;
  spectrum: ActivationSpectrum;
  massive: MassiveActivations;
}

/**
 * Every `every` epochs, runs the probe through the model and, for each named
 * layer's output A `[N, ..., C]` (every axis but the last flattened into rows:
 * `[N·T, units]` for RNN sequences, `[N·H·W, C]` for conv maps, `[N, units]`
 * for Dense), computes `tfa.spectral.activationSpectrum(A)` (eigenvalues of the
 * centred feature covariance and EigenTrack's descriptors) and
 * `tfa.spectral.massiveActivations(A)`. Writes plain numbers into the epoch
 * logs per layer: `spectral_entropy/<layer>` (nats), `effective_rank/<layer>`,
 * `frac_above_mp/<layer>`, `ks_mp/<layer>`, `lambda_max_over_mp_edge/<layer>`,
 * `massive_ratio/<layer>` (max|a|/median|a|), `max_abs/<layer>`. The JSONL
 * records carry the same values plus `top_channels` (value: the largest
 * channel max |a|; field `channels`: the top-k channel indices, comma-separated).
 * The last results (with eigenvalues) are in `last`.
 *
 * Paper: Ettori, "EigenTrack", 2025, arXiv:2509.15735; Sun et al., "Massive
 * Activations in Large Language Models", 2024, arXiv:2402.17762;
 * Gallego-Feliciano et al., "Hidden Dynamics of Massive Activations in
 * Transformer Training", 2025, arXiv:2508.03616.
 * Deviations: EigenTrack's sliding windows over tokens become the probe set
 * at each epoch end; its exact feature formulas are not public (see
 * `activationSpectrum`).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tf.layers.dense({units: 16, inputShape: [4], name: 'h'})]});
 * const monitor = new tfa.callbacks.ActivationSpectrumMonitor({probe: tf.randomNormal([64, 4], 0, 1, 'float32', 1), layers: ['h']});
 * monitor.setModel(model);
 * monitor.onTrainBegin().then(() => monitor.compute()).then(([r]) => console.log(r.spectrum.effectiveRank, r.massive.ratio));
 * ```
 */
export class ActivationSpectrumMonitor extends tfl.Callback {
  readonly every: number;
  readonly topK: number;
  readonly layerNames: string[];
  /** Results of the last computation, in `layers` order. */
  last: LayerActivationSpectrum[] = [];
  private readonly probeX: tf.Tensor | tf.Tensor[];
  private readonly sink: RecordSink;
  private runner: ActivationProbe | null = null;

  constructor(args: ActivationSpectrumMonitorArgs) {
    super();
    if (args == null || typeof args !== 'object')
      throw new ValueError(`${WHO}: args must be an object with probe and layers, got ${describe(args)}.`);
    this.probeX = probeArg(args.probe, 'probe', WHO, 2);
    this.layerNames = layerNamesArg(args.layers, WHO);
    this.every = positiveInt(args.every ?? DEFAULTS.every, 'every', WHO);
    this.topK = positiveInt(args.topK ?? DEFAULTS.topK, 'topK', WHO);
    this.sink = new RecordSink(args, WHO);
  }

  override async onTrainBegin(): Promise<void> {
    this.last = [];
    checkProbeAgainstModel(this.model, this.probeX, 'probe', WHO);
    const outputs = this.layerNames.map(name =>
      singleSymbolic(layerByName(this.model, name, WHO).output, `output of layer '${name}'`, WHO),
    );
    this.runner = new ActivationProbe(this.model, outputs);
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    if (!firesAt(epoch, this.every)) return;
    const results = await this.compute();
    const records: MetricRecord[] = [];
    for (const {layer, spectrum, massive} of results) {
      const values: Array<[string, number]> = [
        ...Object.entries(ACTIVATION_METRICS).map(([k, f]) => [k, f(spectrum)] as [string, number]),
        ['massive_ratio', massive.ratio],
        ['max_abs', massive.maxAbs],
      ];
      for (const [metric, value] of values) {
        if (logs != null) logs[`${metric}/${layer}`] = value;
        records.push({epoch, metric, layer, value});
      }
      records.push({
        epoch,
        metric: 'top_channels',
        layer,
        value: massive.topValues[0],
        channels: massive.topChannels.join(','),
      });
    }
    this.sink.emit(records);
  }

  /** Descriptors of each named layer's output on the probe now (also stored in `last`). */
  async compute(): Promise<LayerActivationSpectrum[]> {
    if (this.runner == null) throw new ValueError(`${WHO}: compute() needs the model; call it during or after fit.`);
    const acts = this.runner.runRaw(this.probeX);
    try {
      const out: LayerActivationSpectrum[] = [];
      for (let i = 0; i < acts.length; i++) {
        out.push({
          layer: this.layerNames[i],
          spectrum: await activationSpectrum(acts[i]),
          massive: await massiveActivations(acts[i], {topK: this.topK}),
        });
      }
      this.last = out;
      return out;
    } finally {
      tf.dispose(acts);
    }
  }

  override async onTrainEnd(): Promise<void> {
    this.runner = null;
  }
}

/**
 * Factory of {@link ActivationSpectrumMonitor}: logs `spectral_entropy/<layer>`,
 * `effective_rank/<layer>`, `frac_above_mp/<layer>`, `ks_mp/<layer>`,
 * `lambda_max_over_mp_edge/<layer>`, `massive_ratio/<layer>`, `max_abs/<layer>`.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 32, activation: 'relu', inputShape: [8], name: 'hidden'}),
 *   tf.layers.dense({units: 1})]});
 * model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
 * const x = tf.randomNormal([128, 8], 0, 1, 'float32', 1);
 * model.fit(x, tf.zeros([128, 1]), {epochs: 1, verbose: 0, callbacks: [
 *   tfa.callbacks.activationSpectrumMonitor({probe: x, layers: ['hidden']})]})
 *   .then(h => console.log(h.history['effective_rank/hidden'], h.history['massive_ratio/hidden']));
 * ```
 * @see ActivationSpectrumMonitor
 */
export function activationSpectrumMonitor(args: ActivationSpectrumMonitorArgs): ActivationSpectrumMonitor {
  return new ActivationSpectrumMonitor(args);
}
