/**
 * Sign activation trained by surrogate-gradient learning: the forward pass is
 * `sign(x)`, the backward pass uses a smooth surrogate derivative.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {oneOf, positiveNumber} from '../validate';
import {singleInput, unaryCustomGrad} from './utils';

/** The surrogate derivatives {@link SurrogateSign} offers. */
export type SurrogateKind = 'sigmoid' | 'erf' | 'triangle';
const KINDS: readonly SurrogateKind[] = ['sigmoid', 'erf', 'triangle'];

/** Arguments of {@link SurrogateSign}; every field survives getConfig → fromConfig. */
export interface SurrogateSignArgs extends LayerArgs {
  /** Which surrogate derivative replaces sign's (zero almost everywhere) derivative. Default `'erf'`. */
  surrogate?: SurrogateKind;
  /** Sharpness β > 0 of the surrogate (larger: narrower, taller). Default 1. */
  beta?: number;
}

const DEFAULTS = {surrogate: 'erf' as SurrogateKind, beta: 1} as const;
const WHO = 'SurrogateSign';

/**
 * The surrogate derivative `s(x)` of `sign`, elementwise. Each is the exact
 * derivative of a smooth sign approximation with values in [−1, 1], so each
 * integrates to 2, the height of sign's jump:
 * - sigmoid: `s(x) = 2β·σ(βx)·(1 − σ(βx))`   (from `2σ(βx) − 1`)
 * - erf:     `s(x) = (2β/√π)·exp(−β²x²)`      (from `erf(βx)`)
 * - triangle:`s(x) = β·max(0, 1 − β|x|/2)`    (from the piecewise-quadratic sign; a triangle of height β, half-width 2/β)
 * The caller disposes the result.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * tfa.layers.surrogateDerivative(tf.tensor1d([0, 1]), 'triangle', 1).print(); // [1, 0.5]
 * ```
 */
export function surrogateDerivative(x: tf.Tensor, kind: SurrogateKind, beta: number): tf.Tensor {
  return tf.tidy(() => {
    if (kind === 'sigmoid') {
      const s = tf.sigmoid(tf.mul(x, beta));
      return tf.mul(2 * beta, tf.mul(s, tf.sub(1, s)));
    }
    if (kind === 'erf') {
      return tf.mul((2 * beta) / Math.sqrt(Math.PI), tf.exp(tf.mul(-beta * beta, tf.square(x))));
    }
    return tf.mul(beta, tf.relu(tf.sub(1, tf.mul(beta / 2, tf.abs(x)))));
  });
}

/**
 * Sign activation with a surrogate gradient (surrogate-gradient learning, SGL).
 *
 * Forward: `y = sign(x)` ∈ {−1, 0, 1} (0 only at x = 0).
 * Backward: `∂L/∂x = ∂L/∂y · s(x)` with the surrogate derivative `s` chosen by
 * `surrogate` and sharpened by `beta` (formulas on {@link surrogateDerivative}):
 * sigmoid `2β·σ(βx)(1−σ(βx))`, erf `(2β/√π)·e^{−β²x²}`, triangle `β·max(0, 1−β|x|/2)`.
 * Input `[batch, ...]` → output the same shape. No weights.
 *
 * Paper: Eilers, Memmesheimer & Goedeke, "A generalized neural tangent kernel
 * for surrogate gradient learning", NeurIPS 2024, arXiv:2405.15539 (sign
 * networks trained with surrogate derivatives; erf approximations of sign in
 * the analysis). Surrogate shapes as in Neftci, Mostafa & Zenke, "Surrogate
 * Gradient Learning in Spiking Neural Networks", 2019, arXiv:1901.09948.
 * Follows: no reference code was available; written from the definitions above.
 * Deviations:
 * - Each surrogate is normalised to integrate to 2 (the jump of sign, since
 *   sign ∈ [−1, 1]); papers on spiking nets (Heaviside, jump 1) use half of it.
 *   The paper's exact β parametrisation could not be checked.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.SurrogateSign({surrogate: 'erf', beta: 2});
 * layer.apply(tf.tensor1d([-0.3, 0.2])).print(); // [-1, 1]
 * ```
 */
export class SurrogateSign extends tfl.layers.Layer {
  static className = 'SurrogateSign';
  readonly surrogate: SurrogateKind;
  readonly beta: number;
  private readonly op: (x: tf.Tensor) => tf.Tensor;

  constructor(args: SurrogateSignArgs = {}) {
    super(args);
    this.surrogate = oneOf(args.surrogate ?? DEFAULTS.surrogate, KINDS, 'surrogate', WHO);
    this.beta = positiveNumber(args.beta ?? DEFAULTS.beta, 'beta', WHO);
    this.supportsMasking = true;
    const {surrogate, beta} = this;
    this.op = unaryCustomGrad(
      x => tf.sign(x),
      (dy, x) => tf.mul(dy, surrogateDerivative(x, surrogate, beta)),
    );
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => this.op(singleInput(inputs, WHO)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), surrogate: this.surrogate, beta: this.beta};
  }
}

/**
 * Sign activation with a surrogate gradient; maths and references on {@link SurrogateSign}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const act = tfa.layers.surrogateSign({surrogate: 'sigmoid', beta: 4});
 * const x = tf.tensor1d([-0.5, 0.1, 2]);
 * act.apply(x).print();                           // [-1, 1, 1]
 * tf.grad(v => tf.sum(act.apply(v)))(x).print();  // 2β·σ(βx)(1−σ(βx))
 * ```
 * @see SurrogateSign
 */
export function surrogateSign(args?: SurrogateSignArgs): SurrogateSign {
  return new SurrogateSign(args);
}

tf.serialization.registerClass(SurrogateSign);
