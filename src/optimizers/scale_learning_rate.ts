/**
 * The batch-size learning-rate rules: linear for SGD, square root for
 * adaptive optimizers.
 */
import {fail, oneOf, positiveInt, positiveNumber} from '../validate';

/** Options of {@link scaleLearningRate}. */
export interface ScaleLearningRateOptions {
  /** The batch size `lr` was tuned at. Positive integer. Required. */
  fromBatch: number;
  /** The batch size to train at. Positive integer. Required. */
  toBatch: number;
  /** `'linear'` (SGD and SGD with momentum) or `'sqrt'` (Adam, AdamW, RMSProp, ...). Required. */
  rule: 'linear' | 'sqrt';
}

const WHO = 'optimizers.scaleLearningRate';
const RULES = ['linear', 'sqrt'] as const;

/**
 * The learning rate for batch size B' given one tuned at batch size B:
 * `'linear'`: `lr' = lr·B'/B`; `'sqrt'`: `lr' = lr·√(B'/B)`.
 *
 * Granziol et al. model the mini-batch Hessian as the full Hessian plus a
 * random-matrix fluctuation whose spectral width shrinks like 1/√B; the
 * largest stable step of SGD is 2/λmax(H_B), which grows linearly with B
 * while the noise dominates (hence the linear rule); for adaptive methods,
 * whose preconditioner divides by the gradient's square root, the same
 * analysis gives the square-root rule. Both hold below the critical batch
 * size; beyond it λmax(H_B) stops falling (measure it with
 * `tfa.spectral.hessianEigenvalues` or `tfa.callbacks.sharpnessMonitor`).
 * Returns a number; pure, sync.
 *
 * Paper: Granziol, Zohren & Roberts, "Learning Rates as a Function of Batch
 * Size: A Random Matrix Theory Approach to Neural Network Training", JMLR
 * 23(173), 2022, arXiv:2006.09092. Linear rule as in Goyal et al. 2017
 * (arXiv:1706.02677); square root as in Krizhevsky 2014 (arXiv:1404.5997).
 * Follows: the paper's rules (no reference code).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * console.log(tfa.optimizers.scaleLearningRate(0.1, {fromBatch: 32, toBatch: 256, rule: 'linear'})); // 0.8
 * console.log(tfa.optimizers.scaleLearningRate(1e-3, {fromBatch: 32, toBatch: 128, rule: 'sqrt'}));  // 0.002
 * ```
 */
export function scaleLearningRate(lr: number, opts: ScaleLearningRateOptions): number {
  positiveNumber(lr, 'lr', WHO);
  if (opts == null || typeof opts !== 'object') {
    fail(WHO, 'rule', `one of 'linear', 'sqrt' (in options {fromBatch, toBatch, rule})`, opts);
  }
  const from = positiveInt(opts.fromBatch, 'fromBatch', WHO);
  const to = positiveInt(opts.toBatch, 'toBatch', WHO);
  const rule = oneOf(opts.rule, RULES, 'rule', WHO);
  return rule === 'linear' ? lr * (to / from) : lr * Math.sqrt(to / from);
}
