/**
 * RBFKAN (FastKAN): Gaussian radial basis functions on a LayerNorm-ed input,
 * one matMul, plus a SiLU base branch with bias.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {ValueError, bool, finiteNumber, integer, knownLastDim} from '../../validate';
import {applyOnLastAxis, replaceLastDim, singleInput} from '../utils';
import {rbfBasisFeatureMajor, rbfGrid} from './basis';
import {
  applyBaseActivation,
  baseActivationArg,
  featureMajorMatMul,
  matMulLazyGrads,
  kaimingUniformBound,
  kanRange,
  kanUnits,
} from './common';
import type {BaseActivation} from './common';

/** Arguments of {@link RBFKAN}; every field survives getConfig → fromConfig. */
export interface RBFKANArgs extends LayerArgs {
  /** Output width O. Positive integer; required. */
  units: number;
  /** Number n of Gaussian centres per input. Integer >= 2. Default 8. */
  numCenters?: number;
  /** First centre. Finite, < gridMax. Default -2. */
  gridMin?: number;
  /** Last centre. Finite, > gridMin. Default 2. */
  gridMax?: number;
  /** LayerNorm (with affine, epsilon 1e-5) on the RBF path; needs I > 1. Default true. */
  useLayerNorm?: boolean;
  /** Adds the base branch `baseActivation(x)·base_kernel + base_bias`. Default true. */
  useBase?: boolean;
  /** Base activation ('silu', 'relu', 'tanh', 'sigmoid', 'softplus', 'elu', 'linear'). Default 'silu'. */
  baseActivation?: BaseActivation;
  /** Standard deviation of the normal init of `spline_kernel`. Finite, >= 0. Default 0.1. */
  splineInitScale?: number;
  /** Seed for the weight initialisers. Default null (unseeded). */
  seed?: number | null;
}

const DEFAULTS = {
  numCenters: 8,
  gridMin: -2,
  gridMax: 2,
  useLayerNorm: true,
  useBase: true,
  baseActivation: 'silu' as BaseActivation,
  splineInitScale: 0.1,
} as const;
const WHO = 'RBFKAN';
const LN_EPSILON = 1e-5; // torch nn.LayerNorm default, as FastKAN

/**
 * FastKAN layer: Gaussian RBFs of the layer-normalised input, one matMul, plus
 * a SiLU base branch.
 *
 * `z = LayerNorm(x)` (over the I inputs, affine `ln_gamma`, `ln_beta`, ε 1e-5),
 * `b_j(z_i) = exp(−((z_i − c_j)/h)²)` with `c = linspace(gridMin, gridMax, n)`,
 * `h = (gridMax − gridMin)/(n − 1)`;
 * `y_o = Σ_{i,j} b_j(z_i)·spline_kernel[i,j,o] + Σ_i silu(x_i)·base_kernel[i,o] + base_bias_o`
 * (the base branch sees the raw x).
 * Input `[batch, ..., I]` → output `[batch, ..., units]`.
 * Weights: `ln_gamma [I]`, `ln_beta [I]` (if useLayerNorm), `spline_kernel [I,n,O]`,
 * `base_kernel [I,O]`, `base_bias [O]` (if useBase).
 * Parameters: `I·O·n + I·O + O + 2I` with both options on.
 * Init: `spline_kernel ~ N(0, 0.1²)`; base as torch `nn.Linear` (`U(±1/√I)` for kernel and bias);
 * LayerNorm gamma 1, beta 0.
 *
 * Paper: Li, "Kolmogorov-Arnold Networks are Radial Basis Function Networks", 2024, arXiv:2405.06721.
 * Follows: ZiyaoLi/fast-kan `fastkan/fastkan.py` @ 17b6540, `SplineLinear`,
 * `RadialBasisFunction`, `FastKANLayer.forward`.
 * Deviations:
 * - Kernels are `[in, ..., out]`; the reference stores `[out, in·n]` (same values, transposed).
 * - `spline_kernel` init is an untruncated normal (the reference truncates at ±2 absolute,
 *   i.e. at 20σ: no difference in practice).
 */
export class RBFKAN extends tfl.layers.Layer {
  static className = 'RBFKAN';
  readonly units: number;
  readonly numCenters: number;
  readonly gridMin: number;
  readonly gridMax: number;
  readonly useLayerNorm: boolean;
  readonly useBase: boolean;
  readonly baseActivation: BaseActivation;
  readonly splineInitScale: number;
  readonly seed: number | null;
  private lnGamma: tfl.LayerVariable | null = null; // [I]
  private lnBeta: tfl.LayerVariable | null = null; // [I]
  private splineKernel!: tfl.LayerVariable; // [I, n, O]
  private baseKernel: tfl.LayerVariable | null = null; // [I, O]
  private baseBias: tfl.LayerVariable | null = null; // [O]

