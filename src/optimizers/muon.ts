/**
 * Muon: momentum orthogonalised by Newton–Schulz, with an AdamW side for
 * everything that is not a hidden weight matrix.
 */
import * as tf from '@tensorflow/tfjs-core';

import {defaultEps} from '../linalg/newton_schulz';
import {bool, finiteNumber, oneOf, positiveInt, ValueError} from '../validate';
import {
  checkLearningRate,
  learningRateAt,
  matrixView,
  serializeLearningRate,
  type NamedTensor,
  SlotOptimizer,
} from './base';
import {
  checkExclude,
  checkFusedGates,
  deserializeExclude,
  type ExcludePattern,
  type FusedGate,
  inferFusedGates,
  listedGates,
  muonRoute,
  serializeExclude,
  serializeFusedGates,
} from './routing';
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
  /**
   * Send embedding matrices to AdamW: every variable whose name contains
   * "embedding" in any case (a tfjs Embedding's weight is
   * `<layer>/embeddings`), as Keras 3's `exclude_embeddings=True`.
   * Default true.
   */
  excludeEmbeddings?: boolean;
  /**
   * Orthogonalise the gate blocks of fused recurrent matrices one by one:
   * LSTM/ConvLSTM2D `kernel` and `recurrent_kernel` (`[…, 4·units]`, gates
   * i, f, c, o) and GRU ones (`[…, 3·units]`, z, r, h) are split into 4 / 3
   * blocks along the last axis, each gets Newton–Schulz and its own shape
   * factor, and the blocks are concatenated back. The fused matrices are
   * recognised from tfjs' weight names (`<layer>/recurrent_kernel` of shape
   * `[units, g·units]` and its sibling `<layer>/kernel`); `fusedGates` lists
   * them explicitly. SimpleRNN is unaffected. Default false: on MNIST-row
   * LSTM and GRU classifiers the fused update trained faster (measured; see
   * the optimizers docs).
   */
  splitFusedGates?: boolean;
  /**
   * Explicit fused-gate matrices `{name, gates}` (from
   * `muonGateSplits(model)`), split whatever `splitFusedGates` says.
   * A name also matches the variable renamed `<name>_<n>` on a reload. Default [].
   */
  fusedGates?: FusedGate[];
}

