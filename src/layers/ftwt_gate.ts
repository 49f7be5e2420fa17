/**
 * FTWTGate: the Fire-Together-Wire-Together dynamic-pruning mask predictor.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {DisposeResult, LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {bool, fail, finiteNumber, oneOf} from '../validate';
import {stopGradient, unaryCustomGrad} from './utils';

type Shape = Array<number | null>;

/** Arguments of {@link FTWTGate}; every field survives getConfig → fromConfig. */
export interface FTWTGateArgs extends LayerArgs {
  /**
   * Fraction `r` of the per-sample activation mass the self-supervised target
   * keeps (the reference's `--mthresh`). In (0, 1]; `1` is the reference's
   * special case "drop only filters with share ≤ 1e-5". Default 0.9.
   */
  massThreshold?: number;
  /**
   * `'decoupled'`: the predictor reads a stop-gradient copy of `convInput`,
   * so its loss trains only the predictor. `'joint'`: the mask loss also
   * back-propagates into `convInput` (and the backbone). Default `'decoupled'`.
   */
  mode?: FTWTMode;
  /**
   * Multiplier of this gate's mask loss (the reference's `lweight`). Finite,
   * >= 0; `0` adds no loss. Mutable after construction (`gate.lossWeight = 0`
   * freezes the predictor, the reference's cooldown). Default 1.
   */
  lossWeight?: number;
  /**
   * Whether the pooled input goes through a softmax before the dense head
   * (the reference's `--softmax`, 1 by default). Default true.
   */
  softmax?: boolean;
}

/** How the mask loss reaches the backbone, see {@link FTWTGateArgs.mode}. */
export type FTWTMode = 'decoupled' | 'joint';

const MODES: readonly FTWTMode[] = ['decoupled', 'joint'];
const DEFAULTS = {massThreshold: 0.9, mode: 'decoupled' as FTWTMode, lossWeight: 1, softmax: true};
const WHO = 'FTWTGate';
/** Tolerance of the cumulative-mass comparison, `delta = 1e-5` in `get_gt_mask_ratio`. */
const MASS_DELTA = 1e-5;

/** Per-filter `max |y|` over every axis between batch and channels: `[B, ..., C]` → `[B, C]`. */
function filterScores(y: tf.Tensor): tf.Tensor2D {
  const a = tf.abs(y);
  if (y.rank === 2) return a as tf.Tensor2D;
  const axes = Array.from({length: y.rank - 2}, (_, i) => i + 1);
  return tf.max(a, axes) as tf.Tensor2D; // [B, C]
}

/**
 * The self-supervised target of FTWT (`get_gt_mask_ratio`, `gt_type='mass'`)
 * for a conv (or dense) output `y` of shape `[B, ..., C]`: a `[B, C]` float
 * tensor of 0/1. The caller disposes the result; no gradient flows through it.
 *
 * Per sample: `a_c = max |y_c|`, `p_c = a_c / Σ a`, filters sorted by `p`
 * descending (ties: lower channel index first), `S` the cumulative sum;
 * target 0 where `S − r > 1e-5`, else 1. Edge cases, as the reference:
 * - the largest share alone above `r + 1e-5` → all targets 0;
 * - `r = 1`: target 0 exactly where `p_c ≤ 1e-5` (no sorting);
 * - all-zero activations (`Σ a = 0`, NaN shares in the reference, whose
 *   comparisons are false) → all targets 1.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const y = tf.tensor2d([[4, 3, 2, 1]]); // one sample, 4 filters with mass shares 0.4, 0.3, 0.2, 0.1
 * tfa.layers.ftwtTargetMask(y, 0.7).print(); // [[1, 1, 0, 0]]: the largest filters holding 70% of the mass
 * ```
 */
export function ftwtTargetMask(y: tf.Tensor, massThreshold: number): tf.Tensor2D {
  const r = finiteNumber(massThreshold, 'massThreshold', 'ftwtTargetMask', {min: 0, max: 1, minExclusive: true});
  return tf.tidy(() => targetOp(r)(y) as tf.Tensor2D);
}

