/**
 * Anneals the gate temperature τ of a {@link MoE} layer (dense → sparse
 * gating) and logs the gate entropy and expert load per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {MoE} from '../layers/moe';
import {ValueError, describe, oneOf, positiveInt, positiveNumber} from '../validate';
import {
  ActivationProbe,
  type CallbackLogs,
  checkProbeAgainstModel,
  layerByName,
  probeArg,
  singleSymbolic,
} from './common';

/** Arguments of {@link TemperatureSchedule}. */
export interface TemperatureScheduleArgs {
  /** The MoE layer, or its name in the model being fit. Required. */
  layer: MoE | string;
  /** τ at the first epoch (> 0). Default 1. */
  from?: number;
  /** τ at epoch `epochs` − 1 and after (> 0). Default 0.01. */
  to?: number;
  /** Number of epochs the annealing takes (≥ 1). Required. */
  epochs: number;
  /** `'linear'`: τ = from + (to − from)·t; `'exponential'`: τ = from·(to/from)^t, t = min(1, epoch/(epochs − 1)). Default `'exponential'`. */
  kind?: 'linear' | 'exponential';
  /** Inputs (like the model's) on which gate entropy and expert load are measured each epoch. Optional; not disposed. */
  probe?: tf.Tensor;
}

const DEFAULTS = {from: 1, to: 0.01, kind: 'exponential' as const};
const WHO = 'temperatureSchedule';
const KINDS = ['linear', 'exponential'] as const;

/** Mean per-sample gate entropy (nats) and per-expert argmax load of gates `[N, E]` (async read). * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * tfa.callbacks.gateStatistics(tf.tensor2d([[0.5, 0.5], [1, 0]]))
 *   .then(s => console.log(s.entropy, s.load)); // (ln 2)/2 ≈ 0.347, [0.5, 0.5]
 * ```
 */
export async function gateStatistics(gates: tf.Tensor2D): Promise<{entropy: number; load: number[]}> {
  const [ent, load] = tf.tidy(() => {
    const h = tf.neg(tf.sum(tf.mul(gates, tf.log(tf.maximum(gates, 1e-30))), 1)); // [N]
    return [tf.mean(h), tf.mean(tf.oneHot(tf.argMax(gates, 1), gates.shape[1]), 0)];
  });
  const out = {entropy: (await ent.data())[0] as number, load: Array.from((await load.data()) as Float32Array)};
  tf.dispose([ent, load]);
  return out;
}

/**
 * Sets the MoE gate temperature at the start of every epoch:
 * `τ(e) = from + (to − from)·t` (linear) or `from·(to/from)^t` (exponential),
 * `t = min(1, e/(epochs − 1))`, so epoch 0 trains at `from` and epochs ≥
 * `epochs − 1` at `to`. τ lives in the layer's non-trainable `temperature`
 * weight, so it is saved with the model. Writes `temperature` into the epoch
 * logs and, with a `probe`, `gate_entropy` (mean over probe samples of
 * −Σ_k g_k ln g_k, nats; ln E for uniform gates, 0 for one-hot), `expert_load_max`
 * (largest share of probe samples whose top gate is one expert; 1/E when
 * balanced) and `expert_load/<k>` per expert.
 *
 * Paper: Nguyen, Akbarian & Ho, "Is Temperature Sample Efficient for Softmax
 * Gaussian Mixture of Experts?", ICML 2024, arXiv:2401.13875 (dense-to-sparse
 * gate, τ annealed to sparsify); schedule after Nie et al., "EvoMoE: An
 * Evolutional Mixture-of-Experts Training Framework via Dense-To-Sparse Gate",
 * 2021, arXiv:2112.14397.
 * Deviations: the papers' exact schedules were not checked; linear and
 * exponential are offered.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const s = new tfa.callbacks.TemperatureSchedule({layer: 'moe', from: 1, to: 0.01, epochs: 3});
 * console.log([0, 1, 2].map(e => s.temperatureAt(e))); // [1, 0.1, 0.01]
 * ```
 */
export class TemperatureSchedule extends tfl.Callback {
  readonly from: number;
  readonly to: number;
  readonly epochs: number;
  readonly kind: 'linear' | 'exponential';
  /** `{epoch, temperature, entropy?, load?}` per epoch of the last fit. */
  history: Array<{epoch: number; temperature: number; entropy?: number; load?: number[]}> = [];
  private readonly layerArg: MoE | string;
  private readonly probe: tf.Tensor | null;
  private moeLayer: MoE | null = null;
  private runner: ActivationProbe | null = null;

