/**
 * AF-KAN: ReLU-KAN-style bump features built from a chosen activation, reduced
 * per input by attention, then LayerNorm, activation and a bias-free Dense.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {bool, fail, finiteNumber, knownLastDim, nonNegativeInt, oneOf, positiveInt} from '../../validate';
import {applyOnLastAxis, replaceLastDim, silu, singleInput} from '../utils';
import {kaimingUniformBound} from './common';
import {reluKnots} from './relu';
import {warnIfFloat16} from '../../float16';

/** Activations σ of {@link AFKAN} (All-KAN's list, hyphenated; `'linear'` is the identity). */
export const AFKAN_ACTIVATIONS = [
  'softplus',
  'sigmoid',
  'silu',
  'relu',
  'leaky-relu',
  'elu',
  'gelu',
  'selu',
  'tanh',
  'linear',
] as const;
/** One activation name of {@link AFKAN} (an element of `AFKAN_ACTIVATIONS`). */
export type AFKANActivation = (typeof AFKAN_ACTIVATIONS)[number];

/** Function combinations φ(x1, x2) of {@link AFKAN}. */
export const AFKAN_FUNCS = ['quad1', 'quad2', 'sum', 'prod', 'sum-prod', 'cubic1', 'cubic2'] as const;
/** One function-combination name of {@link AFKAN} (an element of `AFKAN_FUNCS`). */
export type AFKANFunc = (typeof AFKAN_FUNCS)[number];

/** Reductions `[N, I, g+k] → [N, I]` of {@link AFKAN}. */
export const AFKAN_REDUCTIONS = ['global-attn', 'spatial-attn', 'multistep'] as const;
/** One reduction name of {@link AFKAN} (an element of `AFKAN_REDUCTIONS`). */
export type AFKANReduction = (typeof AFKAN_REDUCTIONS)[number];

/** Arguments of {@link AFKAN}; every field survives getConfig → fromConfig. */
export interface AFKANArgs extends LayerArgs {
  /** Output width O. Positive integer; required. */
  units: number;
  /** Grid size g; there are g + k shared phases. Positive integer. Default 3. */
  gridSize?: number;
  /** Spline order k; each bump spans (k + 1)/g. Integer >= 0. Default 3. */
  splineOrder?: number;
  /** σ, used in the bumps and before the Dense: one of 'softplus', 'sigmoid', 'silu', 'relu', 'leaky-relu', 'elu', 'gelu', 'selu', 'tanh', 'linear'. Default 'silu'. */
  activation?: AFKANActivation;
  /** How x1 = σ(x − s) and x2 = σ(e − x) combine: one of 'quad1', 'quad2', 'sum', 'prod', 'sum-prod', 'cubic1', 'cubic2'. Default 'quad1'. */
  func?: AFKANFunc;
  /** How the g + k responses of an input reduce to one value: one of 'global-attn', 'spatial-attn', 'multistep'. Default 'global-attn'. */
  reduction?: AFKANReduction;
  /** LayerNorm over the I reduced values (as the reference's `norm_type='layer'`). Needs I >= 2. Default true. */
  useLayerNorm?: boolean;
  /** Seed for the weight initialisers. Default null (unseeded). */
  seed?: number | null;
}

const DEFAULTS = {
  gridSize: 3,
  splineOrder: 3,
  activation: 'silu',
  func: 'quad1',
  reduction: 'global-attn',
  useLayerNorm: true,
} as const;
const WHO = 'AFKAN';
const LN_EPSILON = 1e-5; // torch nn.LayerNorm default

/** σ(x) for an {@link AFKANActivation}, with torch's defaults (leaky slope 0.01, exact-erf GELU). */
export function afActivation(x: tf.Tensor, name: AFKANActivation): tf.Tensor {
  switch (name) {
    case 'softplus':
      return tf.softplus(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'silu':
      return silu(x);
    case 'relu':
      return tf.relu(x);
    case 'leaky-relu':
      return tf.leakyRelu(x, 0.01); // torch F.leaky_relu default slope
    case 'elu':
      return tf.elu(x);
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))); // torch F.gelu (erf form)
    case 'selu':
      return tf.selu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'linear':
      return x;
  }
}

