/**
 * ReLU-KAN: a KAN layer whose basis is a square of products of ReLUs, so the
 * whole layer is a few elementwise ops and one matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {bool, finiteNumber, knownLastDim, nonNegativeInt, positiveInt} from '../../validate';
import {applyOnLastAxis, replaceLastDim, singleInput} from '../utils';
import {featureMajorMatMul, kaimingUniformBound} from './common';
import {sumAlongAxis} from './reduce';

/** Arguments of {@link ReLUKAN}; every field survives getConfig → fromConfig. */
export interface ReLUKANArgs extends LayerArgs {
  /** Output width O. Positive integer; required. */
  units: number;
  /** Grid size g: the number of bump centres inside [0, 1] is g + k. Positive integer. Default 5. */
  gridSize?: number;
  /** Spline order k: each bump spans (k + 1)/g. Integer >= 0. Default 3. */
  splineOrder?: number;
  /** Whether `phase_low` and `phase_high` are trained. Default true. */
  trainableKnots?: boolean;
  /** Seed for the weight initialisers. Default null (unseeded). */
  seed?: number | null;
}

const DEFAULTS = {gridSize: 5, splineOrder: 3, trainableKnots: true} as const;
const WHO = 'ReLUKAN';

/**
 * ReLU-KAN bump basis: `R_j(x) = [ReLU(x − s_j)·ReLU(e_j − x)·r]²`.
 * `x` is `[N, I]`, `low` and `high` are `[I, n]` (or `[n]`, shared by all
 * inputs); returns `[N, I, n]`. The caller disposes the result.
 * The transpose of {@link reluBumpBasisFeatureMajor}, which ReLUKAN uses.
 */
export function reluBumpBasis(x: tf.Tensor2D, low: tf.Tensor, high: tf.Tensor, r: number): tf.Tensor3D {
  return tf.tidy(() => tf.transpose(reluBumpBasisFeatureMajor(x, low, high, r), [0, 2, 1]) as tf.Tensor3D);
}

/**
 * {@link reluBumpBasis} in feature-major layout `[N, n, I]`, with a custom
 * gradient: with `a = ReLU(x − s)`, `c = ReLU(e − x)`, `b = r·a·c`, `R = b²`,
 * `dR/ds = −2r·b·c`, `dR/de = 2r·b·a`, `dR/dx = 2r·b·(c − a)` (the ReLU
 * indicators are implied: b = 0 wherever a or c is 0). Seven elementwise ops
 * on `[N, n, I]` instead of the ~15 of the op-by-op gradient.
 */
export function reluBumpBasisFeatureMajor(x: tf.Tensor2D, low: tf.Tensor, high: tf.Tensor, r: number): tf.Tensor3D {
  const [, inDim] = x.shape;
  // [I, n] → [1, n, I]; [n] → [1, n, 1].
  const featureMajor = (t: tf.Tensor): tf.Tensor3D =>
    (t.rank === 1 ? tf.reshape(t, [1, -1, 1]) : tf.expandDims(tf.transpose(t), 0)) as tf.Tensor3D;
  // The gradient of a knot tensor from its feature-major `[n, I]` sum over the batch.
  const knotGrad = (g: tf.Tensor2D, like: tf.Tensor): tf.Tensor => (like.rank === 1 ? tf.sum(g, 1) : tf.transpose(g));
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xx, lo, hi] = args as tf.Tensor[];
    const xe = tf.expandDims(xx, 1); // [N, 1, I]
    const a = tf.relu(tf.sub(xe, featureMajor(lo))); // [N, n, I]
    const c = tf.relu(tf.sub(featureMajor(hi), xe)); // [N, n, I]
    const b = tf.mul(tf.mul(a, c), r); // [N, n, I]
    const value = tf.mul(b, b) as tf.Tensor3D; // mul, not pow (pow's gradient takes a log)
    (args[3] as tf.GradSaveFunc)([a, c, b]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sc, sb] = saved;
        const q = tf.mul(dy, sb); // [N, n, I]; every gradient below is 2r·q·(…)
        const qa = tf.mul(q, sa);
        const qc = tf.mul(q, sc);
        const dx = tf.mul(sumAlongAxis(tf.sub(qc, qa), 1), 2 * r); // [N, I]
        const dLow = knotGrad(tf.mul(sumAlongAxis(qc, 0), -2 * r) as tf.Tensor2D, lo); // [n, I] → low's shape
        const dHigh = knotGrad(tf.mul(sumAlongAxis(qa, 0), 2 * r) as tf.Tensor2D, hi);
        return [dx, dLow, dHigh];
      },
    };
  });
  if (low.rank === 2 && low.shape[0] !== inDim)
    throw new Error(`reluBumpBasis: low has ${low.shape[0]} rows for ${inDim} inputs.`);
  return op(x, low, high) as tf.Tensor3D;
}

