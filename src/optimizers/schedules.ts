/**
 * Learning-rate schedules for the optimizers of tfjs-addons (tfjs 4.22 has none).
 *
 * An optimizer's `learningRate` is a number, a schedule from this module, or
 * a bare function `(step) => lr`. `step` counts the updates already applied
 * (0 for the first update), i.e. `optimizer.iterations` before the update.
 * Schedules are registered serializable objects, so a model saved with
 * `includeOptimizer: true` reloads with its schedule; a bare function trains
 * fine but cannot be saved with the optimizer.
 */
import * as tf from '@tensorflow/tfjs-core';

import {fail, finiteNumber, nonNegativeInt, positiveInt} from '../validate';

/**
 * A learning rate as a function of the step, serializable with the model.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * // A custom schedule: halve the learning rate every 100 updates.
 * class Halving extends tfa.optimizers.schedules.LearningRateSchedule {
 *   static get className() { return 'Halving'; }
 *   value(step) { return 0.1 * 0.5 ** Math.floor(step / 100); }
 *   getConfig() { return {}; }
 * }
 * const opt = tfa.optimizers.adamw({learningRate: new Halving()}); // register the class to save it with the optimizer
 * console.log(new Halving().value(250), tfa.optimizers.schedules.cosine({learningRate: 1, decaySteps: 10}) instanceof tfa.optimizers.LearningRateSchedule); // 0.025 true
 * ```
 */
export abstract class LearningRateSchedule extends tf.serialization.Serializable {
  /** The learning rate for the update that follows `step` earlier updates. */
  abstract value(step: number): number;
}

/** What an optimizer's `learningRate` accepts. */
export type LearningRate = number | LearningRateSchedule | ((step: number) => number);

/** Arguments of {@link CosineSchedule}. */
export interface CosineScheduleArgs {
  /** Peak learning rate. Finite, ≥ 0. Required. */
  learningRate: number;
  /** Steps of the cosine decay (after the warmup). Positive integer. Required. */
  decaySteps: number;
  /** Final learning rate, reached after warmupSteps + decaySteps and kept. Finite, ≥ 0. Default 0. */
  minLearningRate?: number;
  /** Linear warmup steps from learningRate/warmupSteps up to learningRate. Integer ≥ 0. Default 0. */
  warmupSteps?: number;
}

/**
 * Linear warmup then cosine decay:
 * `lr(k) = lr·(k+1)/W` for `k < W`, else
 * `lrMin + (lr − lrMin)·½(1 + cos(π·min(k − W, D)/D))`.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const lr = new tfa.optimizers.schedules.CosineSchedule({learningRate: 0.02, decaySteps: 100, warmupSteps: 10});
 * console.log(lr.getClassName(), lr.value(4), lr.value(60), lr.value(200)); // CosineSchedule 0.01 0.01 0
 * ```
 */
export class CosineSchedule extends LearningRateSchedule {
  static get className(): string {
    return 'CosineSchedule';
  }
  readonly learningRate: number;
  readonly decaySteps: number;
  readonly minLearningRate: number;
  readonly warmupSteps: number;

  constructor(args: CosineScheduleArgs) {
    super();
    const who = 'schedules.cosine';
    this.learningRate = finiteNumber(args?.learningRate, 'learningRate', who, {min: 0});
    this.decaySteps = positiveInt(args.decaySteps, 'decaySteps', who);
    this.minLearningRate = finiteNumber(args.minLearningRate ?? 0, 'minLearningRate', who, {min: 0});
    this.warmupSteps = nonNegativeInt(args.warmupSteps ?? 0, 'warmupSteps', who);
  }
  value(step: number): number {
    if (step < this.warmupSteps) return (this.learningRate * (step + 1)) / this.warmupSteps;
    const t = Math.min(step - this.warmupSteps, this.decaySteps) / this.decaySteps;
    return this.minLearningRate + (this.learningRate - this.minLearningRate) * 0.5 * (1 + Math.cos(Math.PI * t));
  }
  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      decaySteps: this.decaySteps,
      minLearningRate: this.minLearningRate,
      warmupSteps: this.warmupSteps,
    };
  }
}

