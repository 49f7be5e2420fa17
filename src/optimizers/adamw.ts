/**
 * Adam with decoupled weight decay.
 */
import * as tf from '@tensorflow/tfjs-core';

import {learningRateAt, type NamedTensor, SlotOptimizer} from './base';
import type {LearningRate} from './schedules';
import {ADAMW_DEFAULTS, adamMoments, adamWConfig, decoupledStep, type ResolvedAdamW, resolveAdamW} from './transforms';
import {warnIfFloat16} from '../float16';

/** Arguments of {@link AdamW}. */
export interface AdamWArgs {
  /** Learning rate: a number ≥ 0, a schedule from `tfa.optimizers.schedules`, or `(step) => lr`. Default 1e-3. */
  learningRate?: LearningRate;
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to √v̂; > 0. Default 1e-7 (tfjs' Adam default). */
  epsilon?: number;
  /** Decoupled weight decay λ (≥ 0): `w ← w·(1 − lr·λ) − lr·update`. Default 0.01. */
  weightDecay?: number;
}

const WHO = 'adamw';

/**
 * Adam with decoupled weight decay.
 *
 * `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`,
 * `w ← w·(1 − lr·λ) − lr·m̂/(√v̂ + ε)`, t the 1-based update count, lr the
 * (scheduled) learning rate. Slots per variable: `m`, `v` (saved as
 * `<variable>/m`, `<variable>/v` after `iter`).
 *
 * Paper: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", 2019,
 * arXiv:1711.05101.
 * Follows: torch.optim.AdamW (decay multiplied by lr, as PyTorch; the paper's
 * schedule multiplier η_t is our learning-rate schedule); tfjs-core
 * `adam_optimizer.ts` for the moments and epsilon.
 * Deviations: bias correction uses `β^t` computed in JS from the iteration
 * count (tfjs' Adam keeps trainable `accBeta` variables), so state is just
 * `iter`, `m`, `v`.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const w = tf.variable(tf.tensor1d([1, -2]));
 * const opt = new tfa.optimizers.AdamW({learningRate: 0.1, weightDecay: 0.01});
 * for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(w)));
 * w.print(); // ≈ [0.7, -1.7]: Adam's first steps move each entry about lr toward 0
 * ```
 */
export class AdamW extends SlotOptimizer {
  static get className(): string {
    return 'AdamW';
  }
  protected readonly who = WHO;
  readonly cfg: ResolvedAdamW;

  constructor(args: AdamWArgs = {}) {
    super();
    warnIfFloat16(WHO, 'its update (m / sqrt(v) of squared gradients) was measured up to 1.5 % off float32 there.');
    this.cfg = resolveAdamW(args, ADAMW_DEFAULTS, WHO);
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const step = this.iterations + 1;
    const lr = learningRateAt(this.cfg.learningRate, this.iterations, 'learningRate', WHO);
    tf.tidy(() => {
      for (const {name, gradient, variable} of this.gradientList(variableGradients)) {
        const m = this.slot(name, 'm', variable);
        const v = this.slot(name, 'v', variable);
        const next = adamMoments(gradient, m, v, step, this.cfg);
        m.assign(next.m);
        v.assign(next.v);
        variable.assign(decoupledStep(variable, next.direction, lr, this.cfg.weightDecay));
      }
    });
    this.incrementIterations();
  }

  getConfig(): tf.serialization.ConfigDict {
    return adamWConfig(this.cfg, WHO);
  }
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter, 2019); maths on {@link AdamW}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2]})]});
 * model.compile({optimizer: tfa.optimizers.adamw({learningRate: 1e-2, weightDecay: 0.01}), loss: 'meanSquaredError'});
 * model.fit(tf.ones([8, 2]), tf.ones([8, 1]), {epochs: 2, verbose: 0})
 *   .then(h => console.log(h.history.loss.length)); // 2
 * ```
 * @see AdamW
 */
export function adamw(args?: AdamWArgs): AdamW {
  return new AdamW(args);
}

tf.serialization.registerClass(AdamW);