/** φ(x1, x2) for an {@link AFKANFunc} (All-KAN `cal_output`). */
export function afCombine(x1: tf.Tensor, x2: tf.Tensor, func: AFKANFunc): tf.Tensor {
  switch (func) {
    case 'quad1': {
      const p = tf.mul(x1, x2);
      return tf.mul(p, p);
    }
    case 'quad2':
      return tf.addN([tf.mul(x1, x2), tf.mul(x1, x1), tf.mul(x2, x2)]);
    case 'sum':
      return tf.add(x1, x2);
    case 'prod':
      return tf.mul(x1, x2);
    case 'sum-prod':
      return tf.addN([x1, x2, tf.mul(x1, x2)]);
    case 'cubic1':
      return tf.mul(tf.add(x1, x2), tf.add(tf.mul(x1, x1), tf.mul(x2, x2)));
    case 'cubic2': {
      const p = tf.mul(x1, x2);
      return tf.mul(tf.mul(p, p), p);
    }
  }
}

/**
 * AF-KAN layer (All-KAN): bump features `φ(σ(x_i − s_j), σ(e_j − x_i))` with
 * g + k phases shared by every input, reduced per input to one value, then
 * `y = σ(LayerNorm(z))·W`.
 *
 * Reductions of Φ `[N, I, g+k]` to z `[N, I]` (τ trainable, initialised √I,
 * used as `max(τ, 1)`):
 * - `'global-attn'`: `a_{n,i} = w·Φ_{n,i,:} + b`, `α_{n,:} = softmax_i(a_{n,:}/max(τ,1))`,
 *   `z_{n,i} = α_{n,i}·Σ_j Φ_{n,i,j}`.
 * - `'spatial-attn'`: scores `c_{n,i,j} = b_j + Σ_{t∈{−1,0,1}} v_{t,j}·Φ_{n,i+t,j}`
 *   (a depthwise conv of width 3 along the input axis, zero padded),
 *   `α_{n,i,:} = softmax_j(c_{n,i,:}/max(τ,1))`, `z_{n,i} = Σ_j α_{n,i,j}·Φ_{n,i,j}`.
 * - `'multistep'`: `z_{n,i} = w·Φ_{n,i,:} + b`.
 *
 * Initial phases `s_j = (j − k)/g`, `e_j = s_j + (k+1)/g`, j = 0..g+k−1.
 * Input `[batch, ..., I]` → output `[batch, ..., units]`.
 * Weights: `phase_low [g+k]`, `phase_high [g+k]`; `reduce_kernel [g+k]`,
 * `reduce_bias [1]` (global-attn, multistep); `conv_kernel [3, g+k]`,
 * `conv_bias [g+k]` (spatial-attn); `temperature []` (attention reductions);
 * `ln_gamma [I]`, `ln_beta [I]` (if `useLayerNorm`); `kernel [I, O]`. No bias.
 * Parameters (global-attn): `O·I + 3(g+k) + 2 + 2I`; spatial-attn:
 * `O·I + 6(g+k) + 1 + 2I`; multistep: `O·I + 3(g+k) + 1 + 2I`
 * (minus `2I` without layer norm).
 *
 * Paper: Ta et al., "AF-KAN: Activation Function-Based Kolmogorov-Arnold
 * Networks for Efficient Representation Learning", 2025, arXiv:2503.06112.
 * Follows: hoangthangta/All-KAN `models/af_kan.py` @ 8ed977f, `AF_KANLayer.extract_features`,
 * `cal_output`, `activation`, `global_attn`, `spatial_attn`, `multistep`.
 * Deviations:
 * - `reduction` is honoured; the reference's `AF_KAN` never passes `methods`
 *   to its layers, so every layer there runs `global_attn` whatever is asked,
 *   and its multi-method stacking (`combined_type`) is not ported (its extra
 *   slots stay zero in the reference).
 * - No `func_norm` (the reference's global L2 + min-max over the whole batch
 *   tensor): it makes the output depend on the other samples in the batch. This
 *   equals the reference with `func_norm=False`, the default of its `run.py`.
 * - Unknown activation names throw; the reference silently uses the identity
 *   (available here as `'linear'`).
 * - Only the used parameters are created (the reference also registers unused
 *   q/k/v, multi-head and local-attention modules and an unused bias), and
 *   `temperature` is created only for the attention reductions.
 * - Only LayerNorm or no norm (`useLayerNorm`); the reference's BatchNorm
 *   option is not offered. LayerNorm over I = 1 input is rejected (it outputs
 *   a constant).
 * - Kernels are `[in, out]`; the reference's `base_weight` is `[out, in]`.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.AFKAN({units: 8, func: 'sum-prod'});
 * console.log(layer.getClassName(), layer.apply(tf.randomUniform([3, 4], -1, 1)).shape); // AFKAN [3, 8]
 * ```
 */
