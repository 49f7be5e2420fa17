/**
 * Model-level grid extension: pykan's `refine` over a chain of B-spline KAN
 * layers, and the optimizer reset it needs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {ValueError, describe, positiveInt, tensorArg} from '../validate';
import {chainActivations, kanChain} from './edges';
import {extendLayerGrid} from './grid_extension';

/**
 * Replaces a compiled model's optimizer by a fresh one of the same class and
 * config (`cls.fromConfig(cls, optimizer.getConfig())`), dropping its state
 * (Adam moments, step count), which no longer fits weights whose shapes
 * changed. If the model created the optimizer itself (compiled with a string
 * such as `'adam'`) the old one is disposed; an optimizer you passed in is
 * detached but not disposed. Returns false when the model has no optimizer.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tfa.layers.bsplineKAN({units: 1, inputShape: [2]})]});
 * model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
 * console.log(tfa.kan.resetOptimizer(model)); // true
 * ```
 */
export function resetOptimizer(model: tfl.LayersModel): boolean {
  if (model == null || typeof (model as {compile?: unknown}).compile !== 'function') {
    throw new ValueError(`resetOptimizer: model must be a tf.LayersModel, got ${describe(model)}.`);
  }
  const opt = model.optimizer;
  if (opt == null) return false;
  const cls = opt.constructor as tf.serialization.SerializableConstructor<tf.Optimizer>;
  const fresh = cls.fromConfig(cls, opt.getConfig());
  const internal = model as unknown as {isOptimizerOwned?: boolean};
  const owned = internal.isOptimizerOwned === true;
  model.optimizer = fresh;
  if (owned) {
    opt.dispose();
    internal.isOptimizerOwned = true;
  }
  return true;
}

/**
 * pykan's `refine(G')` for a chain of B-spline KAN layers, in place: computes
 * every layer's input on `x` (the model input, `[N, I]`) with the current
 * model, then extends each layer's grid to `gridSize` intervals
 * (`BSplineKAN.extendGrid`) and, if the model is compiled, resets its
 * optimizer ({@link resetOptimizer}). Synchronous; does not dispose x.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.bsplineKAN({units: 3, inputShape: [2], seed: 1}), tfa.layers.bsplineKAN({units: 1, seed: 2})]});
 * const x = tf.randomUniform([64, 2], -1, 1, 'float32', 3);
 * tfa.kan.refine(model, x, 10);
 * console.log(model.layers[0].gridSize); // 10
 * ```
 */
export function refine(model: tfl.LayersModel, x: tf.Tensor, gridSize: number): void {
  const layers = kanChain(model, 'refine');
  positiveInt(gridSize, 'gridSize', 'refine');
  const acts = chainActivations(layers, tensorArg(x, 'x', 'refine', {rank: 2}) as tf.Tensor2D);
  try {
    layers.forEach((l, i) => extendLayerGrid(l, acts[i], gridSize));
  } finally {
    tf.dispose(acts.slice(1));
  }
  resetOptimizer(model);
}
