/**
 * Dense-to-sparse gated mixture of experts: a softmax gate with a temperature
 * (optionally applied to an activation of the gate logits) mixing dense
 * experts computed in one batched matmul.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {ValueError, finiteNumber, integer, knownLastDim, oneOf, positiveInt, positiveNumber} from '../validate';
import {applyBaseActivation} from './kan/common';
import {replaceLastDim, singleInput} from './utils';

type DisposeResult = ReturnType<tfl.layers.Layer['dispose']>;
type Shape = Array<number | null>;

/** Gate kinds of {@link MoE}. */
export type MoEGate = 'softmax' | 'activation-softmax';
/** Elementwise activations {@link MoE} accepts for experts and the gate. */
export type MoEActivation = 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'silu' | 'gelu' | 'softplus';
const GATES: readonly MoEGate[] = ['softmax', 'activation-softmax'];
const ACTIVATIONS: readonly MoEActivation[] = ['linear', 'relu', 'tanh', 'sigmoid', 'silu', 'gelu', 'softplus'];

/** Arguments of {@link MoE}; every field survives getConfig → fromConfig. */
export interface MoEArgs extends LayerArgs {
  /** Number of experts E ≥ 1. Required. */
  numExperts: number;
  /** Output width O of every expert (and of the layer). Required. */
  units: number;
  /**
   * Hidden width H of each expert. Null (default): each expert is one affine
   * map `in → units` followed by `expertActivation`; set: each expert is
   * `in → H` (`expertActivation`) `→ units` (affine).
   */
  expertUnits?: number | null;
  /** Activation of each expert's first map. Default `'linear'` without expertUnits, `'relu'` with. */
  expertActivation?: MoEActivation;
  /** `'softmax'`: `softmax(ℓ/τ)`; `'activation-softmax'`: `softmax(σ(ℓ)/τ)` (the paper's proposal). Default `'softmax'`. */
  gate?: MoEGate;
  /** σ of the activation gate. Default `'sigmoid'`. Ignored by the plain softmax gate. */
  gateActivation?: MoEActivation;
  /** Initial temperature τ > 0 (a non-trainable weight; `tfa.callbacks.temperatureSchedule` anneals it). Default 1. */
  temperature?: number;
  /** At inference, keep the k largest gates per sample and renormalise them to sum 1. Null (default): all. Integer in [1, E]. */
  topK?: number | null;
  /**
   * Weight α ≥ 0 of the load-balancing loss `α·E·Σ_e f_e·P_e` added in training
   * (f_e: fraction of samples whose largest gate is e; P_e: mean gate of e). Default 0 (off).
   */
  loadBalance?: number;
  /** Seed of the weight initializers. Null (default): unseeded. */
  seed?: number | null;
}

const DEFAULTS = {
  gate: 'softmax' as MoEGate,
  gateActivation: 'sigmoid' as MoEActivation,
  temperature: 1,
  loadBalance: 0,
} as const;
const WHO = 'MoE';

function activate(x: tf.Tensor, kind: MoEActivation): tf.Tensor {
  if (kind !== 'gelu') return applyBaseActivation(x, kind);
  // tanh approximation, as tfjs-layers' 'gelu_new'
  return tf.mul(
    tf.mul(0.5, x),
    tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))),
  );
}