/** The reference's initial knots for one input: s_j = (j − k)/g, e_j = s_j + (k+1)/g, j = 0..g+k−1. */
export function reluKnots(gridSize: number, splineOrder: number): {low: number[]; high: number[]} {
  const low: number[] = [];
  const high: number[] = [];
  for (let j = 0; j < gridSize + splineOrder; j++) {
    low.push((j - splineOrder) / gridSize);
    high.push((j - splineOrder) / gridSize + (splineOrder + 1) / gridSize);
  }
  return {low, high};
}

/**
 * ReLU-KAN layer: each input is expanded into g + k quartic bumps and a
 * dense map with bias mixes all of them.
 *
 * `y_o = b_o + Σ_i Σ_j W_{i,j,o}·[ReLU(x_i − s_{ij})·ReLU(e_{ij} − x_i)·r]²`,
 * `r = 4g²/(k+1)²` (peak value 1 at the centre of the initial bump),
 * initial knots `s_{ij} = (j − k)/g`, `e_{ij} = s_{ij} + (k+1)/g`, j = 0..g+k−1,
 * so the bumps cover `[−k/g, 1 + k/g]`: inputs are expected in `[0, 1]`
 * and every basis function is exactly 0 outside the union of supports.
 * Input `[batch, ..., I]` → output `[batch, ..., units]`.
 * Weights: `phase_low [I, g+k]`, `phase_high [I, g+k]` (trainable when
 * `trainableKnots`), `kernel [I, g+k, O]`, `bias [O]`.
 * Parameters: `O·I·(g+k) + O + 2·I·(g+k)`.
 *
 * Paper: Qiu et al., "ReLU-KAN: New Kolmogorov-Arnold Networks that Only Need
 * Matrix Addition, Dot Multiplication, and ReLU", 2024, arXiv:2406.02075.
 * Follows: quiqi/relu_kan `torch_relu_kan.py` @ 79eab7a, `ReLUKANLayer.__init__`, `forward`.
 * Deviations:
 * - One matMul over the `[N, I·(g+k)]` features instead of the reference's
 *   `Conv2d(1, O, (g+k, I))` (same function; 10-100x faster).
 * - The kernel is laid out `[I, g+k, O]` (feature `(i, j)` at row `i·(g+k)+j`).
 *   The reference reshapes `(N, I, g+k)` to `(N, 1, g+k, I)` without a transpose,
 *   so its conv weight `W[o, 0, a, b]` multiplies feature `(i, j)` with
 *   `a·I + b = i·(g+k) + j`: a fixed permutation of the same weights.
 * - Input is `[N, I]` (any leading axes) instead of the reference's `(N, I, 1)`;
 *   more than one input works (relu_kan issue #1).
 * - `r` is fixed at construction as in the reference; it is not recomputed when
 *   the knots train, so a trained bump's peak may differ from 1.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.ReLUKAN({units: 4, gridSize: 5, splineOrder: 3, seed: 1});
 * console.log(layer.getClassName(), layer.apply(tf.randomUniform([3, 2], 0, 1)).shape); // ReLUKAN [3, 4]
 * ```
 */
