/**
 * Delta Activation Layer: quantises activations with a trainable threshold and
 * penalises changes between consecutive frames, so delta-based inference
 * (process only what changed) has little to do.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {DisposeResult, LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {bool, fail, finiteNumber, oneOf, positiveNumber, singleShape, ValueError} from '../validate';
import {singleInput} from './utils';

/** Granularity of the threshold θ. */
export type DeltaThresholdLevel = 'channel' | 'neuron' | 'layer';
/** What the layer returns. */
export type DeltaOutput = 'value' | 'delta' | 'delta-no-background';
/** Activation applied before quantisation. */
export type DeltaActivationFn = 'relu' | 'softmax';

const LEVELS: readonly DeltaThresholdLevel[] = ['channel', 'neuron', 'layer'];
const OUTPUTS: readonly DeltaOutput[] = ['value', 'delta', 'delta-no-background'];
const ACTIVATIONS: readonly DeltaActivationFn[] = ['relu', 'softmax'];

/** Arguments of {@link DeltaActivation}; every field survives getConfig → fromConfig. */
export interface DeltaActivationArgs extends LayerArgs {
  /**
   * Shape of θ: `'channel'` (default; `[C]`, the last axis), `'neuron'` (the
   * input shape after batch and time, `[...F]`) or `'layer'` (`[1]`).
   */
  thresholdLevel?: DeltaThresholdLevel;
  /** Initial θ. Finite, > 0. Default 0.1 (reference `thr_init`). */
  thresholdInit?: number;
  /** Whether θ is trained. Default true (reference `thr_trainable`). */
  thresholdTrainable?: boolean;
  /** Weight of the temporal sparsity loss. Finite, >= 0. Default 1 (reference `sp_rate`; its scripts use 1e-6..1e-3). */
  sparsityRate?: number;
  /** Fan-out of each activation (MACs it feeds), multiplies the loss. Finite, > 0. Default 1 (reference `n_outputs`). */
  nOutputs?: number;
  /** Activation applied before quantisation: `'relu'`, `'softmax'` (last axis) or null (default, none). */
  activation?: DeltaActivationFn | null;
  /** Adds a trainable per-channel bias `bias [C]` (zeros) before the activation. Default false. */
  useBias?: boolean;
  /** Integrates the input over time first (`cumsum` on axis 1; reference `sigma`). Default false. */
  integrate?: boolean;
  /**
   * `'value'` (default): the quantised y. `'delta'`: `y_t − y_{t−1}` with
   * `y_{−1} = 0`. `'delta-no-background'`: the deltas with the first one
   * repeated at t = 0 (needs T >= 2).
   */
  output?: DeltaOutput;
  /**
   * Streaming mode (our extension): the last frame (and the running sum when
   * `integrate`) is kept between calls, so feeding a sequence in chunks (e.g.
   * one frame `[B, 1, ...F]` at a time) gives the same result as feeding it
   * whole. `resetStates()` clears the state. Default false.
   */
  stateful?: boolean;
}

const DEFAULTS = {
  thresholdLevel: 'channel',
  thresholdInit: 0.1,
  thresholdTrainable: true,
  sparsityRate: 1,
  nOutputs: 1,
  useBias: false,
  integrate: false,
  output: 'value',
  stateful: false,
} as const;
const WHO = 'DeltaActivation';
/** Floor on θ = |threshold|: keeps round(s/θ) finite if a threshold reaches 0. */
const THETA_FLOOR = 1e-12;

/** Sums `g` down to `shape`, the shape `g` was broadcast from (trailing alignment). */
function sumToShape(g: tf.Tensor, shape: number[]): tf.Tensor {
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || shape[i - lead] === 1) axes.push(i);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
}

/**
 * `round(s/θ)·θ` with the reference gradients: ∂/∂s = dy (straight-through)
 * and ∂/∂θ = −Σ dy·round(s/θ) (the sign-flipped `neg_grad_custom`, no path
 * through the divisor), reduced to θ's shape.
 */
const quantizeOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const s = args[0] as tf.Tensor;
  const theta = args[1] as tf.Tensor;
  const r = tf.round(tf.div(s, theta)); // [B, T, ...F]
  (args[2] as tf.GradSaveFunc)([r]);
  return {
    value: tf.mul(r, theta),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [dy, sumToShape(tf.neg(tf.mul(dy, saved[0])), theta.shape)],
  };
});

/**
 * `|d|` with the subgradient sign(d), 0 at d = 0, as TensorFlow. tfjs' own
 * `abs` gradient is −1 at 0, and exactly-zero frame differences are the
 * common case for quantised activations.
 */
const absOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const d = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([d]);
  return {value: tf.abs(d), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sign(saved[0]))};
});

/**
 * Cumulative sum over the time axis 1. tfjs' `cumsum` gradient has the wrong
 * shape on a non-last axis of rank >= 3 input, so time is moved last first.
 */
function cumsumTime(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const toLast = [0, ...Array.from({length: r - 2}, (_, i) => i + 2), 1]; // [B, ...F, T]
  const back = [0, r - 1, ...Array.from({length: r - 2}, (_, i) => i + 1)]; // [B, T, ...F]
  return tf.transpose(tf.cumsum(tf.transpose(x, toLast), r - 1), back);
}

/**
 * The quantiser of {@link DeltaActivation}, exported for tests and custom layers.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * tfa.layers.deltaQuantize(tf.tensor1d([0.2, 0.7, -1.3]), tf.scalar(0.5)).print(); // round(s/θ)·θ: [0, 0.5, -1.5]
 * ```
 */
export function deltaQuantize(s: tf.Tensor, theta: tf.Tensor): tf.Tensor {
  return quantizeOp(s, theta) as tf.Tensor;
}

/**
 * Delta activation: trainable-threshold quantisation with a temporal-sparsity
 * loss, for sequences with time on axis 1.
 *
 * `s = x` (or `cumsum_t x` if `integrate`), `s ← act(s + b)`, θ = |threshold|,
 * `y = round(s/θ)·θ` (gradients: straight-through for s, −Σ dy·round(s/θ) for θ).
 * Loss while training: `sparsityRate·nOutputs·mean|y_t − y_{t+1}|`.
 * Measured temporal density: `count_nonzero(Δy)/numel(Δy)` ({@link DeltaActivation.temporalDensity}).
 * Input `[batch, T, ...F]` (rank >= 3) → output the same shape.
 * Weights: `threshold` (`[C]`, `[...F]` or `[1]` by `thresholdLevel`); `bias [C]` if `useBias`.
 *
 * Paper: Yousefzadeh & Sifalakis, "Delta Activation Layer exploits temporal
 * sparsity in deep neural networks", 2021, arXiv:2107.07305.
 * Follows: msifalakis/delta_activation_layer @ 5ac0224 `custom_layers.py`,
 * `delta_activation.build/call`, `quantize`, `round_custom`, `no_grad_custom`,
 * `neg_grad_custom`.
 * Deviations:
 * - The loss is added only while training (`fit`), so `evaluate` and the
 *   validation loss exclude it (tfjs never collects layer losses there); Keras
 *   adds it in every call.
 * - `'delta-no-background'` returns `y_t − y_{t−1}` (same sign as `'delta'`);
 *   the reference returns `y_{t−1} − y_t` for this mode only.
 * - Any rank >= 3 is accepted (the reference handles rank 3 and 5); the
 *   reference's `max_pooling` option is not provided (use a pooling layer).
 * - θ is floored at 1e-12 so a threshold that reaches 0 gives no NaN.
 * - The layer returns y only; the reference also returns `(spikes_L0,
 *   n_neurons)`, here exposed through `temporalDensity()`.
 * - `stateful` streaming is our extension.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.DeltaActivation({thresholdInit: 0.5});
 * const y = layer.apply(tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1)); // [batch, time, features]
 * console.log(layer.getClassName(), y.shape); // DeltaActivation [2, 5, 3]
 * ```
 */