  constructor(args: TemperatureScheduleArgs) {
    super();
    if (args == null)
      throw new ValueError(`${WHO}: args must be an object with layer and epochs, got ${describe(args)}.`);
    if (!(args.layer instanceof MoE) && (typeof args.layer !== 'string' || args.layer.length === 0)) {
      throw new ValueError(`${WHO}: layer must be a MoE layer or its name, got ${describe(args.layer)}.`);
    }
    this.layerArg = args.layer;
    this.from = positiveNumber(args.from ?? DEFAULTS.from, 'from', WHO);
    this.to = positiveNumber(args.to ?? DEFAULTS.to, 'to', WHO);
    this.epochs = positiveInt(args.epochs, 'epochs', WHO);
    this.kind = oneOf(args.kind ?? DEFAULTS.kind, KINDS, 'kind', WHO);
    this.probe = args.probe == null ? null : (probeArg(args.probe, 'probe', WHO) as tf.Tensor);
    if (Array.isArray(args.probe)) throw new ValueError(`${WHO}: probe must be one tensor, got a list.`);
  }

  /** τ at 0-based epoch `epoch`. */
  temperatureAt(epoch: number): number {
    const t = this.epochs <= 1 ? 1 : Math.min(1, epoch / (this.epochs - 1));
    return this.kind === 'linear' ? this.from + (this.to - this.from) * t : this.from * (this.to / this.from) ** t;
  }

  override async onTrainBegin(): Promise<void> {
    this.history = [];
    const layer = typeof this.layerArg === 'string' ? layerByName(this.model, this.layerArg, WHO) : this.layerArg;
    if (!(layer instanceof MoE)) {
      throw new ValueError(`${WHO}: layer must be a MoE layer, got '${layer.name}' of class ${layer.getClassName()}.`);
    }
    if (!this.model.layers.includes(layer))
      throw new ValueError(`${WHO}: layer '${layer.name}' is not in the model being fit.`);
    this.moeLayer = layer;
    this.runner = null;
    if (this.probe != null) {
      checkProbeAgainstModel(this.model, this.probe, 'probe', WHO);
      this.runner = new ActivationProbe(this.model, [
        singleSymbolic(layer.input, `input of layer '${layer.name}'`, WHO),
      ]);
    }
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.moeLayer!.setTemperature(this.temperatureAt(epoch));
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    const temperature = this.temperatureAt(epoch);
    const row: {epoch: number; temperature: number; entropy?: number; load?: number[]} = {epoch, temperature};
    if (logs != null) logs['temperature'] = temperature;
    if (this.runner != null && this.probe != null) {
      const [inp] = this.runner.run(this.probe);
      const gates = this.moeLayer!.gateProbabilities(inp);
      inp.dispose();
      const {entropy, load} = await gateStatistics(gates);
      gates.dispose();
      row.entropy = entropy;
      row.load = load;
      if (logs != null) {
        logs['gate_entropy'] = entropy;
        logs['expert_load_max'] = Math.max(...load);
        load.forEach((v, k) => (logs[`expert_load/${k}`] = v));
      }
    }
    this.history.push(row);
  }

  override async onTrainEnd(): Promise<void> {
    this.runner = null;
  }
}

/**
 * Factory of {@link TemperatureSchedule}: anneals a MoE gate's τ, logs `temperature`, `gate_entropy`, `expert_load_max`.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const moe = tfa.layers.moe({numExperts: 4, units: 1, seed: 1});
 * const model = tf.sequential({layers: [tf.layers.dense({units: 3, inputShape: [2]}), moe]});
 * model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
 * const x = tf.randomNormal([64, 2], 0, 1, 'float32', 1);
 * const y = tf.abs(tf.sum(x, 1, true));
 * const schedule = tfa.callbacks.temperatureSchedule({layer: moe, from: 1, to: 0.01, epochs: 5, probe: x});
 * model.fit(x, y, {epochs: 5, verbose: 0, callbacks: [schedule]})
 *   .then(h => console.log(h.history.temperature, h.history.gate_entropy));
 * ```
 * @see TemperatureSchedule
 */
export function temperatureSchedule(args: TemperatureScheduleArgs): TemperatureSchedule {
  return new TemperatureSchedule(args);
}
