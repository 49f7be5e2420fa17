/**
 * Nested dropout: during training, keep only a random prefix of the units on
 * the last axis, so the leading units learn the most important features.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {mulberry32Step} from '../random/rng';
import {fail, finiteNumber, integer, knownLastDim, oneOf, positiveInt, positiveNumber} from '../validate';
import {singleInput} from './utils';

/** Distribution of the number of kept units k. */
export type NestedDropoutDistribution = 'half-gaussian' | 'geometric';
const DISTRIBUTIONS: readonly NestedDropoutDistribution[] = ['half-gaussian', 'geometric'];

/** Arguments of {@link NestedDropout}; every field survives getConfig → fromConfig. */
export interface NestedDropoutArgs extends LayerArgs {
  /**
   * `'half-gaussian'` (default; the official code's `GaussianDist`):
   * p(k) ∝ exp(−((k − mu)/sigma)²), k = 1..N. `'geometric'` (Rippel et al.
   * 2014): p(k) ∝ (1 − p)^(k−1), k = 1..N.
   */
  distribution?: NestedDropoutDistribution;
  /** σ of the half-Gaussian, in units. Finite, > 0. Default 10 (the paper's CIFAR-10 value; 100 for CIFAR-100/Clothing1M). */
  sigma?: number;
  /** μ of the half-Gaussian, in units. Finite. Default 0 (official default). */
  mu?: number;
  /** Per-unit stop probability of the geometric distribution, in (0, 1]; mean k ≈ 1/p. Default 0.1. */
  p?: number;
  /** Units kept at inference (the first `inferenceUnits`); null (default) keeps all (identity). Integer in [1, N]. */
  inferenceUnits?: number | null;
  /**
   * Seed of the layer's own random stream (one draw per training call). Unset:
   * seeded randomly. The stream's position is the non-trainable weight
   * `stream_state`, saved with the model, so a reloaded model continues the
   * stream where it stopped.
   */
  seed?: number | null;
}

const DEFAULTS = {distribution: 'half-gaussian', sigma: 10, mu: 0, p: 0.1} as const;
const WHO = 'NestedDropout';

/**
 * Nested dropout on the last axis: in training, one k per call (per batch) is
 * drawn and units k+1..N are zeroed; no rescaling.
 *
 * Training: `k ~ p(k)`, k ∈ {1..N}; `y[..., i] = x[..., i]·1[i < k]` (0-based i).
 * `half-gaussian`: p(k) ∝ exp(−((k − μ)/σ)²); `geometric`: p(k) ∝ (1 − p)^(k−1).
 * Inference: identity, or the first `inferenceUnits` units kept.
 * Input `[batch, ..., N]` → output the same shape.
 * Weights: `stream_state []` int32, non-trainable: the 32-bit state of the
 * layer's mulberry32 stream (starts at `seed`, or a random seed when unset;
 * advanced by each training call). It is saved and loaded with the model like
 * BatchNormalization's moving statistics (Keras 3 keeps a `SeedGenerator`'s
 * state in a variable the same way), so save → load → continue draws exactly
 * the k's uninterrupted training would have drawn, seeded or not.
 *
 * Paper: Chen, Hu, Shen, Ai, Suykens, "Compressing Features for Learning with
 * Noisy Labels", 2022 (TNNLS), arXiv:2206.13140; geometric option from Rippel,
 * Gelbart, Adams, "Learning Ordered Representations with Nested Dropout",
 * 2014, arXiv:1402.0915.
 * Follows: yingyichen-cyy/Nested-Co-teaching @ 4c9b59f `nested/train_resnet.py`,
 * `GaussianDist(mu, std, N)` and `Train` (`k = np.random.choice(N, p=dist)`,
 * mask keeps the first k+1 units with 0-based k, i.e. k ∈ {1..N} kept units).
 * Deviations:
 * - The official code picks the inference width K by sweeping every K on the
 *   validation set; here K is the `inferenceUnits` argument (set it after your
 *   own sweep with {@link NestedDropout.setInferenceUnits}; it is saved in the config).
 * - Sampling runs on a JS-side seeded stream mirrored in the `stream_state`
 *   weight (read back only after the weight was set from outside, e.g. by
 *   load or setWeights; no tensor read per step otherwise).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.NestedDropout({sigma: 3, seed: 1});
 * layer.apply(tf.ones([1, 6]), {training: true}).print(); // ones on a random prefix, zeros after
 * console.log(layer.getClassName(), layer.getConfig().sigma); // NestedDropout 3
 * ```
 */
export class NestedDropout extends tfl.layers.Layer {
  static className = 'NestedDropout';
  readonly distribution: NestedDropoutDistribution;
  readonly sigma: number;
  readonly mu: number;
  readonly p: number;
  readonly seed: number | null;
  private inferenceK: number | null;
  private cdf: Float64Array | null = null;
  /** Stream state for an unbuilt layer, and the JS mirror of `stream_state` (uint32). */
  private state: number;
  private stateVar: tfl.LayerVariable | null = null; // [] int32
  /** The tensor data the JS mirror `state` corresponds to; another one means the weight was set from outside. */
  private mirroredData: object | null = null;
  private lastK: number | null = null;