  constructor(args: RBFKANArgs) {
    super(args);
    this.units = kanUnits(args.units, WHO);
    this.numCenters = integer(args.numCenters ?? DEFAULTS.numCenters, 'numCenters', WHO, 2);
    [this.gridMin, this.gridMax] = kanRange(
      [args.gridMin ?? DEFAULTS.gridMin, args.gridMax ?? DEFAULTS.gridMax], '[gridMin, gridMax]', WHO);
    this.useLayerNorm = bool(args.useLayerNorm ?? DEFAULTS.useLayerNorm, 'useLayerNorm', WHO);
    this.useBase = bool(args.useBase ?? DEFAULTS.useBase, 'useBase', WHO);
    this.baseActivation = baseActivationArg(args.baseActivation ?? DEFAULTS.baseActivation, WHO);
    this.splineInitScale = finiteNumber(args.splineInitScale ?? DEFAULTS.splineInitScale, 'splineInitScale', WHO, {min: 0});
    this.seed = args.seed == null ? null : finiteNumber(args.seed, 'seed', WHO);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    if (this.useLayerNorm && inDim < 2) {
      // LayerNorm over one feature outputs beta only (fast-kan #7); the reference asserts I > 1.
      throw new ValueError(`${WHO}: useLayerNorm needs more than one input feature, got input shape [${inputShape}].`);
    }
    const seed = (k: number) => (this.seed == null ? undefined : this.seed + k);
    if (this.useLayerNorm) {
      this.lnGamma = this.addWeight('ln_gamma', [inDim], 'float32', tfl.initializers.ones());
      this.lnBeta = this.addWeight('ln_beta', [inDim], 'float32', tfl.initializers.zeros());
    }
    this.splineKernel = this.addWeight('spline_kernel', [inDim, this.numCenters, this.units], 'float32',
      tfl.initializers.randomNormal({mean: 0, stddev: this.splineInitScale, seed: seed(0)}));
    if (this.useBase) {
      const bound = kaimingUniformBound(inDim, Math.sqrt(5)); // nn.Linear: U(±1/√I)
      this.baseKernel = this.addWeight('base_kernel', [inDim, this.units], 'float32',
        tfl.initializers.randomUniform({minval: -bound, maxval: bound, seed: seed(1)}));
      this.baseBias = this.addWeight('base_bias', [this.units], 'float32',
        tfl.initializers.randomUniform({minval: -bound, maxval: bound, seed: seed(2)}));
    }
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return replaceLastDim(inputShape, this.units);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => applyOnLastAxis(singleInput(inputs, WHO), x => this.forward2d(x)));
  }

  /** The layer on `x [N, I]` → `[N, O]`. */
  private forward2d(x: tf.Tensor2D): tf.Tensor2D {
    let z: tf.Tensor2D = x;
    if (this.lnGamma != null && this.lnBeta != null) {
      const {mean, variance} = tf.moments(x, 1, true); // [N, 1] each, biased variance as torch
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPSILON))); // [N, I]
      z = tf.add(tf.mul(normed, this.lnGamma.read()), this.lnBeta.read()) as tf.Tensor2D; // [N, I]
    }
    const {centers, width} = rbfGrid(this.gridMin, this.gridMax, this.numCenters);
    const bases = rbfBasisFeatureMajor(z, centers, width); // [N, n, I]
    const kernel = tf.transpose(this.splineKernel.read(), [1, 0, 2]) as tf.Tensor3D; // [n, I, O]
    let y = featureMajorMatMul(bases, kernel); // [N, O]
    if (this.baseKernel != null && this.baseBias != null) {
      const act = applyBaseActivation(x, this.baseActivation) as tf.Tensor2D; // [N, I]
      const base = matMulLazyGrads(act, this.baseKernel.read() as tf.Tensor2D); // [N, O]
      y = tf.add(y, tf.add(base, this.baseBias.read())) as tf.Tensor2D;
    }
    return y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      numCenters: this.numCenters,
      gridMin: this.gridMin,
      gridMax: this.gridMax,
      useLayerNorm: this.useLayerNorm,
      useBase: this.useBase,
      baseActivation: this.baseActivation,
      splineInitScale: this.splineInitScale,
      seed: this.seed,
    };
  }
}

/**
 * FastKAN layer (Gaussian RBF basis on a LayerNorm-ed input); maths and references on {@link RBFKAN}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.rbfKAN({units: 8, inputShape: [4], seed: 1}),
 *   tfa.layers.rbfKAN({units: 2, seed: 2})]});
 * model.predict(tf.randomNormal([3, 4])).print(); // a [3, 2] tensor
 * ```
 * @see RBFKAN
 */
export function rbfKAN(args: RBFKANArgs): RBFKAN {
  return new RBFKAN(args);
}

tf.serialization.registerClass(RBFKAN);