/**
 * Mixture of E dense experts with a (dense-to-sparse) softmax gate.
 *
 * Gate logits `ℓ = x·W_g + b_g` (`[N, E]`); gate probabilities
 * `g = softmax(ℓ/τ)` (`gate: 'softmax'`, the dense-to-sparse gate) or
 * `g = softmax(σ(ℓ)/τ)` (`gate: 'activation-softmax'`, the activation
 * dense-to-sparse gate the paper proposes, σ = `gateActivation`).
 * Experts `e_k(x) = φ(x·W_k + b_k)` (`expertUnits` null) or
 * `e_k(x) = φ(x·W_k + b_k)·V_k + c_k` (`expertUnits` = H); output
 * `y = Σ_k g_k(x)·e_k(x)`. All experts run densely in one matmul
 * (`[N, in] × [in, E·H]`, then a batched `[E, N, H] × [E, H, O]`), no loop.
 * τ is a non-trainable weight: annealing it from 1 towards 0 turns the dense
 * gate into a near one-hot (sparse) one. With `topK`, inference keeps the k
 * largest gates per sample, renormalised. With `loadBalance` = α > 0, training
 * adds the Switch Transformer auxiliary loss `α·E·Σ_k f_k·P_k` (f_k the share
 * of samples routed to k by argmax, P_k the mean gate of k; minimal at the
 * uniform load).
 * Input `[batch, ..., in]` → output `[batch, ..., units]`.
 * Weights: `gate_kernel [in, E]`, `gate_bias [E]`, `expert_kernel [E, in, H]`,
 * `expert_bias [E, H]` (H = units without expertUnits), and with expertUnits
 * `expert_out_kernel [E, H, units]`, `expert_out_bias [E, units]`;
 * `temperature []` (non-trainable).
 *
 * Paper: Nguyen, Akbarian & Ho, "Is Temperature Sample Efficient for Softmax
 * Gaussian Mixture of Experts?", ICML 2024, arXiv:2401.13875 (dense-to-sparse
 * gate with temperature; the activation dense-to-sparse gate). Load balancing:
 * Fedus, Zoph & Shazeer, "Switch Transformers", 2021, arXiv:2101.03961 (eq. 4),
 * after Shazeer et al., "Outrageously Large Neural Networks: The
 * Sparsely-Gated Mixture-of-Experts Layer", 2017, arXiv:1701.06538.
 * Follows: the papers' formulas (the ICML paper has no code).
 * Deviations:
 * - The paper's σ for its simulations could not be checked; σ = sigmoid by
 *   default (bounded, so sparsity needs τ ≪ 1: logits lie in [0, 1/τ]).
 * - No annealing schedule is given in the paper; `temperatureSchedule` offers
 *   linear and exponential ones.
 * - Expert weights are initialised Glorot-uniform per expert, the gate kernel
 *   Glorot-uniform, biases zero (tfjs Dense defaults).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.MoE({numExperts: 3, units: 2, topK: 1, seed: 1});
 * layer.apply(tf.ones([2, 4])).print(); // [2, 2]: the top-1 expert per row
 * layer.setTemperature(0.1);
 * console.log(layer.temperature); // ≈ 0.1
 * ```
 */
export class MoE extends tfl.layers.Layer {
  static className = 'MoE';
  readonly numExperts: number;
  readonly units: number;
  readonly expertUnits: number | null;
  readonly expertActivation: MoEActivation;
  readonly gate: MoEGate;
  readonly gateActivation: MoEActivation;
  readonly initialTemperature: number;
  readonly topK: number | null;
  readonly loadBalance: number;
  readonly seed: number | null;
  private gateKernel: tfl.LayerVariable | null = null;
  private gateBias: tfl.LayerVariable | null = null;
  private expertKernel: tfl.LayerVariable | null = null;
  private expertBias: tfl.LayerVariable | null = null;
  private outKernel: tfl.LayerVariable | null = null;
  private outBias: tfl.LayerVariable | null = null;
  private tau: tfl.LayerVariable | null = null;
  private pending: tf.Scalar[] = [];

