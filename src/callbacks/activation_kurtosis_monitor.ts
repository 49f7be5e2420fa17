/**
 * Excess kurtosis of layer activations on a probe set (the outlier metric of
 * Outlier-Safe Pre-Training), monitored during training.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {channelRmsKurtosis, excessKurtosis} from '../spectral';
import {ValueError, bool, describe, positiveInt} from '../validate';
import {
  ActivationProbe,
  type CallbackLogs,
  type MetricRecord,
  RecordSink,
  type RecordSinkArgs,
  checkProbeAgainstModel,
  finiteMean,
  firesAt,
  layerNamesArg,
  layerOutputInModel,
  probeArg,
} from './common';

/** Arguments of {@link ActivationKurtosisMonitor}. */
export interface ActivationKurtosisMonitorArgs extends RecordSinkArgs {
  /** Fixed probe inputs, `[N, ...]` like the model input. Never disposed. */
  probe: tf.Tensor | tf.Tensor[];
  /** Names of the layers whose outputs are measured. Required, non-empty. */
  layers: string[];
  /** Compute at the end of every `every`-th epoch. Default 1. */
  every?: number;
  /** Also log the kurtosis of the per-channel RMS (`rms_kurtosis/<layer>`, He et al. 2024). Default false. */
  channelRms?: boolean;
}

const DEFAULTS = {every: 1, channelRms: false} as const;
const WHO = 'activationKurtosisMonitor';

/**
 * Every `every` epochs, runs the probe through the model and computes, for
 * each named layer's output A (all elements over the probe, flattened), the
 * excess kurtosis κ = m₄/m₂² − 3 with m_k = mean((a − ā)^k) (Fisher, biased:
 * scipy `kurtosis(fisher=True, bias=True)`; 0 for a Gaussian). Heavy outlier
 * features give large κ. Writes plain numbers into the epoch logs:
 * `kurtosis/<layer>` per layer, `kurtosis_max` and `kurtosis_mean` over the
 * layers; the per-layer values also go to the JSONL records (`kurtosis`).
 * With `channelRms`, also `rms_kurtosis/<layer>`: mean_j s_j⁴/(mean_j s_j²)² of
 * the per-channel RMS s_j (channels = the last axis; for conv outputs the
 * flattened `[N, H·W·C]` view, so "channel" means feature). The maths is
 * `tfa.spectral.excessKurtosis` / `channelRmsKurtosis`.
 *
 * Paper: Park et al., "Outlier-Safe Pre-Training for Robust 4-Bit
 * Quantization of Large Language Models", 2025, arXiv:2506.19697 (reports
 * "Ex. Kurt." of activations).
 * Follows: dmis-lab/Outlier-Safe-Pre-Training (README only; the metric's code is not public).
 * Deviations: the paper's exact tensor and aggregation are not public; we
 * measure each named layer's whole output on the probe, flattened.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 8, activation: 'relu', inputShape: [4], name: 'hidden'}),
 *   tf.layers.dense({units: 1})]});
 * model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
 * const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
 * const monitor = new tfa.callbacks.ActivationKurtosisMonitor({probe: x, layers: ['hidden']});
 * model.fit(x, tf.zeros([16, 1]), {epochs: 1, verbose: 0, callbacks: [monitor]})
 *   .then(h => console.log(h.history.kurtosis_max)); // [κ of the hidden layer's output]
 * ```
 */
export class ActivationKurtosisMonitor extends tfl.Callback {
  readonly every: number;
  readonly layerNames: string[];
  readonly channelRms: boolean;
  private readonly probeX: tf.Tensor | tf.Tensor[];
  private readonly sink: RecordSink;
  private runner: ActivationProbe | null = null;

  constructor(args: ActivationKurtosisMonitorArgs) {
    super();
    if (args == null)
      throw new ValueError(`${WHO}: args must be an object with probe and layers, got ${describe(args)}.`);
    this.probeX = probeArg(args.probe, 'probe', WHO, 2);
    this.layerNames = layerNamesArg(args.layers, WHO);
    this.every = positiveInt(args.every ?? DEFAULTS.every, 'every', WHO);
    this.channelRms = bool(args.channelRms ?? DEFAULTS.channelRms, 'channelRms', WHO);
    this.sink = new RecordSink(args, WHO);
  }

  override async onTrainBegin(): Promise<void> {
    checkProbeAgainstModel(this.model, this.probeX, 'probe', WHO);
    const outputs = this.layerNames.map(name => layerOutputInModel(this.model, name, WHO));
    this.runner = new ActivationProbe(this.model, outputs);
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    if (!firesAt(epoch, this.every)) return;
    const {values, rms} = await this.computeAll();
    const records: MetricRecord[] = [];
    this.layerNames.forEach((layer, i) => {
      if (logs != null) logs[`kurtosis/${layer}`] = values[i];
      records.push({epoch, metric: 'kurtosis', layer, value: values[i]});
      if (rms != null) {
        if (logs != null) logs[`rms_kurtosis/${layer}`] = rms[i];
        records.push({epoch, metric: 'rms_kurtosis', layer, value: rms[i]});
      }
    });
    const finite = values.filter(v => Number.isFinite(v));
    const max = finite.length > 0 ? Math.max(...finite) : NaN;
    const mean = finiteMean(values);
    if (logs != null) {
      logs['kurtosis_max'] = max;
      logs['kurtosis_mean'] = mean;
    }
    records.push(
      {epoch, metric: 'kurtosis_max', layer: null, value: max},
      {epoch, metric: 'kurtosis_mean', layer: null, value: mean},
    );
    this.sink.emit(records);
  }

  /** Excess kurtosis of each named layer's output on the probe, in `layers` order. */
  async compute(): Promise<number[]> {
    return (await this.computeAll()).values;
  }

  private async computeAll(): Promise<{values: number[]; rms: number[] | null}> {
    if (this.runner == null) throw new ValueError(`${WHO}: compute() needs the model; call it during or after fit.`);
    const acts = this.runner.run(this.probeX); // [N, features] each
    try {
      const values: number[] = [];
      const rms: number[] = [];
      for (const a of acts) {
        values.push(await excessKurtosis(a));
        if (this.channelRms) rms.push(a.shape[1] >= 2 ? await channelRmsKurtosis(a) : NaN);
      }
      return {values, rms: this.channelRms ? rms : null};
    } finally {
      tf.dispose(acts);
    }
  }

  override async onTrainEnd(): Promise<void> {
    this.runner = null;
  }
}

/**
 * Factory of {@link ActivationKurtosisMonitor}: logs `kurtosis/<layer>`, `kurtosis_max`, `kurtosis_mean`.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 16, activation: 'relu', inputShape: [4], name: 'hidden'}),
 *   tf.layers.dense({units: 1})]});
 * model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
 * const x = tf.randomNormal([32, 4], 0, 1, 'float32', 1);
 * model.fit(x, tf.zeros([32, 1]), {epochs: 1, verbose: 0, callbacks: [
 *   tfa.callbacks.activationKurtosisMonitor({probe: x, layers: ['hidden']})]})
 *   .then(h => console.log(h.history['kurtosis/hidden'])); // [κ]
 * ```
 * @see ActivationKurtosisMonitor
 */
export function activationKurtosisMonitor(args: ActivationKurtosisMonitorArgs): ActivationKurtosisMonitor {
  return new ActivationKurtosisMonitor(args);
}