/** The target as a zero-gradient op (TopK has no gradient in tfjs; the reference uses `no_grad`). */
function targetOp(r: number): (y: tf.Tensor) => tf.Tensor {
  return unaryCustomGrad(
    y => targetForward(y, r),
    (_dy, y) => tf.zerosLike(y),
  );
}

function targetForward(y: tf.Tensor, r: number): tf.Tensor2D {
  const a = filterScores(y); // [B, C]
  const total = tf.sum(a, 1, true); // [B, 1]
  const dead = tf.equal(total, 0); // [B, 1]: the reference's NaN case
  const p = tf.div(a, tf.where(dead, tf.onesLike(total), total)); // [B, C]
  let keep: tf.Tensor; // [B, C] bool
  if (r === 1) {
    keep = tf.greater(p, MASS_DELTA);
  } else {
    const [b, c] = p.shape as [number, number];
    const {values, indices} = tf.topk(p, c, true); // [B, C] descending, ties by lower index
    const keepSorted = tf.cast(tf.lessEqual(tf.sub(tf.cumsum(values, 1), r), MASS_DELTA), 'float32'); // [B, C]
    // Undo the sort: the argsort of a permutation is its inverse.
    const inverse = tf.topk(tf.neg(tf.cast(indices, 'float32')), c, true).indices; // [B, C]
    // Gather on the flattened [B·C] view: tfjs-backend-wasm 4.22 gathers wrongly with batchDims = 1.
    const offsets = tf.reshape(tf.mul(tf.range(0, b, 1, 'int32'), tf.scalar(c, 'int32')), [b, 1]); // [B, 1]
    const flatIndex = tf.reshape(tf.add(inverse, offsets), [-1]); // [B·C]
    keep = tf.cast(tf.reshape(tf.gather(tf.reshape(keepSorted, [-1]), flatIndex), [b, c]), 'bool'); // [B, C]
  }
  return tf.cast(tf.logicalOr(keep, dead), 'float32') as tf.Tensor2D;
}

/** `1[sigmoid(logit) > 0.5]` as a constant (zero-gradient) mask, as `BinarizerSTEStatic` under `no_grad`. */
const binarize = unaryCustomGrad(
  logits => tf.cast(tf.greater(tf.sigmoid(logits), 0.5), 'float32'),
  dy => tf.zerosLike(dy),
);

