/**
 * BSplineKAN: the B-spline Kolmogorov–Arnold layer with efficient-kan's
 * semantics, written as one basis expansion plus one matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {
  ValueError,
  bool,
  finiteData,
  finiteNumber,
  knownLastDim,
  nonNegativeInt,
  positiveInt,
  tensorArg,
} from '../../validate';
import {extendLayerGrid} from '../../kan/grid_extension';
import {applyOnLastAxis, replaceLastDim, singleInput} from '../utils';
import {bsplineBasis, bsplineBasisFeatureMajor, uniformKnots} from './basis';
import {
  applyBaseActivation,
  baseActivationArg,
  bsplineBasis64,
  featureMajorMatMul,
  matMulLazyGrads,
  kaimingUniformBound,
  kanRange,
  isLoadingWeights,
  kanUnits,
  l1EntropyLoss,
  dataGrid,
  minNormPinv,
  refitOperators,
} from './common';
import type {BaseActivation} from './common';

/** Weights of efficient-kan's regulariser (`regularization_loss`). */
export interface KANRegularization {
  /** Weight of the L1 term Σ_{i,o} mean_j |C[i, j, o]|. Finite, >= 0. Default 1. */
  l1?: number;
  /** Weight of the entropy of the normalised L1 values. Finite, >= 0. Default 1. */
  entropy?: number;
}

/** Arguments of {@link BSplineKAN}; every field survives getConfig → fromConfig. */
export interface BSplineKANArgs extends LayerArgs {
  /** Output width O. Positive integer; required. */
  units: number;
  /** Grid intervals G inside `gridRange`. Positive integer. Default 5. */
  gridSize?: number;
  /** Spline order k (3 = cubic); G+k bases per input. Integer >= 0. Default 3. */
  splineOrder?: number;
  /** Initial grid range `[a, b]`, a < b. Default `[-1, 1]`. */
  gridRange?: [number, number];
  /** Activation of the base branch: 'silu', 'relu', 'tanh', 'sigmoid', 'softplus', 'elu' or 'linear'. Default 'silu'. */
  baseActivation?: BaseActivation;
  /** Adds a bias `[O]` (efficient-kan has none). Default false. */
  useBias?: boolean;
  /** Amplitude of the noise the initial spline coefficients are fitted to. Finite, >= 0. Default 0.1. */
  scaleNoise?: number;
  /** efficient-kan's `scale_base`: base kernel ~ kaiming_uniform(a = √5·scaleBase). Finite, >= 0. Default 1. */
  scaleBase?: number;
  /** efficient-kan's `scale_spline`: scaler ~ kaiming_uniform(a = √5·scaleSpline). Finite, >= 0. Default 1. */
  scaleSpline?: number;
  /** Clip x into `[t_k, t_{G+k}]` on the spline path (the base path sees raw x). Default false. */
  clampToGrid?: boolean;
  /** Adds efficient-kan's L1 + entropy loss with these weights during `fit`. Default null (off). */
  regularization?: KANRegularization | null;
  /** Seed for the weight initialisers. Default null (unseeded). */
  seed?: number | null;
}

/** Options of {@link BSplineKAN.updateGrid}. */
export interface UpdateGridOptions {
  /** Padding added to the data range of the uniform part. Finite, >= 0. Default 0.01. */
  margin?: number;
  /** Blend weight of the uniform grid against the quantile grid, in [0, 1]. Default 0.02. */
  gridEps?: number;
}

const DEFAULTS = {
  gridSize: 5,
  splineOrder: 3,
  gridRange: [-1, 1] as [number, number],
  baseActivation: 'silu' as BaseActivation,
  useBias: false,
  scaleNoise: 0.1,
  scaleBase: 1,
  scaleSpline: 1,
  clampToGrid: false,
  margin: 0.01,
  gridEps: 0.02,
  l1: 1,
  entropy: 1,
} as const;
const WHO = 'BSplineKAN';

function regularizationArg(value: unknown): Required<KANRegularization> | null {
  if (value == null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ValueError(`${WHO}: regularization must be null or {l1, entropy}, got ${JSON.stringify(value)}.`);
  }
  const v = value as KANRegularization;
  return {
    l1: finiteNumber(v.l1 ?? DEFAULTS.l1, 'regularization.l1', WHO, {min: 0}),
    entropy: finiteNumber(v.entropy ?? DEFAULTS.entropy, 'regularization.entropy', WHO, {min: 0}),
  };
}