export class DeltaActivation extends tfl.layers.Layer {
  static className = 'DeltaActivation';
  readonly thresholdLevel: DeltaThresholdLevel;
  readonly thresholdInit: number;
  readonly thresholdTrainable: boolean;
  readonly sparsityRate: number;
  readonly nOutputs: number;
  readonly activation: DeltaActivationFn | null;
  readonly useBias: boolean;
  readonly integrate: boolean;
  readonly outputMode: DeltaOutput;
  private threshold: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;
  /** Loss scalars of this step's training calls, drained by the addLoss closure. */
  private pending: tf.Scalar[] = [];
  /** Running count of nonzero Δy (kept) and of Δy entries, since the last reset. */
  private nonzero: tf.Scalar | null = null;
  private counted = 0;
  /** Streaming state: last quantised frame `[B, 1, ...F]` and running sum `[B, 1, ...F]`. */
  private lastFrame: tf.Tensor | null = null;
  private runningSum: tf.Tensor | null = null;

  constructor(args: DeltaActivationArgs = {}) {
    super(args); // on load args also carries `customObjects`: read only own fields
    this.thresholdLevel = oneOf(args.thresholdLevel ?? DEFAULTS.thresholdLevel, LEVELS, 'thresholdLevel', WHO);
    this.thresholdInit = positiveNumber(args.thresholdInit ?? DEFAULTS.thresholdInit, 'thresholdInit', WHO);
    this.thresholdTrainable = bool(args.thresholdTrainable ?? DEFAULTS.thresholdTrainable, 'thresholdTrainable', WHO);
    this.sparsityRate = finiteNumber(args.sparsityRate ?? DEFAULTS.sparsityRate, 'sparsityRate', WHO, {min: 0});
    this.nOutputs = positiveNumber(args.nOutputs ?? DEFAULTS.nOutputs, 'nOutputs', WHO);
    this.activation = args.activation == null ? null : oneOf(args.activation, ACTIVATIONS, 'activation', WHO);
    this.useBias = bool(args.useBias ?? DEFAULTS.useBias, 'useBias', WHO);
    this.integrate = bool(args.integrate ?? DEFAULTS.integrate, 'integrate', WHO);
    this.outputMode = oneOf(args.output ?? DEFAULTS.output, OUTPUTS, 'output', WHO);
    this._stateful = bool(args.stateful ?? DEFAULTS.stateful, 'stateful', WHO);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, WHO);
    if (shape.length < 3) {
      throw new ValueError(
        `${WHO}: input must have rank >= 3 ([batch, time, ...features]), got rank ${shape.length} ` +
          `(shape [${shape.map(d => (d == null ? 'null' : d)).join(',')}]).`,
      );
    }
    const features = shape.slice(2);
    const channels = features[features.length - 1];
    if (channels == null) fail(WHO, 'input shape', 'known on its last axis', shape);
    let thetaShape: number[];
    if (this.thresholdLevel === 'layer') {
      thetaShape = [1];
    } else if (this.thresholdLevel === 'channel') {
      thetaShape = [channels];
    } else {
      if (features.some(d => d == null))
        fail(WHO, 'input shape', "known after the time axis for thresholdLevel 'neuron'", shape);
      thetaShape = features as number[];
    }
    this.threshold = this.addWeight(
      'threshold',
      thetaShape,
      'float32',
      tfl.initializers.constant({value: this.thresholdInit}),
      undefined,
      this.thresholdTrainable,
    );
    if (this.useBias) this.bias = this.addWeight('bias', [channels], 'float32', tfl.initializers.zeros());
    // Drain: a shared layer (N inbound nodes) has this closure called N times
    // per step; the first call takes every pending loss, the others get 0.
    this.addLoss(() => {
      const live = this.pending.filter(t => !t.isDisposed);
      this.pending = [];
      if (live.length === 0) return tf.scalar(0);
      return tf.addN([tf.scalar(0), ...live]) as tf.Scalar;
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = singleInput(inputs, WHO);
    if (x.rank < 3) {
      throw new ValueError(`${WHO}: input must have rank >= 3 ([batch, time, ...features]), got rank ${x.rank}.`);
    }
    const streaming = this.stateful;
    const prev = streaming ? this.lastFrame : null;
    if (prev != null && prev.shape[0] !== x.shape[0]) {
      throw new ValueError(
        `${WHO}: a stateful layer keeps a batch of ${prev.shape[0]} sequences, got a batch of ${x.shape[0]}; call resetStates() first.`,
      );
    }
    const training = kwargs?.training === true;
    const T = x.shape[1] as number;
    if (this.outputMode === 'delta-no-background' && !streaming && T < 2) {
      fail(WHO, 'input time length', "at least 2 for output 'delta-no-background'", T);
    }
    // The loss scalar leaves the tidy as a result, so the enclosing scope
    // (fit's training step) owns and disposes it.
    const {y, loss, nonzero, frame, sum} = tf.tidy((): tf.TensorContainer => {
      let s = x; // [B, T, ...F]
      let sumOut: tf.Tensor | null = null;
      if (this.integrate) {
        s = cumsumTime(s); // [B, T, ...F]
        if (streaming && this.runningSum != null) s = tf.add(s, this.runningSum);
        if (streaming) sumOut = lastAlongTime(s); // [B, 1, ...F]
      }
      if (this.bias != null) s = tf.add(s, this.bias.read());
      if (this.activation === 'relu') s = tf.relu(s);
      else if (this.activation === 'softmax') s = tf.softmax(s, -1);
      const theta = tf.maximum(tf.abs(this.threshold!.read()), THETA_FLOOR); // θ shape
      const yq = deltaQuantize(s, theta); // [B, T, ...F]
      // Frames whose consecutive differences count: the kept last frame, then y.
      const seq = prev != null ? tf.concat([prev, yq], 1) : yq; // [B, T', ...F]
      const steps = seq.shape[1] as number;
      const diffs = steps >= 2 ? tf.sub(sliceTime(seq, 0, steps - 1), sliceTime(seq, 1, steps - 1)) : null; // [B, T'−1, ...F]: y_t − y_{t+1}
      const lossOut =
        training && diffs != null && this.sparsityRate > 0
          ? (tf.mul(this.sparsityRate * this.nOutputs, tf.mean(absOp(diffs) as tf.Tensor)) as tf.Scalar)
          : null;
      const nz = diffs != null ? (tf.sum(tf.cast(tf.notEqual(diffs, 0), 'float32')) as tf.Scalar) : null;
      let out: tf.Tensor;
      if (this.outputMode === 'value') {
        out = yq;
      } else if (this.outputMode === 'delta' || prev != null) {
        // y_t − y_{t−1}, with y_{−1} = the kept frame (streaming) or 0.
        const before = prev ?? tf.zerosLike(sliceTime(yq, 0, 1)); // [B, 1, ...F]
        const shifted = T > 1 ? tf.concat([before, sliceTime(yq, 0, T - 1)], 1) : before; // [B, T, ...F]
        out = tf.sub(yq, shifted);
      } else {
        // 'delta-no-background' without a kept frame: there is no delta at
        // t = 0; the reference repeats the first delta there, a fresh stream
        // (which cannot look ahead) emits zeros.
        const zero = tf.zerosLike(sliceTime(yq, 0, 1)); // [B, 1, ...F]
        if (T === 1) {
          out = zero;
        } else {
          const fwd = tf.sub(sliceTime(yq, 1, T - 1), sliceTime(yq, 0, T - 1)); // [B, T−1, ...F]: y_t − y_{t−1}
          out = tf.concat([streaming ? zero : sliceTime(fwd, 0, 1), fwd], 1); // [B, T, ...F]
        }
      }
      return {
        y: out,
        loss: lossOut,
        nonzero: nz,
        frame: streaming ? sliceTime(yq, T - 1, 1) : null,
        sum: sumOut,
      } as unknown as tf.TensorContainer;
    }) as unknown as CallResult;
    if (loss != null) this.pending.push(loss);
    if (nonzero != null) {
      const old = this.nonzero;
      this.nonzero = tf.keep(old == null ? nonzero : tf.add(old, nonzero)) as tf.Scalar;
      if (old != null) {
        old.dispose();
        nonzero.dispose();
      }
      const steps = T + (prev != null ? 1 : 0);
      this.counted += (x.size / T) * (steps - 1);
    }
    if (streaming) {
      this.replaceState(frame!, sum);
    }
    return y;
  }

  /**
   * Measured temporal density `count_nonzero(Δy)/numel(Δy)` of the quantised
   * activations over every call since construction or the last
   * {@link DeltaActivation.resetTemporalDensity} (training and inference
   * calls alike), Δy being differences of consecutive frames of one sequence.
   * Async (reads one scalar). Null before any sequence with T >= 2 was seen.
   */
  async temporalDensity(): Promise<number | null> {
    if (this.nonzero == null || this.counted === 0) return null;
    const [nz] = await this.nonzero.data();
    return nz / this.counted;
  }

  /** Restarts the measurement of {@link DeltaActivation.temporalDensity}. */
  resetTemporalDensity(): void {
    this.nonzero?.dispose();
    this.nonzero = null;
    this.counted = 0;
  }

  /** Clears the streaming state (the kept last frame and running sum). */
  override resetStates(): void {
    this.lastFrame?.dispose();
    this.runningSum?.dispose();
    this.lastFrame = null;
    this.runningSum = null;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      thresholdLevel: this.thresholdLevel,
      thresholdInit: this.thresholdInit,
      thresholdTrainable: this.thresholdTrainable,
      sparsityRate: this.sparsityRate,
      nOutputs: this.nOutputs,
      activation: this.activation,
      useBias: this.useBias,
      integrate: this.integrate,
      output: this.outputMode,
      stateful: this.stateful,
    };
  }