  constructor(args: NestedDropoutArgs = {}) {
    super(args); // on load args also carries `customObjects`: read only own fields
    this.distribution = oneOf(args.distribution ?? DEFAULTS.distribution, DISTRIBUTIONS, 'distribution', WHO);
    this.sigma = positiveNumber(args.sigma ?? DEFAULTS.sigma, 'sigma', WHO);
    this.mu = finiteNumber(args.mu ?? DEFAULTS.mu, 'mu', WHO);
    this.p = finiteNumber(args.p ?? DEFAULTS.p, 'p', WHO, {min: 0, minExclusive: true, max: 1});
    this.inferenceK = args.inferenceUnits == null ? null : positiveInt(args.inferenceUnits, 'inferenceUnits', WHO);
    this.seed = args.seed == null ? null : integer(args.seed, 'seed', WHO, 0);
    this.state = (this.seed ?? Math.floor(Math.random() * 4294967296)) >>> 0;
    this.supportsMasking = true;
  }

  /** Units kept at inference (null: all). */
  get inferenceUnits(): number | null {
    return this.inferenceK;
  }

  /** Number of units kept by the most recent training call (null before any). */
  get lastUnits(): number | null {
    return this.lastK;
  }

  /** Sets the units kept at inference (null: all); validated against N once built. */
  setInferenceUnits(units: number | null): void {
    const k = units == null ? null : positiveInt(units, 'inferenceUnits', WHO);
    if (k != null && this.cdf != null && k > this.cdf.length) {
      fail(WHO, 'inferenceUnits', `an integer in [1, ${this.cdf.length}] (the input width)`, k);
    }
    this.inferenceK = k;
  }

  /** p(k) for k = 1..N as a Float64Array (index k−1); needs the layer built. */
  probabilities(): Float64Array {
    if (this.cdf == null) throw new Error(`${WHO}: probabilities() needs the layer to be built first.`);
    const cdf = this.cdf;
    return cdf.map((c, i) => c - (i > 0 ? cdf[i - 1] : 0));
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const n = knownLastDim(inputShape, WHO);
    if (this.inferenceK != null && this.inferenceK > n) {
      fail(WHO, 'inferenceUnits', `an integer in [1, ${n}] (the input width)`, this.inferenceK);
    }
    const w = new Float64Array(n);
    for (let k = 1; k <= n; k++) {
      w[k - 1] =
        this.distribution === 'geometric'
          ? Math.pow(1 - this.p, k - 1)
          : Math.exp(-(((k - this.mu) / this.sigma) ** 2));
    }
    const total = w.reduce((a, b) => a + b, 0);
    if (!(total > 0)) {
      fail(WHO, 'sigma', `large enough for p(k) to be representable over k = 1..${n} (mu ${this.mu})`, this.sigma);
    }
    const cdf = new Float64Array(n);
    let acc = 0;
    w.forEach((v, i) => {
      acc += v / total;
      cdf[i] = acc;
    });
    this.cdf = cdf;
    this.stateVar = this.addWeight('stream_state', [], 'int32', tfl.initializers.zeros(), undefined, false);
    this.writeState(this.state);
    this.built = true;
  }

  /** Sets `stream_state` to the uint32 `s` (stored as its int32 bit pattern) and mirrors it. */
  private writeState(s: number): void {
    this.state = s >>> 0;
    if (this.stateVar == null) return;
    const t = tf.scalar(this.state | 0, 'int32');
    this.stateVar.write(t);
    t.dispose();
    this.mirroredData = this.stateVar.read().dataId;
  }

  /** The current stream state, re-read from the weight when something else (load, setWeights) wrote it. */
  private readState(): number {
    if (this.stateVar != null && this.stateVar.read().dataId !== this.mirroredData) {
      // Not a hot path: only the first training call after load/setWeights reads the 4-byte state.
      // eslint-disable-next-line no-restricted-properties -- one scalar read after an external write
      this.state = this.stateVar.read().dataSync()[0] >>> 0;
      this.mirroredData = this.stateVar.read().dataId;
    }
    return this.state;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, WHO); // [batch, ..., N]
      const n = x.shape[x.rank - 1];
      let k: number;
      if (kwargs?.training === true) {
        k = this.sample();
        this.lastK = k;
      } else if (this.inferenceK != null) {
        k = this.inferenceK;
      } else {
        return tf.clone(x);
      }
      const mask = tf.cast(tf.less(tf.range(0, n, 1, 'int32'), k), x.dtype); // [N]
      return tf.mul(x, mask); // [batch, ..., N]
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      distribution: this.distribution,
      sigma: this.sigma,
      mu: this.mu,
      p: this.p,
      inferenceUnits: this.inferenceK,
      seed: this.seed,
    };
  }

  private sample(): number {
    const cdf = this.cdf!;
    // One mulberry32 step (src/random/rng.ts), the state kept in the weight.
    const {state, value} = mulberry32Step(this.readState());
    this.writeState(state);
    const u = value * cdf[cdf.length - 1];
    let k = 0;
    while (k < cdf.length - 1 && cdf[k] <= u) k++;
    return k + 1; // kept units, 1..N
  }
}

/**
 * Nested dropout on the last axis; maths and references on {@link NestedDropout}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const drop = tfa.layers.nestedDropout({sigma: 3, seed: 1});
 * const x = tf.ones([1, 8]);
 * drop.apply(x, {training: true}).print(); // ones on a random prefix, zeros after
 * drop.apply(x).print();                   // identity at inference
 * ```
 * @see NestedDropout
 */
export function nestedDropout(args?: NestedDropoutArgs): NestedDropout {
  return new NestedDropout(args);
}

tf.serialization.registerClass(NestedDropout);