/**
 * B-spline KAN layer (efficient-kan's `KANLinear`): a SiLU base branch plus a
 * learnable B-spline on every input–output edge.
 *
 * `y_o = Σ_i base_kernel[i,o]·silu(x_i) + Σ_i Σ_j B_j(x_i)·spline_kernel[i,j,o]·spline_scaler[i,o] (+ bias_o)`,
 * with B_j the order-k B-splines (Cox–de Boor) on the per-input knots
 * `grid[i, :]` (G+2k+1 knots, initially `t_m = a + (m−k)(b−a)/G`). Computed as
 * the contraction of the features `[silu(x), B(x)]` with the kernel
 * `[base_kernel; spline_kernel ⊙ spline_scaler]` (a `[N, I]×[I, O]` plus a
 * `[N, I·(G+k)]×[I·(G+k), O]` matMul; no `[N, I, O]` tensor, no einsum).
 * Input `[batch, ..., I]` → output `[batch, ..., units]`.
 * Weights: `base_kernel [I,O]`, `spline_kernel [I,G+k,O]`, `spline_scaler [I,O]`,
 * `grid [I,G+2k+1]` (non-trainable), `bias [O]` if `useBias`.
 * Parameters: `I·O·(G+k+2)` (+ O with bias).
 *
 * Initialisation (efficient-kan): base kernel and scaler kaiming-uniform
 * `U(±√(6/((1+5s²)·I)))` (`U(±1/√I)` at s = 1); spline coefficients the
 * minimum-norm least-squares fit of noise `(U[0,1) − ½)·scaleNoise/G` at the
 * G+1 interior knots.
 *
 * Inputs outside `[t_0, t_{G+2k})` give an exactly zero spline branch (only the
 * base branch acts), as in the reference; `clampToGrid` clips the spline input
 * into `[t_k, t_{G+k}]` instead. `updateGrid` refits the grid to data.
 *
 * Paper: Liu et al., "KAN: Kolmogorov–Arnold Networks", 2024, arXiv:2404.19756.
 * Follows: Blealtan/efficient-kan `src/efficient_kan/kan.py` @ 7b6ce1c,
 * `KANLinear.__init__`, `reset_parameters`, `b_splines`, `curve2coeff`,
 * `forward`, `update_grid`, `regularization_loss`.
 * Deviations:
 * - Kernels are `[in, ..., out]`; the reference stores `[out, in, ...]` (same values, transposed).
 * - `updateGrid` divides the refit by `spline_scaler`; the reference writes the
 *   scaled refit into the unscaled weight, so the scaler is applied twice.
 * - `updateGrid` solves the least squares by float64 normal equations with a
 *   1e-8·tr/n ridge (tfjs has no lstsq); it never builds the `[N, I, O]` tensor.
 * - The entropy term uses ε = 1e-8 (`p·log(p+ε)`, `p = l1/(Σl1+ε)`), so a zero
 *   kernel gives 0, not NaN.
 * - Optional `useBias`, `clampToGrid`, `regularization` (reference: none).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.BSplineKAN({units: 4, gridSize: 5, seed: 1});
 * const y = layer.apply(tf.randomUniform([3, 2], -1, 1));
 * console.log(layer.getClassName(), y.shape, layer.countParams()); // BSplineKAN [3, 4] 104 (2·4·(5+3+2) = 80 trainable + the 2×12 grid)
 * ```
 */
export class BSplineKAN extends tfl.layers.Layer {
  static className = 'BSplineKAN';
  readonly units: number;
  readonly gridSize: number;
  readonly splineOrder: number;
  readonly gridRange: [number, number];
  readonly baseActivation: BaseActivation;
  readonly useBias: boolean;
  readonly scaleNoise: number;
  readonly scaleBase: number;
  readonly scaleSpline: number;
  readonly clampToGrid: boolean;
  readonly regularization: Required<KANRegularization> | null;
  readonly seed: number | null;
  private baseKernel!: tfl.LayerVariable; // [I, O]
  private splineKernel!: tfl.LayerVariable; // [I, G+k, O]
  private splineScaler!: tfl.LayerVariable; // [I, O]
  private grid!: tfl.LayerVariable; // [I, G+2k+1]
  private bias: tfl.LayerVariable | null = null; // [O]