/** `BCEWithLogits(l, t)` elementwise, in the stable form `max(l,0) − l·t + log(1 + e^{−|l|})`. */
function bceWithLogits(logits: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

/**
 * Dynamic-pruning gate of Fire Together Wire Together: predicts from a conv's
 * input which of its output filters to keep, and zeroes the others.
 *
 * Applied as `gate.apply([convInput, convOutput])`; returns `convOutput ⊙ m`.
 * Predictor: `s = softmax(GAP(convInput))` (`[B, C_in]`; without the softmax
 * if `softmax: false`), logits
 * `l = s·kernel + bias` (`[B, C_out]`), mask `m = 1[sigmoid(l) > 0.5]`
 * broadcast over the spatial axes, the same at train and test time.
 * While training (`kwargs.training === true`, i.e. inside `fit`) it adds the
 * loss `lossWeight · Σ_c mean_b BCEWithLogits(l_bc, t_bc)` with the
 * self-supervised target `t` of {@link ftwtTargetMask} computed from the
 * unmasked `convOutput` at `massThreshold`.
 * Gradients: `m` is a constant, so the task loss reaches `convOutput` as
 * `dy ⊙ m` (kept filters learn, dropped ones get zero) and never reaches the
 * predictor; the predictor learns only from the mask loss. In `'decoupled'`
 * mode the mask loss does not reach `convInput`; in `'joint'` mode it does.
 * Input `[[B, ..., C_in], [B, ..., C_out]]` (rank ≥ 2 each: `[B, C]`,
 * `[B, L, C]`, `[B, H, W, C]`) → output `[B, ..., C_out]`.
 * Weights: `kernel [C_in, C_out]`, `bias [C_out]`, both initialised
 * `U(−1/√C_in, 1/√C_in)` like PyTorch's default for the reference's 1×1 conv.
 *
 * Paper: Elkerdawy, Elhoushi, Zhang, Ray, "Fire Together Wire Together: A
 * Dynamic Pruning Approach with Self-Supervised Mask Prediction", CVPR 2022,
 * arXiv:2110.08232.
 * Follows: selkerdawy/FTWT `utils/layers.py` @ 83c1bd6 (`get_fmap_criteria`,
 * `get_gt_mask_ratio`, `apply_predictor`, `BinarizerSTEStatic`,
 * `MaskPredictorNN` with `--embedding -1 --softmax 1`, `ConvWithMask`) and
 * `utils/utils.py` (`compute_mask_loss_per_input`).
 * Deviations:
 * - One loss per gate, scaled by `lossWeight`; the reference averages the
 *   per-layer losses over the N gated layers (set `lossWeight = 1/N` to match).
 * - Sort ties are broken by the lower channel index (the reference's
 *   `torch.sort` leaves the order of ties unspecified).
 * - All-zero activations give an all-ones target explicitly; the reference
 *   reaches the same result through NaN comparisons.
 * - One optimizer for backbone and predictor (the reference uses SGD with
 *   lr 0.1 for predictors, 0.01 for the backbone).
 * - The `'uniform'` target, the pooled embedding (`--embedding > 0`) and the
 *   all-ones head warm-up are not offered.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const gate = new tfa.layers.FTWTGate({massThreshold: 0.9});
 * const x = tf.randomNormal([2, 8, 8, 3]);
 * const conv = tf.layers.conv2d({filters: 6, kernelSize: 3, padding: 'same'}).apply(x);
 * console.log(gate.getClassName(), gate.apply([x, conv]).shape); // FTWTGate [2, 8, 8, 6]
 * ```
 */
export class FTWTGate extends tfl.layers.Layer {
  static className = 'FTWTGate';
  readonly massThreshold: number;
  readonly mode: FTWTMode;
  /** Multiplier of the mask loss; set it to 0 to stop training the predictor. */
  lossWeight: number;
  readonly softmax: boolean;
  private kernel: tfl.LayerVariable | null = null; // [C_in, C_out]
  private bias: tfl.LayerVariable | null = null; // [C_out]
  private pending: tf.Scalar[] = [];

  constructor(args: FTWTGateArgs = {}) {
    super(args);
    this.massThreshold = finiteNumber(args.massThreshold ?? DEFAULTS.massThreshold, 'massThreshold', WHO, {
      min: 0,
      max: 1,
      minExclusive: true,
    });
    this.mode = oneOf(args.mode ?? DEFAULTS.mode, MODES, 'mode', WHO);
    this.lossWeight = finiteNumber(args.lossWeight ?? DEFAULTS.lossWeight, 'lossWeight', WHO, {min: 0});
    this.softmax = bool(args.softmax ?? DEFAULTS.softmax, 'softmax', WHO);
  }

  override build(inputShape: Shape | Shape[]): void {
    const [inShape, outShape] = gateShapes(inputShape);
    const cIn = inShape[inShape.length - 1] as number;
    const cOut = outShape[outShape.length - 1] as number;
    const limit = 1 / Math.sqrt(cIn); // PyTorch's default init of the 1x1 conv head
    const init = () => tfl.initializers.randomUniform({minval: -limit, maxval: limit});
    if (this.kernel == null) this.kernel = this.addWeight('kernel', [cIn, cOut], 'float32', init());
    if (this.bias == null) this.bias = this.addWeight('bias', [cOut], 'float32', init());
    this.addLoss(() => {
      const live = this.pending.filter(t => !t.isDisposed);
      this.pending = [];
      return live.length > 0 ? (tf.addN(live) as tf.Scalar) : tf.scalar(0);
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return gateShapes(inputShape)[1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      fail(
        WHO,
        'inputs',
        'a pair [convInput, convOutput]',
        Array.isArray(inputs) ? `${inputs.length} tensors` : inputs,
      );
    }
    const [x, y] = inputs;
    const training = kwargs?.training === true && this.lossWeight > 0;
    const [out, loss] = tf.tidy(() => {
      const logits = this.logitsOf(this.mode === 'decoupled' ? stopGradient(x) : x); // [B, C_out]
      const mask = binarize(logits); // [B, C_out]
      const gated = tf.mul(y, tf.reshape(mask, maskShape(y))); // [B, ..., C_out]
      if (!training) return [gated];
      const target = targetOp(this.massThreshold)(y); // [B, C_out]
      const perFilter = tf.mean(bceWithLogits(logits, target), 0); // [C_out]
      return [gated, tf.mul(tf.sum(perFilter), this.lossWeight) as tf.Scalar];
    });
    if (loss != null) this.pending.push(loss as tf.Scalar);
    return out;
  }

  /** Predictor logits `[B, C_out]` for a conv input `[B, ..., C_in]`; the caller disposes them. */
  logits(convInput: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.logitsOf(convInput));
  }

  /** The predicted 0/1 mask `[B, C_out]` for a conv input; the caller disposes it. */
  predictMask(convInput: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => binarize(this.logitsOf(convInput)) as tf.Tensor2D);
  }

  /** The self-supervised 0/1 target `[B, C_out]` of a conv output at this gate's `massThreshold`. */
  targetMask(convOutput: tf.Tensor): tf.Tensor2D {
    return ftwtTargetMask(convOutput, this.massThreshold);
  }

  private logitsOf(x: tf.Tensor): tf.Tensor2D {
    if (this.kernel == null || this.bias == null) {
      fail(WHO, 'layer', 'built (apply it once) before predicting masks', this.name);
    }
    const pooled =
      x.rank === 2
        ? x
        : tf.mean(
            x,
            Array.from({length: x.rank - 2}, (_, i) => i + 1),
          ); // [B, C_in]
    const s = this.softmax ? tf.softmax(pooled as tf.Tensor2D, -1) : pooled; // [B, C_in]
    return tf.add(tf.matMul(s, this.kernel.read() as tf.Tensor2D), this.bias.read()) as tf.Tensor2D; // [B, C_out]
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      massThreshold: this.massThreshold,
      mode: this.mode,
      lossWeight: this.lossWeight,
      softmax: this.softmax,
    };
  }

  override dispose(): DisposeResult {
    tf.dispose(this.pending);
    this.pending = [];
    return super.dispose();
  }
}