  constructor(args: MoEArgs) {
    super(args ?? {});
    if (args == null)
      throw new ValueError(`${WHO}: args must be an object with numExperts and units, got ${String(args)}.`);
    this.numExperts = positiveInt(args.numExperts, 'numExperts', WHO);
    this.units = positiveInt(args.units, 'units', WHO);
    this.expertUnits = args.expertUnits == null ? null : positiveInt(args.expertUnits, 'expertUnits', WHO);
    this.expertActivation = oneOf(
      args.expertActivation ?? (this.expertUnits == null ? 'linear' : 'relu'),
      ACTIVATIONS,
      'expertActivation',
      WHO,
    );
    this.gate = oneOf(args.gate ?? DEFAULTS.gate, GATES, 'gate', WHO);
    this.gateActivation = oneOf(args.gateActivation ?? DEFAULTS.gateActivation, ACTIVATIONS, 'gateActivation', WHO);
    this.initialTemperature = positiveNumber(args.temperature ?? DEFAULTS.temperature, 'temperature', WHO);
    this.topK = args.topK == null ? null : integer(args.topK, 'topK', WHO, 1, this.numExperts);
    this.loadBalance = finiteNumber(args.loadBalance ?? DEFAULTS.loadBalance, 'loadBalance', WHO, {min: 0});
    this.seed = args.seed == null ? null : integer(args.seed, 'seed', WHO, 0);
  }

  override build(inputShape: Shape | Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    const e = this.numExperts;
    const h = this.expertUnits ?? this.units;
    const seed = (k: number) => (this.seed == null ? undefined : this.seed + k);
    const glorot = (fanIn: number, fanOut: number, k: number) => {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return tfl.initializers.randomUniform({minval: -limit, maxval: limit, seed: seed(k)});
    };
    const zeros = tfl.initializers.zeros();
    if (this.gateKernel == null) {
      this.gateKernel = this.addWeight('gate_kernel', [inDim, e], 'float32', glorot(inDim, e, 0));
      this.gateBias = this.addWeight('gate_bias', [e], 'float32', zeros);
      this.expertKernel = this.addWeight('expert_kernel', [e, inDim, h], 'float32', glorot(inDim, h, 1));
      this.expertBias = this.addWeight('expert_bias', [e, h], 'float32', zeros);
      if (this.expertUnits != null) {
        this.outKernel = this.addWeight('expert_out_kernel', [e, h, this.units], 'float32', glorot(h, this.units, 2));
        this.outBias = this.addWeight('expert_out_bias', [e, this.units], 'float32', zeros);
      }
      this.tau = this.addWeight(
        'temperature',
        [],
        'float32',
        tfl.initializers.constant({value: this.initialTemperature}),
        undefined,
        false,
      );
      this.addLoss(() => {
        const live = this.pending.filter(t => !t.isDisposed);
        this.pending = [];
        return live.length > 0 ? (tf.addN(live) as tf.Scalar) : tf.scalar(0);
      });
    }
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return replaceLastDim(inputShape, this.units);
  }

  /** The current temperature τ (sync read of one scalar; not for hot paths). */
  get temperature(): number {
    // eslint-disable-next-line no-restricted-properties -- a one-scalar read for users and callbacks, never in call()
    return this.requireBuilt().tau!.read().dataSync()[0];
  }

  /** Sets τ > 0 (what `temperatureSchedule` calls); saved with the weights. */
  setTemperature(value: number): void {
    positiveNumber(value, 'temperature', WHO);
    const tau = this.requireBuilt().tau!;
    tf.tidy(() => {
      tau.write(tf.scalar(value));
    });
  }

  /**
   * Dense gate probabilities `[N, E]` at the current τ for inputs `[N, in]`
   * (no top-k). The caller disposes the result.
   */
  gateProbabilities(x: tf.Tensor): tf.Tensor2D {
    this.requireBuilt();
    return tf.tidy(() => this.gatesOf(tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D));
  }

  private requireBuilt(): this {
    if (this.tau == null)
      throw new ValueError(`${WHO}: layer '${this.name}' must be built (applied once) first, got an unbuilt layer.`);
    return this;
  }

  private gatesOf(x: tf.Tensor2D): tf.Tensor2D {
    const logits = tf.add(tf.matMul(x, this.gateKernel!.read() as tf.Tensor2D), this.gateBias!.read()); // [N, E]
    const a = this.gate === 'activation-softmax' ? activate(logits, this.gateActivation) : logits; // [N, E]
    return tf.softmax(tf.div(a, this.tau!.read()) as tf.Tensor2D, -1); // [N, E]
  }

