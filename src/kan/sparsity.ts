/**
 * pykan's sparsity regulariser (L1 + entropy of the edge activation scales),
 * for training a KAN that can then be pruned.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {finiteNumber} from '../validate';
import {kanChain, kanForward, layerInputArg, planOf} from './edges';

/** Options of {@link sparsityForward}. */
export interface SparsityOptions {
  /** Weight of the L1 term. Finite, >= 0. Default 1 (pykan `lamb_l1`). */
  l1?: number;
  /** Weight of the entropy term. Finite, >= 0. Default 2 (pykan `lamb_entropy`). */
  entropy?: number;
}

/** Result of {@link sparsityForward}; the caller disposes both tensors (or runs it inside a tidy/minimize). */
export interface SparsityForward {
  /** The model output `[N, O]`. */
  output: tf.Tensor2D;
  /** The regulariser, a scalar. */
  penalty: tf.Scalar;
}

/**
 * The forward pass of a chain of B-spline KAN layers together with pykan's
 * sparsity regulariser (`MultKAN.reg` with `reg_metric='edge_forward_spline_n'`):
 * per layer `A_io = std_s φ_io(x_i)/(std_s x_i + 0.1)` (unbiased std), then
 * `Σ_l [l1·Σ A + entropy·(H_rows + H_cols)]` with
 * `H_rows = −mean_o Σ_i p log₂(p + 1e-4)`, `p = A_io/(Σ_i A_io + 1)`, and
 * `H_cols` the same over outputs. Differentiable; use it in a custom loop:
 * `loss = mse(y, output) + λ·penalty` (pykan's tutorial: λ = 1e-3 with
 * L-BFGS; with Adam λ = 1e-2 sparsifies in far fewer steps). The penalty acts
 * on whole edges (base + spline branch), which efficient-kan's weight-based
 * `regularization` option of BSplineKAN does not. Synchronous.
 *
 * Paper: Liu et al., "KAN: Kolmogorov–Arnold Networks", 2024, arXiv:2404.19756 (§2.5.1, eq. 2.17–2.20).
 * Follows: KindXiaoming/pykan `kan/MultKAN.py` @ ecde4ec, `reg`, `get_reg`.
 * Deviation: φ includes the base branch and masks as pykan's numeric postacts; symbolic edges count too.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.bsplineKAN({units: 3, inputShape: [2], seed: 1}), tfa.layers.bsplineKAN({units: 1, seed: 2})]});
 * const x = tf.randomUniform([64, 2], -1, 1, 'float32', 3);
 * const y = tf.sum(x, 1, true);
 * const opt = tf.train.adam(1e-2);
 * const loss = opt.minimize(() => {
 *   const {output, penalty} = tfa.kan.sparsityForward(model, x);
 *   return tf.add(tf.losses.meanSquaredError(y, output), tf.mul(penalty, 1e-2));
 * }, true);
 * loss.print(); // MSE + 1e-2·penalty before the step
 * ```
 */
export function sparsityForward(model: tfl.LayersModel, x: tf.Tensor, opts: SparsityOptions = {}): SparsityForward {
  const who = 'sparsityForward';
  const layers = kanChain(model, who);
  const l1 = finiteNumber(opts.l1 ?? 1, 'l1', who, {min: 0});
  const entropy = finiteNumber(opts.entropy ?? 2, 'entropy', who, {min: 0});
  const x2 = layerInputArg(layers[0], x, who);
  return tf.tidy(() => {
    let h: tf.Tensor2D = x2;
    let penalty: tf.Tensor = tf.scalar(0);
    const std = (t: tf.Tensor) => {
      const n = t.shape[0] as number;
      const m = tf.moments(t, 0);
      return tf.sqrt(tf.mul(m.variance, n / (n - 1)));
    };
    for (const layer of layers) {
      const phi = kanForward(layer, h, planOf(layer), true); // [N, I, O]
      const a = tf.div(std(phi), tf.add(tf.expandDims(std(h), 1), 0.1)); // [I, O]
      const ent = (p: tf.Tensor, axis: number) =>
        tf.neg(tf.mean(tf.sum(tf.mul(p, tf.div(tf.log(tf.add(p, 1e-4)), Math.LN2)), axis)));
      const pRow = tf.div(a, tf.add(tf.sum(a, 0, true), 1)); // normalised over inputs, per output
      const pCol = tf.div(a, tf.add(tf.sum(a, 1, true), 1)); // normalised over outputs, per input
      penalty = tf.add(penalty, tf.add(tf.mul(tf.sum(a), l1), tf.mul(tf.add(ent(pRow, 0), ent(pCol, 1)), entropy)));
      let y: tf.Tensor = tf.sum(phi, 1); // [N, O]
      const bias = layer.useBias ? layer.weights.find(w => /(^|\/)bias(_\d+)?$/.test(w.originalName)) : undefined;
      if (bias != null) y = tf.add(y, bias.read());
      h = y as tf.Tensor2D;
    }
    return {output: h, penalty: penalty as tf.Scalar};
  });
}
