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
  /**
   * Standard deviation of the normal init of `spline_kernel`: a finite number
   * >= 0 (fast-kan uses 0.1), or `'glorot'` (default): σ² = 2/((I + O)·m₂) with
   * m₂ = E[Σ_j b_j(z)²] for z ~ N(0, 1), so the RBF branch's output variance at
   * init equals a glorot-initialised Dense of the same fan-in and fan-out
   * (I·m₂·σ² = 2I/(I + O)) instead of growing with I.
   */
  splineInitScale?: number | 'glorot';
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
  splineInitScale: 'glorot',
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
 * Init: `spline_kernel ~ N(0, σ²)` with σ from `splineInitScale` (default `'glorot'`:
 * σ² = 2/((I+O)·m₂), m₂ = E_{z~N(0,1)} Σ_j b_j(z)², in closed form
 * `Σ_j exp(−2c_j²/(h²+4))·h/√(h²+4)`); base as torch `nn.Linear` (`U(±1/√I)` for kernel and bias);
 * LayerNorm gamma 1, beta 0.
 *
 * Paper: Li, "Kolmogorov-Arnold Networks are Radial Basis Function Networks", 2024, arXiv:2405.06721.
 * Follows: ZiyaoLi/fast-kan `fastkan/fastkan.py` @ 17b6540, `SplineLinear`,
 * `RadialBasisFunction`, `FastKANLayer.forward`.
 * Deviations:
 * - Kernels are `[in, ..., out]`; the reference stores `[out, in·n]` (same values, transposed).
 * - `spline_kernel` init is an untruncated normal (the reference truncates at ±2 absolute,
 *   i.e. at 20σ: no difference in practice).
 * - Default `spline_kernel` scale is `'glorot'`, not fast-kan's fixed 0.1: with
 *   σ = 0.1 the RBF branch's output variance is ≈ 0.01·m₂·I (m₂ ≈ 1.22 for the
 *   default grid), std ≈ 3.1 for I = 784 against ≈ 1.1 for a glorot Dense, so a
 *   wide rbfKAN dropped in for a Dense started with a much larger loss (issue 12:
 *   3.9 vs 0.3 on a regression). `splineInitScale: 0.1` restores fast-kan.
 * - The Gaussians on the evenly spaced grid come from a product chain with two
 *   `exp` per block of centres (`rbfBasisFeatureMajor`): the same function,
 *   float32 error ~1e-6 absolute instead of ~2e-7 (wasm's `exp` is scalar).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.RBFKAN({units: 8, seed: 1});
 * console.log(layer.getClassName(), layer.apply(tf.randomNormal([3, 4])).shape); // RBFKAN [3, 8]
 * ```
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
  readonly splineInitScale: number | 'glorot';
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
      [args.gridMin ?? DEFAULTS.gridMin, args.gridMax ?? DEFAULTS.gridMax],
      '[gridMin, gridMax]',
      WHO,
    );
    this.useLayerNorm = bool(args.useLayerNorm ?? DEFAULTS.useLayerNorm, 'useLayerNorm', WHO);
    this.useBase = bool(args.useBase ?? DEFAULTS.useBase, 'useBase', WHO);
    this.baseActivation = baseActivationArg(args.baseActivation ?? DEFAULTS.baseActivation, WHO);
    const scale = args.splineInitScale ?? DEFAULTS.splineInitScale;
    this.splineInitScale = scale === 'glorot' ? scale : finiteNumber(scale, 'splineInitScale', WHO, {min: 0});
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
    this.splineKernel = this.addWeight(
      'spline_kernel',
      [inDim, this.numCenters, this.units],
      'float32',
      tfl.initializers.randomNormal({mean: 0, stddev: this.splineStd(inDim), seed: seed(0)}),
    );
    if (this.useBase) {
      const bound = kaimingUniformBound(inDim, Math.sqrt(5)); // nn.Linear: U(±1/√I)
      this.baseKernel = this.addWeight(
        'base_kernel',
        [inDim, this.units],
        'float32',
        tfl.initializers.randomUniform({minval: -bound, maxval: bound, seed: seed(1)}),
      );
      this.baseBias = this.addWeight(
        'base_bias',
        [this.units],
        'float32',
        tfl.initializers.randomUniform({minval: -bound, maxval: bound, seed: seed(2)}),
      );
    }
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  /** The standard deviation of the `spline_kernel` init for I = `inDim` inputs. */
  splineStd(inDim: number): number {
    if (this.splineInitScale !== 'glorot') return this.splineInitScale;
    const {centers, width} = rbfGrid(this.gridMin, this.gridMax, this.numCenters);
    return Math.sqrt(2 / ((inDim + this.units) * rbfSecondMoment(centers, width)));
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
 * m₂ = E[Σ_j exp(−2((z − c_j)/h)²)] for z ~ N(0, 1): the Gaussian integral
 * E[exp(−a(z − c)²)] = exp(−a c²/(1 + 2a))/√(1 + 2a) with a = 2/h².
 */
function rbfSecondMoment(centers: number[], width: number): number {
  const a = 2 / (width * width);
  return centers.reduce((s, c) => s + Math.exp((-a * c * c) / (1 + 2 * a)) / Math.sqrt(1 + 2 * a), 0);
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