/** `[B, 1, ..., 1, C]` for broadcasting a `[B, C]` mask over `y`'s spatial axes. */
function maskShape(y: tf.Tensor): number[] {
  return [y.shape[0], ...Array<number>(y.rank - 2).fill(1), y.shape[y.rank - 1]];
}

/** Checks and returns `[convInput shape, convOutput shape]`. */
function gateShapes(inputShape: Shape | Shape[]): [Shape, Shape] {
  if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
    fail(WHO, 'inputs', 'a pair [convInput, convOutput] (apply the gate to two tensors)', inputShape);
  }
  const [inShape, outShape] = inputShape as Shape[];
  for (const [name, s] of [
    ['convInput', inShape],
    ['convOutput', outShape],
  ] as Array<[string, Shape]>) {
    if (s.length < 2) fail(WHO, `${name} shape`, 'of rank >= 2 ([B, C] or [B, ..., C])', s);
    const c = s[s.length - 1];
    if (c == null || c < 1) fail(WHO, `${name} shape`, 'known on its last (channel) axis', s);
  }
  return [inShape, outShape];
}

/**
 * A Fire-Together-Wire-Together gate; maths and references on {@link FTWTGate}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const x = tf.input({shape: [8, 8, 3]});
 * const conv = tf.layers.conv2d({filters: 6, kernelSize: 3, padding: 'same', activation: 'relu'}).apply(x);
 * const gated = tfa.layers.ftwtGate({massThreshold: 0.9}).apply([x, conv]);
 * const y = tf.layers.dense({units: 2}).apply(tf.layers.flatten().apply(gated));
 * const model = tf.model({inputs: x, outputs: y});
 * model.predict(tf.randomNormal([2, 8, 8, 3])).print(); // a [2, 2] tensor
 * ```
 * @see FTWTGate
 */
export function ftwtGate(args?: FTWTGateArgs): FTWTGate {
  return new FTWTGate(args);
}

tf.serialization.registerClass(FTWTGate);