  constructor(args: BSplineKANArgs) {
    super(args);
    this.units = kanUnits(args.units, WHO);
    this.gridSize = positiveInt(args.gridSize ?? DEFAULTS.gridSize, 'gridSize', WHO);
    this.splineOrder = nonNegativeInt(args.splineOrder ?? DEFAULTS.splineOrder, 'splineOrder', WHO);
    this.gridRange = kanRange(args.gridRange ?? DEFAULTS.gridRange, 'gridRange', WHO);
    this.baseActivation = baseActivationArg(args.baseActivation ?? DEFAULTS.baseActivation, WHO);
    this.useBias = bool(args.useBias ?? DEFAULTS.useBias, 'useBias', WHO);
    this.scaleNoise = finiteNumber(args.scaleNoise ?? DEFAULTS.scaleNoise, 'scaleNoise', WHO, {min: 0});
    this.scaleBase = finiteNumber(args.scaleBase ?? DEFAULTS.scaleBase, 'scaleBase', WHO, {min: 0});
    this.scaleSpline = finiteNumber(args.scaleSpline ?? DEFAULTS.scaleSpline, 'scaleSpline', WHO, {min: 0});
    this.clampToGrid = bool(args.clampToGrid ?? DEFAULTS.clampToGrid, 'clampToGrid', WHO);
    this.regularization = regularizationArg(args.regularization);
    this.seed = args.seed == null ? null : finiteNumber(args.seed, 'seed', WHO);
  }

