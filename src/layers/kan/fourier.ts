/**
 * FourierKAN: cos/sin features of k·x (k = 1..G) and one matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {bool, finiteNumber, knownLastDim, positiveInt} from '../../validate';
import {applyOnLastAxis, replaceLastDim, singleInput} from '../utils';
import {fourierBasisFeatureMajor} from './basis';
import {featureMajorMatMul, isLoadingWeights, kanUnits} from './common';

/** Arguments of {@link FourierKAN}; every field survives getConfig → fromConfig. */
export interface FourierKANArgs extends LayerArgs {
  /** Number of frequencies G (k = 1..G). Positive integer. Default 5. */
  gridSize?: number;
  /** Output width O. Positive integer; required. */
  units: number;
  /** Adds `bias [O]` (zeros at init). Default true. */
  useBias?: boolean;
  /** The reference's `smooth_initialization`: frequency k gets std `1/(√I·k²)` instead of `1/(√I·√G)`. Default false. */
  smoothInit?: boolean;
  /** Seed for the weight initialisers. Default null (unseeded). */
  seed?: number | null;
}

const DEFAULTS = {gridSize: 5, useBias: true, smoothInit: false} as const;
const WHO = 'FourierKAN';

/**
 * FourierKAN layer: a learnable truncated Fourier series of x_i on every edge.
 *
 * `y_o = Σ_i Σ_{k=1..G} [cos_kernel[i,k,o]·cos(k·x_i) + sin_kernel[i,k,o]·sin(k·x_i)] + bias_o`,
 * computed as one matMul of the features `[cos(1x)…cos(Gx), sin(1x)…sin(Gx)]`
 * `[N, I·2G]` with `concat([cos_kernel, sin_kernel], 1)` `[I·2G, O]` (never the
 * reference's `[N, O, I, G]` tensor). Periodic in every input (period 2π), so
 * inputs need no range handling.
 * Input `[batch, ..., I]` → output `[batch, ..., units]`.
 * Weights: `cos_kernel [I,G,O]`, `sin_kernel [I,G,O]` ~ `N(0,1)/(√I·√G)` (or `/(√I·k²)`
 * with `smoothInit`), `bias [O]` (zeros) if useBias. Parameters: `2·I·O·G + O`.
 *
 * Paper: none (GistNoesis' FourierKAN is a code release); KAN paper: Liu et al.,
 * "KAN: Kolmogorov–Arnold Networks", 2024, arXiv:2404.19756.
 * Follows: GistNoesis/FourierKAN `fftKAN.py` @ ef80791, `NaiveFourierKANLayer.__init__`, `forward`.
 * Deviations:
 * - Kernels `[in, G, out]` split into cos and sin; the reference stores `(2, out, in, G)`.
 * - The bias is optional (`useBias`); the reference always adds it.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.FourierKAN({units: 4, gridSize: 3, seed: 1});
 * console.log(layer.getClassName(), layer.apply(tf.randomUniform([3, 2], -3, 3)).shape); // FourierKAN [3, 4]
 * ```
 */
export class FourierKAN extends tfl.layers.Layer {
  static className = 'FourierKAN';
  readonly units: number;
  readonly gridSize: number;
  readonly useBias: boolean;
  readonly smoothInit: boolean;
  readonly seed: number | null;
  private cosKernel!: tfl.LayerVariable; // [I, G, O]
  private sinKernel!: tfl.LayerVariable; // [I, G, O]
  private bias: tfl.LayerVariable | null = null; // [O]

  constructor(args: FourierKANArgs) {
    super(args);
    this.units = kanUnits(args.units, WHO);
    this.gridSize = positiveInt(args.gridSize ?? DEFAULTS.gridSize, 'gridSize', WHO);
    this.useBias = bool(args.useBias ?? DEFAULTS.useBias, 'useBias', WHO);
    this.smoothInit = bool(args.smoothInit ?? DEFAULTS.smoothInit, 'smoothInit', WHO);
    this.seed = args.seed == null ? null : finiteNumber(args.seed, 'seed', WHO);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    const g = this.gridSize;
    const shape = [inDim, g, this.units];
    this.cosKernel = this.addWeight('cos_kernel', shape, 'float32', tfl.initializers.zeros());
    this.sinKernel = this.addWeight('sin_kernel', shape, 'float32', tfl.initializers.zeros());
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros());
    if (!isLoadingWeights(this)) {
      tf.tidy(() => {
        // Per-frequency scale: 1/(√I·√G), or 1/(√I·k²) for smoothInit (fftKAN grid_norm_factor).
        const scale = Array.from(
          {length: g},
          (_, k) => 1 / (Math.sqrt(inDim) * (this.smoothInit ? (k + 1) ** 2 : Math.sqrt(g))),
        );
        const s = tf.reshape(tf.tensor1d(scale), [1, g, 1]); // [1, G, 1]
        const seed = (k: number) => (this.seed == null ? undefined : this.seed + k);
        this.cosKernel.write(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed(0)), s));
        this.sinKernel.write(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed(1)), s));
      });
    }
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return replaceLastDim(inputShape, this.units);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      applyOnLastAxis(singleInput(inputs, WHO), x => {
        const features = fourierBasisFeatureMajor(x, this.gridSize); // [N, 2G, I]
        const kernel = tf.concat(
          [tf.transpose(this.cosKernel.read(), [1, 0, 2]), tf.transpose(this.sinKernel.read(), [1, 0, 2])],
          0,
        ) as tf.Tensor3D; // [2G, I, O]
        let y = featureMajorMatMul(features, kernel); // [N, O]
        if (this.bias != null) y = tf.add(y, this.bias.read());
        return y;
      }),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      gridSize: this.gridSize,
      useBias: this.useBias,
      smoothInit: this.smoothInit,
      seed: this.seed,
    };
  }
}

/**
 * Fourier-series KAN layer; maths and references on {@link FourierKAN}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.fourierKAN({units: 4, gridSize: 3, inputShape: [2], seed: 1}),
 *   tfa.layers.fourierKAN({units: 1, gridSize: 3, seed: 2})]});
 * model.predict(tf.randomUniform([3, 2], -3, 3)).print(); // a [3, 1] tensor
 * ```
 * @see FourierKAN
 */
export function fourierKAN(args: FourierKANArgs): FourierKAN {
  return new FourierKAN(args);
}

tf.serialization.registerClass(FourierKAN);
