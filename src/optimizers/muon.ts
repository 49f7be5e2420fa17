/**
 * Muon: momentum orthogonalised by Newton–Schulz, with an AdamW side for
 * everything that is not a hidden weight matrix.
 */
import * as tf from '@tensorflow/tfjs-core';

import {defaultEps} from '../linalg/newton_schulz';
import {bool, finiteNumber, oneOf, positiveInt, ValueError} from '../validate';
import {checkLearningRate, learningRateAt, matrixView, serializeLearningRate, type NamedTensor, SlotOptimizer} from './base';
import {checkExclude, deserializeExclude, type ExcludePattern, muonRoute, serializeExclude} from './routing';
import type {LearningRate} from './schedules';
import {
  adamMoments,
  adamWConfig,
  decoupledStep,
  muonMomentum,
  muonScale,
  type MuonScaleMode,
  MUON_SCALE_MODES,
  orthogonalize,
  readLearningRate,
  type ResolvedAdamW,
  resolveAdamW,
} from './transforms';
import type {AdamWArgs} from './adamw';
import {warnIfFloat16} from '../float16';

/** Arguments of {@link Muon}. */
export interface MuonArgs {
  /** Learning rate of the Muon variables: number ≥ 0, schedule, or `(step) => lr`. Default 0.02 (KellerJordan/Muon). */
  learningRate?: LearningRate;
  /** Momentum μ, in [0, 1). Default 0.95. */
  momentum?: number;
  /** Nesterov momentum. Default true. */
  nesterov?: boolean;
  /** Newton–Schulz iterations. Positive integer. Default 5. */
  nsSteps?: number;
  /** Decoupled weight decay λ of the Muon variables: `w ← w·(1 − lr·λ)`. ≥ 0. Default 0. */
  weightDecay?: number;
  /** Shape factor: 'original' `√max(1, fanOut/fanIn)`, 'match-adamw' `0.2·√max(fanIn, fanOut)`, 'none' 1. Default 'original'. */
  scaleMode?: MuonScaleMode;
  /**
   * The AdamW side (rank < 2 and excluded variables), with its own
   * hyperparameters. Defaults: learningRate 1e-3, beta1 0.9, beta2 0.999,
   * epsilon 1e-7, weightDecay 0 (KellerJordan's auxiliary Adam has wd 0).
   */
  adamw?: AdamWArgs;
  /** Variables sent to AdamW although rank ≥ 2: a string matches as a substring of the variable name, a RegExp by `test`. Default []. */
  exclude?: ExcludePattern[];
}

const WHO = 'muon';
const DEFAULTS = {learningRate: 0.02, momentum: 0.95, nesterov: true, nsSteps: 5, weightDecay: 0, scaleMode: 'original' as MuonScaleMode};
const ADAM_SIDE_DEFAULTS = {learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0};

/**
 * Muon ("MomentUm Orthogonalized by Newton–Schulz") for the hidden weight
 * matrices of a tfjs model, AdamW for the rest.
 *
 * For a Muon variable W (rank ≥ 2, not excluded) with gradient G:
 * `B ← μ·B + G` (sum-form momentum); `U = G + μ·B` (Nesterov) or `U = B`;
 * `O = NS₅(U)` on the `[fanIn, fanOut] = [prod(shape[:-1]), shape[-1]]` view
 * (Dense `[in, out]`, Conv `[kh·kw·in, out]`);
 * `W ← W·(1 − lr·λ) − lr·s·O` with s from `scaleMode` on that view.
 * Same-shape matrices are orthogonalised in one batched matMul chain.
 * Slots: `momentum` (Muon variables); `m`, `v` (AdamW variables).
 * AdamW variables follow {@link AdamW} with the `adamw` hyperparameters.
 *
 * Momentum form: sum (Moonlight, Keras, KellerJordan's airbench). The EMA form
 * of KellerJordan/Muon (`lerp`) scales the buffer and the Nesterov mix by
 * (1 − μ); Newton–Schulz normalises it away, so the updates are identical
 * up to eps.
 *
 * Layout: tfjs kernels are `[in, out]`, torch's `[out, in]`; KellerJordan's
 * `√max(1, rows/cols)` means `√max(1, fanOut/fanIn)`, which is what
 * 'original' computes here (Keras ≤ 3.12 used the inverse).
 *
 * Paper: Jordan et al., "Muon: An optimizer for hidden layers in neural
 * networks", 2024 (kellerjordan.github.io/posts/muon); Liu et al., "Muon is
 * Scalable for LLM Training", 2025, arXiv:2502.16982 ('match-adamw').
 * Follows: KellerJordan/Muon `muon.py` @857d1ad (`muon_update`,
 * `zeropower_via_newtonschulz5`, `adam_update`); MoonshotAI/Moonlight
 * `examples/toy_train.py` at c2ad5b2 (`adjust_lr_for_muon`, sum momentum).
 * Deviations:
 * - Rank ≥ 3 kernels use the flattened `[fanIn, fanOut]` view for the scale
 *   factor too (KellerJordan uses the unflattened last two axes, kh/kw).
 * - float32 Newton–Schulz (the reference uses bfloat16).
 * - The AdamW side's lr defaults to 1e-3 (tfjs' Adam) rather than 3e-4.
 */