export class AFKAN extends tfl.layers.Layer {
  static className = 'AFKAN';
  readonly units: number;
  readonly gridSize: number;
  readonly splineOrder: number;
  readonly activation: AFKANActivation;
  readonly func: AFKANFunc;
  readonly reduction: AFKANReduction;
  readonly useLayerNorm: boolean;
  readonly seed: number | null;
  private phaseLow!: tfl.LayerVariable; // [g+k]
  private phaseHigh!: tfl.LayerVariable; // [g+k]
  private reduceKernel: tfl.LayerVariable | null = null; // [g+k]
  private reduceBias: tfl.LayerVariable | null = null; // [1]
  private convKernel: tfl.LayerVariable | null = null; // [3, g+k]
  private convBias: tfl.LayerVariable | null = null; // [g+k]
  private temperature: tfl.LayerVariable | null = null; // []
  private lnGamma: tfl.LayerVariable | null = null; // [I]
  private lnBeta: tfl.LayerVariable | null = null; // [I]
  private kernel!: tfl.LayerVariable; // [I, O]

  constructor(args: AFKANArgs) {
    super(args);
    this.units = positiveInt(args.units, 'units', WHO);
    this.gridSize = positiveInt(args.gridSize ?? DEFAULTS.gridSize, 'gridSize', WHO);
    this.splineOrder = nonNegativeInt(args.splineOrder ?? DEFAULTS.splineOrder, 'splineOrder', WHO);
    this.activation = oneOf(args.activation ?? DEFAULTS.activation, AFKAN_ACTIVATIONS, 'activation', WHO);
    this.func = oneOf(args.func ?? DEFAULTS.func, AFKAN_FUNCS, 'func', WHO);
    this.reduction = oneOf(args.reduction ?? DEFAULTS.reduction, AFKAN_REDUCTIONS, 'reduction', WHO);
    this.useLayerNorm = bool(args.useLayerNorm ?? DEFAULTS.useLayerNorm, 'useLayerNorm', WHO);
    this.seed = args.seed == null ? null : finiteNumber(args.seed, 'seed', WHO);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    warnIfFloat16(WHO, 'the gradients of its attention reduction were measured 1-3.5 % off float32 there.');
    const inDim = knownLastDim(inputShape, WHO);
    if (this.useLayerNorm && inDim < 2) {
      fail(WHO, 'input size with useLayerNorm', 'at least 2 (LayerNorm over one value is constant)', inDim);
    }
    const n = this.gridSize + this.splineOrder;
    const {low, high} = reluKnots(this.gridSize, this.splineOrder);
    const zeros = tfl.initializers.zeros();
    this.phaseLow = this.addWeight('phase_low', [n], 'float32', zeros);
    this.phaseHigh = this.addWeight('phase_high', [n], 'float32', zeros);
    tf.tidy(() => {
      this.phaseLow.write(tf.tensor1d(low));
      this.phaseHigh.write(tf.tensor1d(high));
    });
    // torch's default init of Linear and Conv: kaiming_uniform(a=√5), U(±1/√fan_in), weight and bias.
    const uniform = (fanIn: number, k: number) => {
      const bound = kaimingUniformBound(fanIn, Math.sqrt(5));
      return tfl.initializers.randomUniform({
        minval: -bound,
        maxval: bound,
        seed: this.seed == null ? undefined : this.seed + k,
      });
    };
    if (this.reduction === 'spatial-attn') {
      // Conv1d(g+k, g+k, 3, groups=g+k): fan_in 3.
      this.convKernel = this.addWeight('conv_kernel', [3, n], 'float32', uniform(3, 0));
      this.convBias = this.addWeight('conv_bias', [n], 'float32', uniform(3, 1));
    } else {
      // Linear(g+k, 1): fan_in g+k.
      this.reduceKernel = this.addWeight('reduce_kernel', [n], 'float32', uniform(n, 0));
      this.reduceBias = this.addWeight('reduce_bias', [1], 'float32', uniform(n, 1));
    }
    if (this.reduction !== 'multistep') {
      this.temperature = this.addWeight(
        'temperature',
        [],
        'float32',
        tfl.initializers.constant({value: Math.sqrt(inDim)}),
      );
    }
    if (this.useLayerNorm) {
      this.lnGamma = this.addWeight('ln_gamma', [inDim], 'float32', tfl.initializers.ones());
      this.lnBeta = this.addWeight('ln_beta', [inDim], 'float32', zeros);
    }
    // kaiming_uniform(a=√5) on base_weight (O, I): U(±1/√I).
    this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', uniform(inDim, 2));
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return replaceLastDim(inputShape, this.units);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      applyOnLastAxis(singleInput(inputs, WHO), x => {
        const [N, I] = x.shape;
        const n = this.gridSize + this.splineOrder;
        const xe = tf.expandDims(x, 2); // [N, I, 1]
        const x1 = afActivation(tf.sub(xe, this.phaseLow.read()), this.activation); // [N, I, n]
        const x2 = afActivation(tf.sub(this.phaseHigh.read(), xe), this.activation); // [N, I, n]
        const phi = afCombine(x1, x2, this.func); // [N, I, n]
        let z: tf.Tensor; // [N, I]
        if (this.reduction === 'spatial-attn') {
          const padded = tf.pad(phi, [
            [0, 0],
            [1, 1],
            [0, 0],
          ]); // [N, I+2, n]
          const v = this.convKernel!.read(); // [3, n]
          // addN needs equal shapes; the bias broadcasts, so add it last.
          const scores = tf.add(
            tf.addN([
              tf.mul(tf.slice(padded, [0, 0, 0], [N, I, n]), tf.slice(v, [0, 0], [1, n])), // input i−1
              tf.mul(phi, tf.slice(v, [1, 0], [1, n])), // input i
              tf.mul(tf.slice(padded, [0, 2, 0], [N, I, n]), tf.slice(v, [2, 0], [1, n])), // input i+1
            ]),
            this.convBias!.read(),
          ); // [N, I, n]
          const alpha = tf.softmax(tf.div(scores, tf.maximum(this.temperature!.read(), 1))); // [N, I, n] over n
          z = tf.sum(tf.mul(alpha, phi), 2); // [N, I]
        } else {
          // w·Φ as multiply + sum: a [N·I, n]×[n, 1] matMul (and its skinny
          // gradients) is several times slower on wasm.
          const a = tf.add(tf.sum(tf.mul(phi, this.reduceKernel!.read()), 2), this.reduceBias!.read()); // [N, I]
          if (this.reduction === 'multistep') {
            z = a;
          } else {
            const alpha = tf.softmax(tf.div(a, tf.maximum(this.temperature!.read(), 1))); // [N, I] over I
            z = tf.mul(alpha, tf.sum(phi, 2)); // [N, I]
          }
        }
        if (this.useLayerNorm) {
          const {mean, variance} = tf.moments(z, 1, true); // [N, 1]
          const normed = tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, LN_EPSILON))); // [N, I]
          z = tf.add(tf.mul(normed, this.lnGamma!.read()), this.lnBeta!.read()); // [N, I]
        }
        return tf.matMul(afActivation(z, this.activation) as tf.Tensor2D, this.kernel.read() as tf.Tensor2D); // [N, O]
      }),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      gridSize: this.gridSize,
      splineOrder: this.splineOrder,
      activation: this.activation,
      func: this.func,
      reduction: this.reduction,
      useLayerNorm: this.useLayerNorm,
      seed: this.seed,
    };
  }
}

/**
 * AF-KAN layer (All-KAN), MLP-sized; maths and references on {@link AFKAN}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.afKAN({units: 8, inputShape: [4]}), // silu, quad1, global-attn
 *   tfa.layers.afKAN({units: 2, func: 'sum-prod', reduction: 'multistep'})]});
 * console.log(model.layers[0].countParams()); // 8·4 + 3·6 + 2 + 2·4 = 60
 * model.predict(tf.randomUniform([3, 4], -1, 1)).print(); // a [3, 2] tensor
 * ```
 * @see AFKAN
 */
export function afKAN(args: AFKANArgs): AFKAN {
  return new AFKAN(args);
}
tf.serialization.registerClass(AFKAN);
