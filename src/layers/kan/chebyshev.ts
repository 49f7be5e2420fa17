/**
 * ChebyshevKAN: Chebyshev polynomials of tanh(x), by the recurrence, and one matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {finiteNumber, knownLastDim, nonNegativeInt} from '../../validate';
import {applyOnLastAxis, replaceLastDim, singleInput} from '../utils';
import {chebyshevBasisFeatureMajor} from './basis';
import {featureMajorMatMul, kanUnits} from './common';

/** Arguments of {@link ChebyshevKAN}; every field survives getConfig → fromConfig. */
export interface ChebyshevKANArgs extends LayerArgs {
  /** Output width O. Positive integer; required. */
  units: number;
  /** Highest polynomial degree D; the basis has D + 1 terms. Integer >= 0. Default 3. */
  degree?: number;
  /** Seed for the weight initialiser. Default null (unseeded). */
  seed?: number | null;
}

const DEFAULTS = {degree: 3} as const;
const WHO = 'ChebyshevKAN';

/**
 * ChebyKAN layer: a learnable Chebyshev series of tanh(x_i) on every edge.
 *
 * `x̃ = tanh(x)`, `T_0 = 1`, `T_1 = x̃`, `T_{d+1} = 2x̃·T_d − T_{d−1}`;
 * `y_o = Σ_i Σ_{d=0..D} T_d(x̃_i)·cheby_kernel[i,d,o]` (no bias, no base branch).
 * Input `[batch, ..., I]` → output `[batch, ..., units]`.
 * Weights: `cheby_kernel [I, D+1, O]` ~ `N(0, σ²)`, `σ = 1/(I·(D+1))` (as the reference).
 * Parameters: `I·O·(D+1)`. The reference recommends LayerNorm between layers.
 *
 * Paper: SS et al., "Chebyshev Polynomial-Based Kolmogorov-Arnold Networks", 2024, arXiv:2405.07200.
 * Follows: SynodicMonth/ChebyKAN `ChebyKANLayer.py` @ 5f7efdd, `ChebyKANLayer.forward`.
 * Deviations:
 * - The polynomials come from the recurrence, not `cos(d·acos(x̃))` (same values; the
 *   acos form has an infinite gradient at x̃ = ±1, reached by tanh in float32 for |x| ≳ 9).
 * - Kernel `[in, D+1, out]`; the reference stores `(in, out, D+1)` (same values, permuted).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.ChebyshevKAN({units: 4, degree: 3, seed: 1});
 * console.log(layer.getClassName(), layer.apply(tf.randomUniform([3, 2], -1, 1)).shape); // ChebyshevKAN [3, 4]
 * ```
 */
export class ChebyshevKAN extends tfl.layers.Layer {
  static className = 'ChebyshevKAN';
  readonly units: number;
  readonly degree: number;
  readonly seed: number | null;
  private chebyKernel!: tfl.LayerVariable; // [I, D+1, O]

  constructor(args: ChebyshevKANArgs) {
    super(args);
    this.units = kanUnits(args.units, WHO);
    this.degree = nonNegativeInt(args.degree ?? DEFAULTS.degree, 'degree', WHO);
    this.seed = args.seed == null ? null : finiteNumber(args.seed, 'seed', WHO);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    this.chebyKernel = this.addWeight(
      'cheby_kernel',
      [inDim, this.degree + 1, this.units],
      'float32',
      tfl.initializers.randomNormal({mean: 0, stddev: 1 / (inDim * (this.degree + 1)), seed: this.seed ?? undefined}),
    );
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return replaceLastDim(inputShape, this.units);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      applyOnLastAxis(singleInput(inputs, WHO), x => {
        const kernel = tf.transpose(this.chebyKernel.read(), [1, 0, 2]) as tf.Tensor3D; // [D+1, I, O]
        const basis = chebyshevBasisFeatureMajor(tf.tanh(x), this.degree); // [N, D+1, I]
        return featureMajorMatMul(basis, kernel); // [N, O]
      }),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), units: this.units, degree: this.degree, seed: this.seed};
  }
}

/**
 * Chebyshev-polynomial KAN layer; maths and references on {@link ChebyshevKAN}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.chebyshevKAN({units: 4, degree: 3, inputShape: [2], seed: 1}),
 *   tf.layers.layerNormalization(),
 *   tfa.layers.chebyshevKAN({units: 1, seed: 2})]});
 * model.predict(tf.randomUniform([3, 2], -1, 1)).print(); // a [3, 1] tensor
 * ```
 * @see ChebyshevKAN
 */
export function chebyshevKAN(args: ChebyshevKANArgs): ChebyshevKAN {
  return new ChebyshevKAN(args);
}

tf.serialization.registerClass(ChebyshevKAN);
