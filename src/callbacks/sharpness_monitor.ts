/**
 * Sharpness (the top Hessian eigenvalue of the loss on a fixed batch) and the
 * SGD stability bound 2/λmax, logged during training.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {hessianEigenvalues} from '../spectral/hessian';
import type {HessianLoss} from '../spectral/hessian';
import {ValueError, describe, positiveInt, tensorArg} from '../validate';
import {type CallbackLogs, firesAt} from './common';

/** Arguments of {@link SharpnessMonitor}. */
export interface SharpnessMonitorArgs {
  /** Inputs of the fixed batch the Hessian is measured on (not disposed). */
  x: tf.Tensor;
  /** Targets of that batch (not disposed). */
  y: tf.Tensor;
  /** Measure at the end of every `every`-th epoch. Default 1. */
  every?: number;
  /** Lanczos steps per measurement (2 gradients each). Default 20. */
  steps?: number;
  /** Loss; default the compiled model's loss. */
  loss?: HessianLoss;
}

const DEFAULTS = {every: 1, steps: 20} as const;
const WHO = 'sharpnessMonitor';

/**
 * Every `every` epochs, computes λmax of the Hessian of the mean loss on the
 * fixed batch `(x, y)` with {@link hessianEigenvalues} (Lanczos on
 * finite-difference Hessian-vector products) and writes into the epoch logs
 * `lambda_max` = λmax and `sgd_lr_bound` = 2/λmax: plain gradient descent on
 * the local quadratic model diverges along the top eigenvector when the
 * learning rate exceeds 2/λmax (the "edge of stability" of Cohen et al. 2021).
 * The values are also kept in {@link SharpnessMonitor.history}.
 *
 * Paper: Granziol, Zohren & Roberts, "Learning Rates as a Function of Batch
 * Size: A Random Matrix Theory Approach to Neural Network Training", JMLR
 * 2022, arXiv:2006.09092 (λmax of the mini-batch Hessian sets the largest
 * stable step); Cohen et al., "Gradient Descent on Neural Networks Typically
 * Occurs at the Edge of Stability", ICLR 2021, arXiv:2103.00065.
 * Deviations: HVPs by finite differences of gradients (tfjs lacks reliable
 * second-order gradients); see `hessianEigenvalues`.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const mon = new tfa.callbacks.SharpnessMonitor({x: tf.ones([4, 2]), y: tf.zeros([4, 1]), every: 5});
 * console.log(mon.every, mon.steps); // 5 20
 * ```
 */
export class SharpnessMonitor extends tfl.Callback {
  readonly every: number;
  readonly steps: number;
  /** `{epoch, lambdaMax, lrBound}` of every measurement of the last fit. */
  history: Array<{epoch: number; lambdaMax: number; lrBound: number}> = [];
  private readonly x: tf.Tensor;
  private readonly y: tf.Tensor;
  private readonly loss: HessianLoss | undefined;

  constructor(args: SharpnessMonitorArgs) {
    super();
    if (args == null) throw new ValueError(`${WHO}: args must be an object with x and y, got ${describe(args)}.`);
    this.x = tensorArg(args.x, 'x', WHO, {minRank: 1});
    this.y = tensorArg(args.y, 'y', WHO, {minRank: 1});
    if (this.x.shape[0] !== this.y.shape[0]) {
      throw new ValueError(
        `${WHO}: x and y must have the same batch size, got ${this.x.shape[0]} and ${this.y.shape[0]}.`,
      );
    }
    this.every = positiveInt(args.every ?? DEFAULTS.every, 'every', WHO);
    this.steps = positiveInt(args.steps ?? DEFAULTS.steps, 'steps', WHO);
    if (args.loss != null && typeof args.loss !== 'function') {
      throw new ValueError(`${WHO}: loss must be a function (yTrue, yPred) => tensor, got ${describe(args.loss)}.`);
    }
    this.loss = args.loss;
  }

  override async onTrainBegin(): Promise<void> {
    this.history = [];
  }

  /** λmax on the batch now (async). */
  async measure(): Promise<number> {
    const n = this.model.trainableWeights.reduce(
      (s, w) => s + w.shape.reduce((a: number, b) => a * (b as number), 1),
      0,
    );
    const [top] = await hessianEigenvalues(this.model, this.x, this.y, {
      steps: Math.min(this.steps, n),
      loss: this.loss,
    });
    return top;
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    if (!firesAt(epoch, this.every)) return;
    const lambdaMax = await this.measure();
    const lrBound = lambdaMax > 0 ? 2 / lambdaMax : Infinity;
    this.history.push({epoch, lambdaMax, lrBound});
    if (logs != null) {
      logs['lambda_max'] = lambdaMax;
      logs['sgd_lr_bound'] = lrBound;
    }
  }
}

/**
 * Factory of {@link SharpnessMonitor}: logs `lambda_max` and `sgd_lr_bound` (= 2/λmax).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 8, activation: 'tanh', inputShape: [3]}), tf.layers.dense({units: 1})]});
 * model.compile({optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError'});
 * const x = tf.randomNormal([64, 3], 0, 1, 'float32', 1);
 * const y = tf.sum(x, 1, true);
 * model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [tfa.callbacks.sharpnessMonitor({x, y})]})
 *   .then(h => console.log(h.history.lambda_max, h.history.sgd_lr_bound));
 * ```
 * @see SharpnessMonitor
 */
export function sharpnessMonitor(args: SharpnessMonitorArgs): SharpnessMonitor {
  return new SharpnessMonitor(args);
}