export class Muon extends SlotOptimizer {
  static get className(): string {
    return 'Muon';
  }
  protected readonly who = WHO;
  readonly learningRate: LearningRate;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly nsSteps: number;
  readonly weightDecay: number;
  readonly scaleMode: MuonScaleMode;
  readonly adamw: ResolvedAdamW;
  readonly exclude: ExcludePattern[];
  private readonly routes = new Map<string, 'muon' | 'adamw'>();

  constructor(args: MuonArgs = {}) {
    super();
    warnIfFloat16(WHO, 'its Newton–Schulz update was measured up to 5 % off float32 there.');
    this.learningRate = checkLearningRate(args.learningRate ?? DEFAULTS.learningRate, 'learningRate', WHO);
    this.momentum = finiteNumber(args.momentum ?? DEFAULTS.momentum, 'momentum', WHO, {min: 0, max: 1, maxExclusive: true});
    this.nesterov = bool(args.nesterov ?? DEFAULTS.nesterov, 'nesterov', WHO);
    this.nsSteps = positiveInt(args.nsSteps ?? DEFAULTS.nsSteps, 'nsSteps', WHO);
    this.weightDecay = finiteNumber(args.weightDecay ?? DEFAULTS.weightDecay, 'weightDecay', WHO, {min: 0});
    this.scaleMode = oneOf(args.scaleMode ?? DEFAULTS.scaleMode, MUON_SCALE_MODES, 'scaleMode', WHO);
    if (args.adamw != null && typeof args.adamw !== 'object') {
      throw new ValueError(`${WHO}: adamw must be an object of AdamW arguments, got ${String(args.adamw)}.`);
    }
    this.adamw = resolveAdamW(args.adamw, ADAM_SIDE_DEFAULTS, WHO, 'adamw.');
    this.exclude = checkExclude(args.exclude, WHO);
  }

  /** 'muon' or 'adamw' for a variable (cached per name). */
  routeOf(name: string, shape: readonly number[]): 'muon' | 'adamw' {
    let r = this.routes.get(name);
    if (r == null) {
      r = muonRoute(name, shape, this.exclude);
      this.routes.set(name, r);
    }
    return r;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const k = this.iterations;
    const lr = learningRateAt(this.learningRate, k, 'learningRate', WHO);
    const adamLr = learningRateAt(this.adamw.learningRate, k, 'adamw.learningRate', WHO);
    const eps = defaultEps();
    tf.tidy(() => {
      const muonVars: Array<{variable: tf.Variable; fanIn: number; fanOut: number}> = [];
      const directions: tf.Tensor[] = [];
      for (const {name, gradient, variable} of this.gradientList(variableGradients)) {
        if (this.routeOf(name, variable.shape) === 'adamw') {
          const m = this.slot(name, 'm', variable);
          const v = this.slot(name, 'v', variable);
          const next = adamMoments(gradient, m, v, k + 1, this.adamw);
          m.assign(next.m);
          v.assign(next.v);
          variable.assign(decoupledStep(variable, next.direction, adamLr, this.adamw.weightDecay));
          continue;
        }
        const buf = this.slot(name, 'momentum', variable);
        const next = muonMomentum(gradient, buf, this.momentum, this.nesterov);
        buf.assign(next.buf);
        const [fanIn, fanOut] = matrixView(variable.shape);
        muonVars.push({variable, fanIn, fanOut});
        directions.push(tf.reshape(next.direction, [fanIn, fanOut])); // [fanIn, fanOut]
      }
      const orth = orthogonalize(directions, this.nsSteps, eps); // batched by shape
      muonVars.forEach(({variable, fanIn, fanOut}, i) => {
        const update = tf.mul(tf.reshape(orth[i], variable.shape), muonScale(fanIn, fanOut, this.scaleMode));
        variable.assign(decoupledStep(variable, update, lr, this.weightDecay));
      });
    });
    this.incrementIterations();
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: serializeLearningRate(this.learningRate, 'learningRate', WHO),
      momentum: this.momentum,
      nesterov: this.nesterov,
      nsSteps: this.nsSteps,
      weightDecay: this.weightDecay,
      scaleMode: this.scaleMode,
      adamw: adamWConfig(this.adamw, WHO, 'adamw.'),
      exclude: serializeExclude(this.exclude),
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const {customObjects: _c, learningRate, adamw, exclude, ...own} = config;
    const side = (adamw ?? {}) as tf.serialization.ConfigDict;
    return new cls({
      ...own,
      learningRate: readLearningRate(learningRate, 'learningRate', WHO),
      adamw: {...side, learningRate: readLearningRate(side.learningRate, 'adamw.learningRate', WHO)},
      exclude: deserializeExclude(exclude, WHO),
    });
  }
}

/**
 * Muon for hidden weight matrices, AdamW for the rest; maths on {@link Muon}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 16, activation: 'relu', inputShape: [4]}),
 *   tf.layers.dense({units: 16, activation: 'relu'}),
 *   tf.layers.dense({units: 3, activation: 'softmax'})]});
 * const optimizer = tfa.optimizers.muon({learningRate: 0.02, exclude: tfa.optimizers.muonExcludeDefaults(model)});
 * model.compile({optimizer, loss: 'categoricalCrossentropy'});
 * model.fit(tf.randomNormal([32, 4]), tf.oneHot(tf.tensor1d([...Array(32).keys()].map(i => i % 3), 'int32'), 3),
 *   {epochs: 2, verbose: 0}).then(h => console.log(h.history.loss)); // two decreasing losses
 * ```
 * @see Muon
 */
export function muon(args?: MuonArgs): Muon {
  return new Muon(args);
}

tf.serialization.registerClass(Muon);