  override dispose(): DisposeResult {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) {
      this.resetStates();
      this.resetTemporalDensity();
      tf.dispose(this.pending);
      this.pending = [];
    }
    return result;
  }

  private replaceState(frame: tf.Tensor, sum: tf.Tensor | null): void {
    this.lastFrame?.dispose();
    this.lastFrame = tf.keep(frame);
    if (sum != null) {
      this.runningSum?.dispose();
      this.runningSum = tf.keep(sum);
    }
  }
}

/** What one call's tidy hands out (null entries are not computed). */
interface CallResult {
  y: tf.Tensor;
  loss: tf.Scalar | null;
  nonzero: tf.Scalar | null;
  frame: tf.Tensor | null;
  sum: tf.Tensor | null;
}

/** `t[:, begin:begin+size]` on the time axis. */
function sliceTime(t: tf.Tensor, begin: number, size: number): tf.Tensor {
  const start = t.shape.map((_, i) => (i === 1 ? begin : 0));
  const extent = t.shape.map((d, i) => (i === 1 ? size : d));
  return tf.slice(t, start, extent);
}

/** The last frame `t[:, T−1:T]`. */
function lastAlongTime(t: tf.Tensor): tf.Tensor {
  return sliceTime(t, (t.shape[1] as number) - 1, 1);
}

/**
 * Delta activation layer; maths and references on {@link DeltaActivation}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const delta = tfa.layers.deltaActivation({thresholdInit: 0.5, sparsityRate: 1e-3});
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 8, activation: 'relu', inputShape: [5, 3]}), // [batch, time, features]
 *   delta,
 *   tf.layers.globalAveragePooling1d(),
 *   tf.layers.dense({units: 2, activation: 'softmax'}),
 * ]});
 * model.predict(tf.randomNormal([4, 5, 3])).print();
 * delta.temporalDensity().then(d => console.log('temporal density', d));
 * ```
 * @see DeltaActivation
 */
export function deltaActivation(args?: DeltaActivationArgs): DeltaActivation {
  return new DeltaActivation(args);
}

tf.serialization.registerClass(DeltaActivation);
