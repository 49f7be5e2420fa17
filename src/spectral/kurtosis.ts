/**
 * Kurtosis statistics of activations (outlier monitoring).
 */
import * as tf from '@tensorflow/tfjs-core';

import {fail, finiteData, tensorArg} from '../validate';

async function readValues(x: unknown, who: string): Promise<{t: tf.Tensor; data: Float64Array}> {
  const t = tensorArg(x, 'x', who);
  if (t.size < 2) fail(who, 'x', 'a tensor with at least 2 entries', t);
  const data = Float64Array.from((await t.data()) as ArrayLike<number>);
  finiteData(data, 'x', who);
  return {t, data};
}

/** m4/m2² − 3 of a float64 array (biased central moments, two passes). */
function fisherBiased(data: Float64Array): number {
  const n = data.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += data[i];
  mean /= n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = data[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m4 += d2 * d2;
  }
  m2 /= n;
  m4 /= n;
  return m2 === 0 ? NaN : m4 / (m2 * m2) - 3;
}

/**
 * Excess kurtosis of all entries of `x` (flattened): κ = m₄/m₂² − 3 with the
 * biased central moments m_k = (1/n) Σ (x − x̄)^k, i.e. scipy's default
 * `kurtosis(x, fisher=True, bias=True)`. A Gaussian gives 0; heavy outliers
 * give large positive values. NaN for a constant tensor (as scipy).
 * Async (reads `x`, float64 in JS; `x` is not disposed). Throws a ValueError
 * for a non-tensor, fewer than 2 entries or non-finite values.
 *
 * Paper: OSP (Park et al., "Outlier-Safe Pre-Training for Robust 4-Bit
 * Quantization of Large Language Models", 2025, arXiv:2506.19697) reports it.
 * Follows: scipy.stats.kurtosis (fisher=True, bias=True).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * tfa.spectral.excessKurtosis(tf.tensor1d([1, 2, 3, 4])).then(k => console.log(k)); // -1.36
 * ```
 */
export async function excessKurtosis(x: tf.Tensor): Promise<number> {
  const {data} = await readValues(x, 'spectral.excessKurtosis');
  return fisherBiased(data);
}

/**
 * Kurtosis of the per-channel RMS: s_j = √(mean over all other axes of x[…, j]²)
 * for each channel j of the LAST axis, then mean_j s_j⁴ / (mean_j s_j²)²
 * (uncentred, no −3: 1 when every channel has the same RMS, up to C when one
 * channel of C carries all the energy).
 * Async (reads `x`; float64 in JS). Needs a tensor of rank ≥ 1 with ≥ 2 channels.
 *
 * Paper: He, Noci et al., "Understanding and Minimising Outlier Features in
 * Transformer Training", 2024, arXiv:2405.19279 ("kurtosis of neuron activation RMS").
 * Deviations: the exact normalisation is from the research note, not checked
 * against the paper's code (not available); we document the formula above.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * tfa.spectral.channelRmsKurtosis(tf.tensor2d([[1, 1, 1, 10], [1, 1, 1, 10]])).then(k => console.log(k)); // 3.77
 * ```
 */
export async function channelRmsKurtosis(x: tf.Tensor): Promise<number> {
  const who = 'spectral.channelRmsKurtosis';
  const {t, data} = await readValues(x, who);
  const c = t.shape[t.rank - 1];
  if (t.rank < 1 || c < 2) fail(who, 'x', 'a tensor with at least 2 channels on its last axis', t);
  const rows = data.length / c;
  const ms = new Float64Array(c);
  for (let r = 0; r < rows; r++) for (let j = 0; j < c; j++) ms[j] += data[r * c + j] ** 2;
  let m2 = 0;
  let m4 = 0;
  for (let j = 0; j < c; j++) {
    const s2 = ms[j] / rows; // s_j²
    m2 += s2;
    m4 += s2 * s2;
  }
  m2 /= c;
  m4 /= c;
  return m2 === 0 ? NaN : m4 / (m2 * m2);
}