export class ReLUKAN extends tfl.layers.Layer {
  static className = 'ReLUKAN';
  readonly units: number;
  readonly gridSize: number;
  readonly splineOrder: number;
  readonly trainableKnots: boolean;
  readonly seed: number | null;
  /** `4g²/(k+1)²`. */
  readonly r: number;
  private phaseLow!: tfl.LayerVariable; // [I, g+k]
  private phaseHigh!: tfl.LayerVariable; // [I, g+k]
  private kernel!: tfl.LayerVariable; // [I, g+k, O]
  private bias!: tfl.LayerVariable; // [O]

  constructor(args: ReLUKANArgs) {
    super(args);
    this.units = positiveInt(args.units, 'units', WHO);
    this.gridSize = positiveInt(args.gridSize ?? DEFAULTS.gridSize, 'gridSize', WHO);
    this.splineOrder = nonNegativeInt(args.splineOrder ?? DEFAULTS.splineOrder, 'splineOrder', WHO);
    this.trainableKnots = bool(args.trainableKnots ?? DEFAULTS.trainableKnots, 'trainableKnots', WHO);
    this.seed = args.seed == null ? null : finiteNumber(args.seed, 'seed', WHO);
    const g = this.gridSize;
    const k = this.splineOrder;
    this.r = (4 * g * g) / ((k + 1) * (k + 1)); // as torch_relu_kan.py L8
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    const n = this.gridSize + this.splineOrder;
    const {low, high} = reluKnots(this.gridSize, this.splineOrder);
    const zeros = tfl.initializers.zeros();
    this.phaseLow = this.addWeight('phase_low', [inDim, n], 'float32', zeros, undefined, this.trainableKnots);
    this.phaseHigh = this.addWeight('phase_high', [inDim, n], 'float32', zeros, undefined, this.trainableKnots);
    tf.tidy(() => {
      this.phaseLow.write(tf.tile(tf.tensor2d([low]), [inDim, 1]));
      this.phaseHigh.write(tf.tile(tf.tensor2d([high]), [inDim, 1]));
    });
    // torch Conv2d default init, kaiming_uniform(a=√5): U(±1/√fan_in), fan_in = (g+k)·I, weight and bias.
    const bound = kaimingUniformBound(inDim * n, Math.sqrt(5));
    const uniform = (k: number) =>
      tfl.initializers.randomUniform({
        minval: -bound,
        maxval: bound,
        seed: this.seed == null ? undefined : this.seed + k,
      });
    this.kernel = this.addWeight('kernel', [inDim, n, this.units], 'float32', uniform(0));
    this.bias = this.addWeight('bias', [this.units], 'float32', uniform(1));
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return replaceLastDim(inputShape, this.units);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      applyOnLastAxis(singleInput(inputs, WHO), x => {
        const basis = reluBumpBasisFeatureMajor(x, this.phaseLow.read(), this.phaseHigh.read(), this.r); // [N, g+k, I]
        const y = featureMajorMatMul(basis, tf.transpose(this.kernel.read(), [1, 0, 2]) as tf.Tensor3D); // [N, O]
        return tf.add(y, this.bias.read()) as tf.Tensor2D; // [N, O]
      }),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      gridSize: this.gridSize,
      splineOrder: this.splineOrder,
      trainableKnots: this.trainableKnots,
      seed: this.seed,
    };
  }
}

/**
 * ReLU-KAN layer (bump basis + one matMul); maths and references on {@link ReLUKAN}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.reluKAN({units: 4, gridSize: 5, splineOrder: 3, inputShape: [2], seed: 1}),
 *   tfa.layers.reluKAN({units: 1, seed: 2})]});
 * model.predict(tf.randomUniform([3, 2], 0, 1)).print(); // a [3, 1] tensor
 * ```
 * @see ReLUKAN
 */
export function reluKAN(args: ReLUKANArgs): ReLUKAN {
  return new ReLUKAN(args);
}
tf.serialization.registerClass(ReLUKAN);