const WHO = 'muon';
const DEFAULTS = {
  learningRate: 0.02,
  momentum: 0.95,
  nesterov: true,
  nsSteps: 5,
  weightDecay: 0,
  scaleMode: 'original' as MuonScaleMode,
  excludeEmbeddings: true,
  splitFusedGates: false,
};
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
 * Routing: rank < 2, `exclude` matches and (with `excludeEmbeddings`, the
 * default) names containing "embedding" go to AdamW, as Keras 3's
 * `_should_use_adamw`. Fused recurrent matrices (LSTM `[…, 4u]`, GRU
 * `[…, 3u]`) are orthogonalised per gate block with `splitFusedGates` (off
 * by default) or `fusedGates`: O is the concatenation of NS₅ of each block, each
 * scaled by the factor of its own `[fanIn, u]` shape.
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
 * - Per-gate orthogonalisation of LSTM/GRU matrices is our addition (no
 *   reference handles recurrent layers), off by default: it trained slower
 *   than the fused update in our LSTM/GRU measurements (optimizers docs).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const w = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 1)); // a matrix: takes the Muon update
 * const opt = new tfa.optimizers.Muon({learningRate: 0.05});
 * const loss = () => tf.sum(tf.square(w));
 * console.log(loss().dataSync()[0]);
 * for (let i = 0; i < 5; i++) opt.minimize(loss);
 * console.log(loss().dataSync()[0]); // smaller
 * ```
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
  readonly excludeEmbeddings: boolean;
  readonly splitFusedGates: boolean;
  readonly fusedGates: FusedGate[];
  private readonly routes = new Map<string, 'muon' | 'adamw'>();
  private readonly gates = new Map<string, number>();

  constructor(args: MuonArgs = {}) {
    super();
    warnIfFloat16(WHO, 'its Newton–Schulz update was measured up to 5 % off float32 there.');
    this.learningRate = checkLearningRate(args.learningRate ?? DEFAULTS.learningRate, 'learningRate', WHO);
    this.momentum = finiteNumber(args.momentum ?? DEFAULTS.momentum, 'momentum', WHO, {
      min: 0,
      max: 1,
      maxExclusive: true,
    });
    this.nesterov = bool(args.nesterov ?? DEFAULTS.nesterov, 'nesterov', WHO);
    this.nsSteps = positiveInt(args.nsSteps ?? DEFAULTS.nsSteps, 'nsSteps', WHO);
    this.weightDecay = finiteNumber(args.weightDecay ?? DEFAULTS.weightDecay, 'weightDecay', WHO, {min: 0});
    this.scaleMode = oneOf(args.scaleMode ?? DEFAULTS.scaleMode, MUON_SCALE_MODES, 'scaleMode', WHO);
    if (args.adamw != null && typeof args.adamw !== 'object') {
      throw new ValueError(`${WHO}: adamw must be an object of AdamW arguments, got ${String(args.adamw)}.`);
    }
    this.adamw = resolveAdamW(args.adamw, ADAM_SIDE_DEFAULTS, WHO, 'adamw.');
    this.exclude = checkExclude(args.exclude, WHO);
    this.excludeEmbeddings = bool(args.excludeEmbeddings ?? DEFAULTS.excludeEmbeddings, 'excludeEmbeddings', WHO);
    this.splitFusedGates = bool(args.splitFusedGates ?? DEFAULTS.splitFusedGates, 'splitFusedGates', WHO);
    this.fusedGates = checkFusedGates(args.fusedGates, WHO);
  }

  /** 'muon' or 'adamw' for a variable (cached per name). */
  routeOf(name: string, shape: readonly number[]): 'muon' | 'adamw' {
    let r = this.routes.get(name);
    if (r == null) {
      r = muonRoute(name, shape, this.exclude, this.excludeEmbeddings);
      this.routes.set(name, r);
    }
    return r;
  }

  /**
   * The gate blocks of each variable of one `applyGradients` call (1 = not
   * split): `fusedGates` entries first, then, with `splitFusedGates`, the
   * names and shapes of the call's variables (cached per name).
   */
  gatesOf(vars: ReadonlyArray<{name: string; shape: readonly number[]}>): number[] {
    if (vars.some(v => !this.gates.has(v.name))) {
      const inferred = this.splitFusedGates ? inferFusedGates(vars) : new Map<string, number>();
      for (const {name, shape} of vars) {
        if (this.gates.has(name)) continue;
        const g = shape.length < 2 ? 1 : (listedGates(name, this.fusedGates) ?? inferred.get(name) ?? 1);
        if (g > 1 && shape[shape.length - 1] % g !== 0) {
          throw new ValueError(
            `${WHO}: fusedGates must split the last axis of '${name}' (shape [${shape}]) evenly, got ${g} gates.`,
          );
        }
        this.gates.set(name, g);
      }
    }
    return vars.map(v => this.gates.get(v.name)!);
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const k = this.iterations;
    const lr = learningRateAt(this.learningRate, k, 'learningRate', WHO);
    const adamLr = learningRateAt(this.adamw.learningRate, k, 'adamw.learningRate', WHO);
    const eps = defaultEps();
    tf.tidy(() => {
      const muonVars: Array<{variable: tf.Variable; fanIn: number; fanOut: number; gates: number}> = [];
      const directions: tf.Tensor[] = [];
      const items = this.gradientList(variableGradients);
      const matrices = items.filter(({variable}) => variable.rank >= 2);
      const gateList = this.gatesOf(matrices.map(({name, variable}) => ({name, shape: variable.shape})));
      const gateCounts = new Map(matrices.map(({name}, i) => [name, gateList[i]]));
      for (const {name, gradient, variable} of items) {
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
        const gates = gateCounts.get(name) ?? 1;
        muonVars.push({variable, fanIn, fanOut, gates});
        const mat = tf.reshape(next.direction, [fanIn, fanOut]); // [fanIn, fanOut]
        directions.push(...(gates > 1 ? tf.split(mat, gates, 1) : [mat])); // gates × [fanIn, fanOut/gates]
      }
      const orth = orthogonalize(directions, this.nsSteps, eps); // batched by shape
      let at = 0;
      for (const {variable, fanIn, fanOut, gates} of muonVars) {
        const blocks = orth.slice(at, at + gates);
        at += gates;
        const o = gates > 1 ? tf.concat(blocks, 1) : blocks[0];
        const update = tf.mul(tf.reshape(o, variable.shape), muonScale(fanIn, fanOut / gates, this.scaleMode));
        variable.assign(decoupledStep(variable, update, lr, this.weightDecay));
      }
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
      excludeEmbeddings: this.excludeEmbeddings,
      splitFusedGates: this.splitFusedGates,
      fusedGates: serializeFusedGates(this.fusedGates),
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