/** Arguments of {@link LinearWarmupSchedule}. */
export interface LinearWarmupScheduleArgs {
  /** Learning rate after the warmup. Finite, ≥ 0. Required. */
  learningRate: number;
  /** Warmup steps. Positive integer. Required. */
  warmupSteps: number;
}

/**
 * Linear warmup to a constant: `lr(k) = lr·min(1, (k+1)/W)`.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const lr = new tfa.optimizers.schedules.LinearWarmupSchedule({learningRate: 1e-3, warmupSteps: 4});
 * console.log([0, 1, 2, 3, 4].map(k => lr.value(k))); // [0.00025, 0.0005, 0.00075, 0.001, 0.001]
 * ```
 */
export class LinearWarmupSchedule extends LearningRateSchedule {
  static get className(): string {
    return 'LinearWarmupSchedule';
  }
  readonly learningRate: number;
  readonly warmupSteps: number;

  constructor(args: LinearWarmupScheduleArgs) {
    super();
    const who = 'schedules.linearWarmup';
    this.learningRate = finiteNumber(args?.learningRate, 'learningRate', who, {min: 0});
    this.warmupSteps = positiveInt(args.warmupSteps, 'warmupSteps', who);
  }
  value(step: number): number {
    return this.learningRate * Math.min(1, (step + 1) / this.warmupSteps);
  }
  getConfig(): tf.serialization.ConfigDict {
    return {learningRate: this.learningRate, warmupSteps: this.warmupSteps};
  }
}

/** Arguments of {@link ExponentialDecaySchedule}. */
export interface ExponentialDecayScheduleArgs {
  /** Initial learning rate. Finite, ≥ 0. Required. */
  learningRate: number;
  /** Steps per decay period. Positive integer. Required. */
  decaySteps: number;
  /** Factor per period. Finite, > 0. Required. */
  decayRate: number;
  /** Decay in whole periods (a staircase). Default false. */
  staircase?: boolean;
}

/**
 * `lr(k) = lr·rate^(k/D)` (`⌊k/D⌋` with staircase), as Keras' ExponentialDecay.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const lr = new tfa.optimizers.schedules.ExponentialDecaySchedule({learningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true});
 * console.log(lr.value(9), lr.value(10), lr.value(25)); // 0.1 0.05 0.025
 * ```
 */
export class ExponentialDecaySchedule extends LearningRateSchedule {
  static get className(): string {
    return 'ExponentialDecaySchedule';
  }
  readonly learningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(args: ExponentialDecayScheduleArgs) {
    super();
    const who = 'schedules.exponentialDecay';
    this.learningRate = finiteNumber(args?.learningRate, 'learningRate', who, {min: 0});
    this.decaySteps = positiveInt(args.decaySteps, 'decaySteps', who);
    this.decayRate = finiteNumber(args.decayRate, 'decayRate', who, {min: 0, minExclusive: true});
    const staircase = args.staircase ?? false;
    if (typeof staircase !== 'boolean') fail(who, 'staircase', 'a boolean', staircase);
    this.staircase = staircase;
  }
  value(step: number): number {
    const p = step / this.decaySteps;
    return this.learningRate * Math.pow(this.decayRate, this.staircase ? Math.floor(p) : p);
  }
  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      decaySteps: this.decaySteps,
      decayRate: this.decayRate,
      staircase: this.staircase,
    };
  }
}

/** Arguments of {@link PiecewiseConstantSchedule}. */
export interface PiecewiseConstantScheduleArgs {
  /** Increasing step boundaries b₀ < b₁ < … (integers ≥ 1). Required. */
  boundaries: number[];
  /** Learning rates, one more than boundaries: values[i] for b₍ᵢ₋₁₎ ≤ k < bᵢ. Required. */
  values: number[];
}