  /** Number of bases per input, G + k. */
  get numBases(): number {
    return this.gridSize + this.splineOrder;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    const o = this.units;
    const n = this.numBases;
    const seed = (k: number) => (this.seed == null ? undefined : this.seed + k);
    const baseBound = kaimingUniformBound(inDim, Math.sqrt(5) * this.scaleBase);
    const scalerBound = kaimingUniformBound(inDim, Math.sqrt(5) * this.scaleSpline);
    this.baseKernel = this.addWeight(
      'base_kernel',
      [inDim, o],
      'float32',
      tfl.initializers.randomUniform({minval: -baseBound, maxval: baseBound, seed: seed(0)}),
    );
    this.splineKernel = this.addWeight('spline_kernel', [inDim, n, o], 'float32', tfl.initializers.zeros());
    this.splineScaler = this.addWeight(
      'spline_scaler',
      [inDim, o],
      'float32',
      tfl.initializers.randomUniform({minval: -scalerBound, maxval: scalerBound, seed: seed(1)}),
    );
    this.grid = this.addWeight(
      'grid',
      [inDim, n + this.splineOrder + 1],
      'float32',
      tfl.initializers.zeros(),
      undefined,
      false,
    );
    if (this.useBias) this.bias = this.addWeight('bias', [o], 'float32', tfl.initializers.zeros());
    // On load these values are overwritten right away, so skip the work.
    if (!isLoadingWeights(this)) this.initGridAndSpline(inDim, seed(2));
    if (this.regularization != null) {
      const reg = this.regularization;
      // Weight-based, so it is only evaluated when fit collects the layer losses.
      this.addLoss(() => this.regularizationLoss(reg));
    }
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  /** efficient-kan's `reset_parameters` for the grid and spline coefficients. */
  private initGridAndSpline(inDim: number, seed: number | undefined): void {
    const g = this.gridSize;
    const k = this.splineOrder;
    const n = this.numBases;
    const o = this.units;
    const knots = uniformKnots(g, k, this.gridRange);
    // A [G+1, G+k]: bases at the interior knots t_k … t_{G+k}; same for every input.
    const a = new Float64Array((g + 1) * n);
    for (let r = 0; r <= g; r++) a.set(bsplineBasis64(knots[k + r], knots, k), r * n);
    const pinv = minNormPinv(a, g + 1, n); // [G+k, G+1]
    tf.tidy(() => {
      const gridData = new Float32Array(inDim * knots.length);
      for (let i = 0; i < inDim; i++) gridData.set(knots, i * knots.length);
      this.grid.write(tf.tensor2d(gridData, [inDim, knots.length]));
      const half = (0.5 * this.scaleNoise) / g;
      const noise = tf.randomUniform([g + 1, inDim * o], -half, half, 'float32', seed); // [G+1, I·O]
      const coeff = tf.matMul(tf.tensor2d(Float32Array.from(pinv), [n, g + 1]), noise); // [G+k, I·O]
      this.splineKernel.write(tf.transpose(tf.reshape(coeff, [n, inDim, o]), [1, 0, 2])); // [I, G+k, O]
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return replaceLastDim(inputShape, this.units);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => applyOnLastAxis(singleInput(inputs, WHO), x => this.forward2d(x)));
  }

  /** The layer on `x [N, I]` → `[N, O]`. */
  private forward2d(x: tf.Tensor2D): tf.Tensor2D {
    const inDim = x.shape[1];
    const k = this.splineOrder;
    const grid = this.grid.read() as tf.Tensor2D; // [I, G+2k+1]
    const base = applyBaseActivation(x, this.baseActivation); // [N, I]
    let xs: tf.Tensor2D = x;
    if (this.clampToGrid) {
      const lo = tf.reshape(tf.slice(grid, [0, k], [inDim, 1]), [inDim]); // [I]: t_k
      const hi = tf.reshape(tf.slice(grid, [0, this.gridSize + k], [inDim, 1]), [inDim]); // [I]: t_{G+k}
      xs = tf.minimum(tf.maximum(x, lo), hi);
    }
    const bases = bsplineBasisFeatureMajor(xs, grid, k); // [N, G+k, I]
    // spline_kernel ⊙ spline_scaler, transposed to the bases' layout: [G+k, I, O].
    const scaled = tf.mul(tf.transpose(this.splineKernel.read(), [1, 0, 2]), this.splineScaler.read()) as tf.Tensor3D;
    // [silu(x), B(x)]·[base_kernel; scaled] as two matMuls summed: the same
    // contraction without concatenating the features.
    const baseOut = matMulLazyGrads(base as tf.Tensor2D, this.baseKernel.read() as tf.Tensor2D); // [N, O]
    let y = tf.add(baseOut, featureMajorMatMul(bases, scaled)) as tf.Tensor2D; // [N, O]
    if (this.bias != null) y = tf.add(y, this.bias.read());
    return y;
  }

  /**
   * efficient-kan's L1 + entropy regulariser of `spline_kernel` (without the
   * scaler, as the reference): `l1·Σ_{i,o} mean_j|C| + entropy·H(p)`. A new
   * scalar; the caller disposes it. Throws if the layer is not built.
   */
  regularizationLoss(opts: KANRegularization = {}): tf.Scalar {
    this.assertBuilt('regularizationLoss');
    const l1 = finiteNumber(opts.l1 ?? DEFAULTS.l1, 'l1', WHO, {min: 0});
    const entropy = finiteNumber(opts.entropy ?? DEFAULTS.entropy, 'entropy', WHO, {min: 0});
    return l1EntropyLoss(this.splineKernel.read(), l1, entropy);
  }

  /**
   * Refits the grid to the data `x [batch, ..., I]` and refits the spline
   * coefficients by least squares so the spline branch keeps its values on x
   * (efficient-kan's `update_grid`, with the scaler bug fixed).
   *
   * New interior knots per input: `gridEps·uniform + (1−gridEps)·quantiles`,
   * where the quantiles are sorted samples at indices ⌊(N−1)j/G⌋ and the uniform
   * grid spans `[min − margin, max + margin]` with step h; k extra knots of
   * spacing h on each side. Synchronous (reads x with dataSync); O(N·I·(G+k)).
   * Does not dispose x.
   */
  updateGrid(x: tf.Tensor, opts: UpdateGridOptions = {}): void {
    this.assertBuilt('updateGrid');
    const margin = finiteNumber(opts.margin ?? DEFAULTS.margin, 'margin', WHO, {min: 0});
    const gridEps = finiteNumber(opts.gridEps ?? DEFAULTS.gridEps, 'gridEps', WHO, {min: 0, max: 1});
    const inDim = this.grid.shape[0] as number;
    tensorArg(x, 'x', WHO, {minRank: 2});
    if (x.shape[x.rank - 1] !== inDim) {
      throw new ValueError(`${WHO}: x must have ${inDim} features on its last axis, got shape [${x.shape}].`);
    }
    const g = this.gridSize;
    const k = this.splineOrder;
    const nb = this.numBases;
    const m = nb + k + 1;
    tf.tidy(() => {
      const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D; // [N, I]
      const count = x2.shape[0];
      if (count < 1) throw new ValueError(`${WHO}: x must hold at least one sample, got shape [${x.shape}].`);
      // eslint-disable-next-line no-restricted-properties -- updateGrid is a one-off refit between epochs, not a call path
      const data = x2.dataSync();
      finiteData(data, 'x', WHO);
      const gridT = tf.tensor2d(dataGrid(data, count, inDim, g, k, margin, gridEps), [inDim, m]);
      // Least squares per input i: min_C ‖A_new,i·C − A_old,i·C_old,i‖ gives
      // C = (A_newᵀA_new)⁻¹(A_newᵀA_old)·C_old = K_i·C_old (no [N, I, O] tensor).
      // eslint-disable-next-line no-restricted-properties -- float64 least squares on the JS side (one-off refit)
      const aOld = bsplineBasis(x2, this.grid.read() as tf.Tensor2D, k).dataSync(); // [N, I, G+k]
      // eslint-disable-next-line no-restricted-properties -- float64 least squares on the JS side (one-off refit)
      const aNew = bsplineBasis(x2, gridT, k).dataSync(); // [N, I, G+k]
      const kData = refitOperators(aNew, aOld, count, inDim, nb); // [I, G+k, G+k]
      const scaler = this.splineScaler.read(); // [I, O]
      const scaledOld = tf.mul(this.splineKernel.read(), tf.expandDims(scaler, 1)); // [I, G+k, O]
      const refit = tf.matMul(tf.tensor3d(kData, [inDim, nb, nb]), scaledOld); // [I, G+k, O], scaled
      // Store refit / scaler: the forward multiplies by the scaler again.
      const s = tf.expandDims(scaler, 1); // [I, 1, O]
      const nonZero = tf.notEqual(s, 0);
      const unscaled = tf.where(nonZero, tf.div(refit, tf.where(nonZero, s, tf.onesLike(s))), tf.zerosLike(refit));
      this.splineKernel.write(unscaled);
      this.grid.write(gridT);
    });
  }

  /**
   * Grid extension (pykan's `refine`): moves the layer to `newGridSize`
   * intervals, the new interior knots interpolating the old ones, and refits
   * `spline_kernel` by float64 least squares so each edge spline keeps its
   * values on the layer inputs `x [batch, ..., I]` (exact when the old knots
   * are a subset of the new ones, e.g. G → 2G). `grid` and `spline_kernel`
   * change shape in place (same variables and names, so a compiled model keeps
   * training them and `save` writes the new shapes; `gridSize` in the config
   * follows). The optimizer's state no longer fits: call
   * `tfa.kan.resetOptimizer(model)` (or compile again) before the next `fit`;
   * `tfa.kan.refine(model, x, G)` does both for a whole model. Synchronous;
   * O(N·I·(G'+k)·(k+1+O) + I·(G'+k)³). Does not dispose x.
   * Implementation: `src/kan/grid_extension.ts`.
   */
  extendGrid(x: tf.Tensor, newGridSize: number): void {
    extendLayerGrid(this, x, newGridSize);
  }

  private assertBuilt(what: string): void {
    if (!this.built) throw new ValueError(`${WHO}: ${what} needs a built layer (call it on an input first).`);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      gridSize: this.gridSize,
      splineOrder: this.splineOrder,
      gridRange: [...this.gridRange],
      baseActivation: this.baseActivation,
      useBias: this.useBias,
      scaleNoise: this.scaleNoise,
      scaleBase: this.scaleBase,
      scaleSpline: this.scaleSpline,
      clampToGrid: this.clampToGrid,
      regularization: this.regularization == null ? null : {...this.regularization},
      seed: this.seed,
    };
  }
}

/**
 * B-spline KAN layer (efficient-kan semantics); maths and references on {@link BSplineKAN}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.bsplineKAN({units: 4, inputShape: [2], seed: 1}),
 *   tfa.layers.bsplineKAN({units: 1, seed: 2})]});
 * const x = tf.randomUniform([3, 2], -1, 1);
 * model.predict(x).print(); // a [3, 1] tensor
 * model.layers[0].updateGrid(x); // refit the first layer's grid to x
 * ```
 * @see BSplineKAN
 */
export function bsplineKAN(args: BSplineKANArgs): BSplineKAN {
  return new BSplineKAN(args);
}

tf.serialization.registerClass(BSplineKAN);
