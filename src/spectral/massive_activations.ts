/**
 * Massive-activation statistics of a layer's output (Sun et al., 2024).
 */
import * as tf from '@tensorflow/tfjs-core';

import {fail, finiteData, positiveInt, tensorArg} from '../validate';

/** Result of {@link massiveActivations}. */
export interface MassiveActivations {
  /** max |a| over all entries. */
  maxAbs: number;
  /** median |a| over all entries (mean of the two middle values for an even count, as numpy). */
  medianAbs: number;
  /** maxAbs / medianAbs (Infinity when the median is 0 and the max is not). */
  ratio: number;
  /** The `topK` channels (last axis) with the largest max |a|, largest first. */
  topChannels: number[];
  /** Their max |a|. */
  topValues: number[];
}

const WHO = 'spectral.massiveActivations';

/**
 * Magnitude statistics of activations `a` `[N, ..., C]`: max |a| and median |a|
 * over all entries, their ratio (Sun et al. call an activation "massive" when
 * it is ~10³–10⁴× the median), and the `topK` channels of the last axis ranked
 * by their max |a| over every other axis. Async; `a` is not disposed.
 *
 * Paper: Sun, Chen, Kolter & Liu, "Massive Activations in Large Language
 * Models", 2024, arXiv:2402.17762; Gallego-Feliciano et al., "Hidden Dynamics of
 * Massive Activations in Transformer Training", 2025, arXiv:2508.03616.
 * Follows: locuslab/massive-activations `main_llm.py` (exp2: top |h| and the median |h| per layer).
 * Deviations: channels are the last axis of any layer output (the reference
 * reads the residual stream of transformer blocks).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const a = tf.tensor2d([[1, -2, 300], [0.5, 1, 2]]);
 * tfa.spectral.massiveActivations(a, {topK: 1}).then(s => console.log(s.ratio, s.topChannels)); // 200, [2]
 * ```
 */
export async function massiveActivations(a: tf.Tensor, options: {topK?: number} = {}): Promise<MassiveActivations> {
  const t = tensorArg(a, 'a', WHO);
  if (t.rank < 1 || t.size === 0) fail(WHO, 'a', 'a non-empty tensor', t);
  const topK = positiveInt(options.topK ?? 3, 'topK', WHO);
  const c = t.shape[t.rank - 1];
  const abs = tf.abs(t);
  const chanMax = tf.tidy(() => tf.max(tf.reshape(abs, [-1, c]), 0)); // [C]
  const absData = (await abs.data()) as Float32Array;
  const perChannel = (await chanMax.data()) as Float32Array;
  tf.dispose([abs, chanMax]);
  finiteData(absData, 'a', WHO);
  const sorted = Float64Array.from(absData).sort();
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const maxAbs = sorted[n - 1];
  const order = Array.from({length: c}, (_, i) => i).sort((i, j) => perChannel[j] - perChannel[i] || i - j);
  const top = order.slice(0, Math.min(topK, c));
  return {
    maxAbs,
    medianAbs: median,
    ratio: maxAbs === 0 ? 0 : maxAbs / median,
    topChannels: top,
    topValues: top.map(i => perChannel[i]),
  };
}