  private expertsOf(x: tf.Tensor2D): tf.Tensor3D {
    const [n, inDim] = x.shape;
    const e = this.numExperts;
    const h = this.expertUnits ?? this.units;
    const k = tf.reshape(tf.transpose(this.expertKernel!.read(), [1, 0, 2]), [inDim, e * h]); // [in, E·H]
    const hid = tf.add(tf.reshape(tf.matMul(x, k as tf.Tensor2D), [n, e, h]), this.expertBias!.read()); // [N, E, H]
    const act = activate(hid, this.expertActivation) as tf.Tensor3D; // [N, E, H]
    if (this.outKernel == null) return act;
    const out = tf.matMul(tf.transpose(act, [1, 0, 2]) as tf.Tensor3D, this.outKernel.read() as tf.Tensor3D); // [E, N, O]
    return tf.add(tf.transpose(out, [1, 0, 2]), this.outBias!.read()) as tf.Tensor3D; // [N, E, O]
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const training = kwargs?.training === true;
    // The auxiliary loss is returned from the tidy (not kept): the enclosing
    // scope of fit disposes it after calculateLosses has used it.
    const [y, aux] = tf.tidy(() => {
      const x = singleInput(inputs, WHO);
      const flat = tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D; // [N, in]
      let g = this.gatesOf(flat); // [N, E]
      const loss = training && this.loadBalance > 0 ? [this.balanceLoss(g)] : [];
      if (!training && this.topK != null && this.topK < this.numExperts) {
        const kth = tf.slice(tf.topk(g, this.topK).values, [0, this.topK - 1], [-1, 1]); // [N, 1]
        const kept = tf.mul(g, tf.cast(tf.greaterEqual(g, kth), 'float32')); // [N, E]
        g = tf.div(kept, tf.sum(kept, 1, true)); // [N, E]
      }
      const ex = this.expertsOf(flat); // [N, E, O]
      const out = tf.sum(tf.mul(tf.expandDims(g, 2), ex), 1); // [N, O]
      return [tf.reshape(out, [...x.shape.slice(0, -1), this.units]), ...loss];
    });
    if (aux != null) this.pending.push(aux as tf.Scalar);
    return y;
  }

  /** Switch Transformer auxiliary loss α·E·Σ_k f_k·P_k for gates `[N, E]`. */
  private balanceLoss(g: tf.Tensor2D): tf.Scalar {
    const e = this.numExperts;
    const f = tf.mean(tf.oneHot(tf.argMax(g, 1), e), 0); // [E], no gradient (argmax)
    const p = tf.mean(g, 0); // [E]
    return tf.mul(this.loadBalance * e, tf.sum(tf.mul(f, p))) as tf.Scalar;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numExperts: this.numExperts,
      units: this.units,
      expertUnits: this.expertUnits,
      expertActivation: this.expertActivation,
      gate: this.gate,
      gateActivation: this.gateActivation,
      temperature: this.initialTemperature,
      topK: this.topK,
      loadBalance: this.loadBalance,
      seed: this.seed,
    };
  }

  override dispose(): DisposeResult {
    tf.dispose(this.pending);
    this.pending = [];
    return super.dispose();
  }
}

/**
 * Dense-to-sparse gated mixture of experts; maths and references on {@link MoE}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const moe = tfa.layers.moe({numExperts: 4, units: 1, gate: 'activation-softmax', temperature: 0.5, seed: 1});
 * const x = tf.randomNormal([3, 2], 0, 1, 'float32', 1);
 * moe.apply(x).print();                    // [3, 1]
 * moe.gateProbabilities(x).print();        // [3, 4], rows sum to 1
 * ```
 * @see MoE
 */
export function moe(args: MoEArgs): MoE {
  return new MoE(args);
}

tf.serialization.registerClass(MoE);