/**
 * `lr(k) = values[i]` for the first boundary `bᵢ > k` (the last value after all).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const lr = new tfa.optimizers.schedules.PiecewiseConstantSchedule({boundaries: [10, 20], values: [0.1, 0.01, 0.001]});
 * console.log(lr.value(0), lr.value(10), lr.value(99)); // 0.1 0.01 0.001
 * ```
 */
export class PiecewiseConstantSchedule extends LearningRateSchedule {
  static get className(): string {
    return 'PiecewiseConstantSchedule';
  }
  readonly boundaries: number[];
  readonly values: number[];

  constructor(args: PiecewiseConstantScheduleArgs) {
    super();
    const who = 'schedules.piecewiseConstant';
    const {boundaries, values} = args ?? {};
    if (
      !Array.isArray(boundaries) ||
      boundaries.some((b, i) => !Number.isInteger(b) || b < 1 || (i > 0 && b <= boundaries[i - 1]))
    ) {
      fail(who, 'boundaries', 'an increasing array of integers >= 1', boundaries);
    }
    if (!Array.isArray(values) || values.length !== boundaries.length + 1) {
      fail(
        who,
        'values',
        `an array of ${Array.isArray(boundaries) ? boundaries.length + 1 : 'boundaries.length + 1'} learning rates`,
        values,
      );
    }
    values.forEach(v => finiteNumber(v, 'values', who, {min: 0}));
    this.boundaries = [...boundaries];
    this.values = [...values];
  }
  value(step: number): number {
    const i = this.boundaries.findIndex(b => step < b);
    return this.values[i < 0 ? this.values.length - 1 : i];
  }
  getConfig(): tf.serialization.ConfigDict {
    return {boundaries: [...this.boundaries], values: [...this.values]};
  }
}

/**
 * Linear warmup then cosine decay; see {@link CosineSchedule}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const lr = tfa.optimizers.schedules.cosine({learningRate: 0.02, decaySteps: 1000, warmupSteps: 100});
 * console.log(lr.value(0), lr.value(99), lr.value(1100)); // 0.0002 0.02 0
 * const opt = tfa.optimizers.muon({learningRate: lr});
 * ```
 * @see CosineSchedule
 */
export function cosine(args: CosineScheduleArgs): CosineSchedule {
  return new CosineSchedule(args);
}

/**
 * Linear warmup to a constant learning rate; see {@link LinearWarmupSchedule}.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const lr = tfa.optimizers.schedules.linearWarmup({learningRate: 1e-3, warmupSteps: 10});
 * console.log(lr.value(0), lr.value(50)); // 0.0001 0.001
 * ```
 * @see LinearWarmupSchedule
 */
export function linearWarmup(args: LinearWarmupScheduleArgs): LinearWarmupSchedule {
  return new LinearWarmupSchedule(args);
}

/**
 * Exponential decay; see {@link ExponentialDecaySchedule}.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const lr = tfa.optimizers.schedules.exponentialDecay({learningRate: 0.1, decaySteps: 10, decayRate: 0.5});
 * console.log(lr.value(10)); // 0.05
 * ```
 * @see ExponentialDecaySchedule
 */
export function exponentialDecay(args: ExponentialDecayScheduleArgs): ExponentialDecaySchedule {
  return new ExponentialDecaySchedule(args);
}

/**
 * Piecewise-constant learning rate; see {@link PiecewiseConstantSchedule}.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const lr = tfa.optimizers.schedules.piecewiseConstant({boundaries: [100], values: [0.01, 0.001]});
 * console.log(lr.value(99), lr.value(100)); // 0.01 0.001
 * ```
 * @see PiecewiseConstantSchedule
 */
export function piecewiseConstant(args: PiecewiseConstantScheduleArgs): PiecewiseConstantSchedule {
  return new PiecewiseConstantSchedule(args);
}

tf.serialization.registerClass(CosineSchedule);
tf.serialization.registerClass(LinearWarmupSchedule);
tf.serialization.registerClass(ExponentialDecaySchedule);
tf.serialization.registerClass(PiecewiseConstantSchedule);
