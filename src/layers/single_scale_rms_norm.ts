/**
 * Single-scale RMSNorm of Outlier-Safe Pre-Training: RMS normalisation over
 * the last axis with one learnable scalar gain.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {knownLastDim, positiveNumber} from '../validate';
import {singleInput} from './utils';

/** Arguments of {@link SingleScaleRMSNorm}; every field survives getConfig → fromConfig. */
export interface SingleScaleRMSNormArgs extends LayerArgs {
  /** ε added to the mean square before the square root. Finite, > 0. Default 1e-6 (Flax `nn.RMSNorm` and the torchtitan port). */
  epsilon?: number;
}

const DEFAULTS = {epsilon: 1e-6} as const;
const WHO = 'SingleScaleRMSNorm';

/**
 * RMS normalisation over the last axis with a single learnable scalar scale.
 *
 * `y = γ · x / sqrt(mean(x², axis=−1) + ε)`, γ a scalar initialised to 1.
 * Input `[batch, ..., D]` → output the same shape.
 * Weights: `scale []`.
 *
 * Paper: Park et al., "Outlier-Safe Pre-Training for Robust 4-Bit Quantization
 * of Large Language Models", 2025, arXiv:2506.19697.
 * Follows: dmis-lab/Outlier-Safe-Pre-Training `example_modeling_flax.py`
 * (`nn.RMSNorm(feature_axes=())` when `rmsnorm_scale='single'`) and the
 * torchtitan port `SingleScaleRMSNorm.forward`
 * (`ssnorm_scale * F.rms_norm(x, normalized_shape, eps=1e-6)`).
 * Deviations:
 * - The scale is stored with shape `[]`; the torchtitan port uses `(1,)` (same value).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.SingleScaleRMSNorm();
 * layer.apply(tf.tensor2d([[3, 4], [1, -1]])).print(); // rows scaled to unit RMS
 * console.log(layer.getClassName(), layer.countParams()); // SingleScaleRMSNorm 1
 * ```
 */
export class SingleScaleRMSNorm extends tfl.layers.Layer {
  static className = 'SingleScaleRMSNorm';
  readonly epsilon: number;
  private scale: tfl.LayerVariable | null = null;

  constructor(args: SingleScaleRMSNormArgs = {}) {
    super(args); // on load args also carries `customObjects`: read only own fields
    this.epsilon = positiveNumber(args.epsilon ?? DEFAULTS.epsilon, 'epsilon', WHO);
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    knownLastDim(inputShape, WHO);
    this.scale = this.addWeight('scale', [], 'float32', tfl.initializers.ones());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, WHO); // [batch, ..., D]
      const ms = tf.mean(tf.square(x), -1, true); // [batch, ..., 1]
      return tf.mul(this.scale!.read(), tf.mul(x, tf.rsqrt(tf.add(ms, this.epsilon)))); // [batch, ..., D]
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), epsilon: this.epsilon};
  }
}

/**
 * Single-scale RMSNorm (one learnable scalar gain); maths and references on {@link SingleScaleRMSNorm}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const norm = tfa.layers.singleScaleRMSNorm();
 * norm.apply(tf.tensor2d([[3, 4], [1, -1]])).print(); // rows scaled to unit RMS
 * ```
 * @see SingleScaleRMSNorm
 */
export function singleScaleRMSNorm(args?: SingleScaleRMSNormArgs): SingleScaleRMSNorm {
  return new SingleScaleRMSNorm(args);
}

tf.serialization.registerClass(SingleScaleRMSNorm);
