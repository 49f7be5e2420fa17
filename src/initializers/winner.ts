/**
 * SIREN's uniform initialisation and WINNER's target-aware Gaussian
 * perturbation of it, as tfjs initializers.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {Initializer} from '@tensorflow/tfjs-layers/dist/initializers';

import {ValueError, bool, describe, finiteNumber, integer, positiveNumber, tensorArg} from '../validate';

// tfjs does not export its abstract Initializer class; built-in layers accept
// an instance of it, so we subclass it through a built-in initializer's prototype.
const InitializerBase = Object.getPrototypeOf(tfl.initializers.zeros().constructor) as typeof Initializer;

/** Arguments of {@link SirenUniform}. */
export interface SirenArgs {
  /** ω0 of the sine layer this kernel feeds (hidden-layer bound √(6/in)/ω0). Default 30. */
  omega0?: number;
  /** First layer: U(−1/in, 1/in) instead. Default false. */
  isFirst?: boolean;
  /** Seed. Null (default): unseeded. */
  seed?: number | null;
}

function fanIn(shape: number[], who: string): number {
  if (shape.length < 2)
    throw new ValueError(`${who}: shape must be a kernel shape [in, out] (rank >= 2), got [${shape.join(',')}].`);
  return shape.slice(0, -1).reduce((a, b) => a * b, 1);
}

function sirenBound(inDim: number, omega0: number, isFirst: boolean): number {
  return isFirst ? 1 / inDim : Math.sqrt(6 / inDim) / omega0;
}

/**
 * SIREN's kernel initialisation for a kernel `[in, out]`:
 * first layer `U(−1/in, 1/in)`, other layers `U(−√(6/in)/ω0, √(6/in)/ω0)`.
 *
 * Paper: Sitzmann et al., "Implicit Neural Representations with Periodic
 * Activation Functions", NeurIPS 2020, arXiv:2006.09661.
 * Follows: the SIREN² code's `SIREN.__init__` (`weight.uniform_`) (see {@link WinnerInit}).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const init = new tfa.initializers.SirenUniform({isFirst: true, seed: 1});
 * console.log(tf.max(tf.abs(init.apply([4, 8]))).dataSync()[0] <= 1 / 4); // true
 * ```
 */
export class SirenUniform extends InitializerBase {
  static className = 'SirenUniform';
  readonly omega0: number;
  readonly isFirst: boolean;
  readonly seed: number | null;

  constructor(args: SirenArgs = {}) {
    super();
    const who = 'initializers.siren';
    this.omega0 = positiveNumber(args.omega0 ?? 30, 'omega0', who);
    this.isFirst = bool(args.isFirst ?? false, 'isFirst', who);
    this.seed = args.seed == null ? null : integer(args.seed, 'seed', who, 0);
  }

  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    const b = sirenBound(fanIn(shape, 'initializers.siren'), this.omega0, this.isFirst);
    return tf.randomUniform(shape, -b, b, dtype ?? 'float32', this.seed ?? undefined);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {omega0: this.omega0, isFirst: this.isFirst, seed: this.seed};
  }
}

/**
 * SIREN's uniform kernel initializer; maths on {@link SirenUniform}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const w = tfa.initializers.siren({omega0: 30}).apply([64, 64]);
 * console.log(tf.max(tf.abs(w)).dataSync()[0] <= Math.sqrt(6 / 64) / 30); // true
 * ```
 * @see SirenUniform
 */
export function siren(args?: SirenArgs): SirenUniform {
  return new SirenUniform(args);
}

/**
 * Spectral centroid ψ ∈ [0, 1] of a target signal as the SIREN² code defines
 * it (`spectral_centroid`): the last axis holds C channels; per channel, the
 * magnitude |rfft| along the last spatial axis (a 1-D signal `[T, C]`, or each
 * row of an image `[H, W, C]`), its centroid Σ f·|Ŷ(f)| / Σ |Ŷ(f)| with f in
 * cycles/sample ∈ [0, 0.5] (averaged over rows), then
 * `ψ = 2·mean_c(centroid_c) / C`. A rank-1 input is one channel `[T]`.
 * Sync (one `dataSync` of the target, then float64 FFTs in JS, O(n log n)
 * per row, so it runs on every backend); the target is not disposed.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const t = tf.linspace(0, 1, 512);
 * console.log(tfa.initializers.spectralCentroid(tf.sin(tf.mul(t, 2 * Math.PI * 64)))); // ≈ 2·64/512 = 0.25
 * ```
 */
export function spectralCentroid(target: tf.Tensor): number {
  const who = 'initializers.spectralCentroid';
  tensorArg(target, 'target', who, {dtype: ['float32', 'int32']});
  if (target.rank < 1 || target.rank > 4)
    throw new ValueError(`${who}: target must have rank 1 to 4, got ${describe(target)}.`);
  const c = target.rank === 1 ? 1 : target.shape[target.rank - 1];
  const n = target.rank === 1 ? target.shape[0] : target.shape[target.rank - 2];
  if (n < 2)
    throw new ValueError(
      `${who}: target must have at least 2 samples along its last spatial axis, got ${describe(target)}.`,
    );
  // Float64 FFTs on the JS side: one read of the target, and it works on every
  // backend (tf.spectral.rfft needs the Complex kernel, missing on wasm).
  const data = target.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new ValueError(
        `${who}: target must contain only finite values, got ${data[i]} at flat index ${i} of ${describe(target)}.`,
      );
  }
  const rows = data.length / (n * c);
  const nf = Math.floor(n / 2) + 1;
  const fft = fftPlan(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let sum = 0;
  for (let ch = 0; ch < c; ch++) {
    let rowSum = 0;
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < n; t++) {
        re[t] = data[(r * n + t) * c + ch];
        im[t] = 0;
      }
      fft(re, im);
      let weighted = 0;
      let total = 0;
      for (let k = 0; k < nf; k++) {
        const mag = Math.hypot(re[k], im[k]);
        weighted += mag * (k / n); // rfftfreq(n, d=1)
        total += mag;
      }
      rowSum += total > 0 ? weighted / total : 0;
    }
    sum += rowSum / rows; // mean over rows (images) or the one signal
  }
  return (2 * (sum / c)) / c; // 2·mean over channels / C, as the reference
}

/** In-place radix-2 complex FFT of length n (a power of two). */
function fftRadix2(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/**
 * A forward DFT of length n, in place on (re, im): radix-2 when n is a power
 * of two, Bluestein's chirp-z (via radix-2 of size ≥ 2n − 1) otherwise.
 * O(n log n) either way.
 */
function fftPlan(n: number): (re: Float64Array, im: Float64Array) => void {
  if ((n & (n - 1)) === 0) return fftRadix2;
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const cr = new Float64Array(n); // chirp w_k = exp(−iπk²/n)
  const ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = (Math.PI * ((k * k) % (2 * n))) / n;
    cr[k] = Math.cos(a);
    ci[k] = -Math.sin(a);
  }
  const br = new Float64Array(m); // conj(chirp), wrapped
  const bi = new Float64Array(m);
  br[0] = cr[0];
  bi[0] = -ci[0];
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = cr[k];
    bi[k] = bi[m - k] = -ci[k];
  }
  fftRadix2(br, bi);
  const ar = new Float64Array(m);
  const ai = new Float64Array(m);
  return (re, im) => {
    ar.fill(0);
    ai.fill(0);
    for (let k = 0; k < n; k++) {
      ar[k] = re[k] * cr[k] - im[k] * ci[k];
      ai[k] = re[k] * ci[k] + im[k] * cr[k];
    }
    fftRadix2(ar, ai);
    for (let k = 0; k < m; k++) {
      const xr = ar[k] * br[k] - ai[k] * bi[k];
      ai[k] = ar[k] * bi[k] + ai[k] * br[k];
      ar[k] = xr;
    }
    // inverse FFT via conjugation
    for (let k = 0; k < m; k++) ai[k] = -ai[k];
    fftRadix2(ar, ai);
    for (let k = 0; k < n; k++) {
      const yr = ar[k] / m;
      const yi = -ai[k] / m;
      re[k] = yr * cr[k] - yi * ci[k];
      im[k] = yr * ci[k] + yi * cr[k];
    }
  };
}

/**
 * WINNER noise-scale presets of the SIREN² code (`set_noise_scales`).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * console.log(tfa.initializers.WINNER_PRESETS.audio); // {s0max: 3500, a: 7, b: 3}
 * ```
 */
export const WINNER_PRESETS = {
  audio: {s0max: 3500, a: 7, b: 3},
  image: {s0max: 50, a: 5, b: 0.4},
} as const;

/** Arguments of {@link WinnerInit}. */
export interface WinnerArgs {
  /** The signal to be fitted (`[T]`, `[T, C]`, `[H, W, C]`): ψ is computed from it. Not kept. Either target or psi. */
  target?: tf.Tensor;
  /** The spectral centroid ψ directly (what is saved). */
  psi?: number;
  /** Output channels C of the target. Default: from target (last axis; 1 for rank 1), else 1. */
  channels?: number;
  /** Coordinate dimension: 1 (audio constants) or 2 (image constants). Default: target rank 1-2 → 1, rank 3 → 2. */
  inDim?: number;
  /** ω0 of the hidden sine layers (the noise std is S/ω0). Default 30. */
  omega0?: number;
  /** First layer (input → hidden 1, noise S0, base U(±1/in)) or second (hidden 1 → hidden 2, noise S1). Default false. */
  isFirst?: boolean;
  /** Override the preset's S0 ceiling, exponent rate a and S1 slope b. */
  s0max?: number;
  a?: number;
  b?: number;
  /** Seed. Null (default): unseeded. */
  seed?: number | null;
}

/**
 * WINNER (SIREN²) kernel initializer: SIREN's uniform weights plus Gaussian
 * noise whose scale follows the target's spectral centroid ψ.
 *
 * Base: `U(−1/in, 1/in)` for the first layer, `U(−√(6/in)/ω0, √(6/in)/ω0)`
 * otherwise. Noise: first layer `+ N(0, (S0/ω0)²)`, second layer
 * `+ N(0, (S1/ω0)²)` (deeper layers get plain SIREN), with
 * `S0 = s0max·(1 − exp(−a·ψ/C))`, `S1 = b·ψ/C`, C the target's channel count
 * and `(s0max, a, b)` = (3500, 7, 3) for 1-D signals (audio) and (50, 5, 0.4)
 * for images; ψ from {@link spectralCentroid}.
 * Use as `kernelInitializer` of the first two `tfa.layers.sine` layers (or of
 * built-in Dense layers); the config (ψ, C, constants) is saved with models.
 *
 * Paper: Chandravamsi, Zhang, Sarkar et al., "Spectral Bottleneck in Deep
 * Neural Networks: Noise is All You Need" (v2: "... in Sinusoidal
 * Representation Networks ..."), 2025, arXiv:2509.09719.
 * Follows: the SIREN² code `models.py` (`SIREN_square.__init__`,
 * `set_noise_scales`, `add_noise`, `spectral_centroid`; project page
 * cfdlabtechnion.github.io/siren_square).
 * Deviations:
 * - The constants are the code's (a = 7, no √ψ); a README variant
 *   (`1 − e^{a√ψ/C}`, `b·ψ/√C`) disagrees and was not used.
 * - As in the code, ψ already contains a division by C and S0/S1 divide by C
 *   again (so multi-channel targets get ψ/C²); kept for fidelity.
 * - Fan-in is the kernel's first axes (tfjs `[in, out]` layout).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const init = new tfa.initializers.WinnerInit({psi: 0.3, isFirst: true, seed: 1});
 * console.log(init.noiseScale); // S0 = 3500·(1 − e^{−2.1}) ≈ 3071
 * ```
 */
export class WinnerInit extends InitializerBase {
  static className = 'WinnerInit';
  readonly psi: number;
  readonly channels: number;
  readonly inDim: number;
  readonly omega0: number;
  readonly isFirst: boolean;
  readonly s0max: number;
  readonly a: number;
  readonly b: number;
  readonly seed: number | null;

  constructor(args: WinnerArgs) {
    super();
    const who = 'initializers.winner';
    if (args == null) throw new ValueError(`${who}: args must be an object with target or psi, got ${describe(args)}.`);
    const target = (args as {target?: unknown}).target;
    if (target != null) {
      tensorArg(target, 'target', who);
      this.psi = spectralCentroid(target as tf.Tensor);
    } else if (args.psi != null) {
      this.psi = finiteNumber(args.psi, 'psi', who, {min: 0, max: 1});
    } else {
      throw new ValueError(`${who}: target or psi must be given, got neither.`);
    }
    const t = target as tf.Tensor | undefined;
    const dflt = t == null ? 1 : t.rank === 1 ? 1 : t.shape[t.rank - 1];
    this.channels = integer(args.channels ?? dflt, 'channels', who, 1);
    this.inDim = integer(args.inDim ?? (t != null && t.rank >= 3 ? 2 : 1), 'inDim', who, 1, 2);
    const preset = this.inDim === 1 ? WINNER_PRESETS.audio : WINNER_PRESETS.image;
    this.s0max = finiteNumber(args.s0max ?? preset.s0max, 's0max', who, {min: 0});
    this.a = finiteNumber(args.a ?? preset.a, 'a', who, {min: 0});
    this.b = finiteNumber(args.b ?? preset.b, 'b', who, {min: 0});
    this.omega0 = positiveNumber(args.omega0 ?? 30, 'omega0', who);
    this.isFirst = bool(args.isFirst ?? false, 'isFirst', who);
    this.seed = args.seed == null ? null : integer(args.seed, 'seed', who, 0);
  }

  /** The noise scale S of this layer: S0 (first layer) or S1 (second). */
  get noiseScale(): number {
    const r = this.psi / this.channels;
    return this.isFirst ? this.s0max * (1 - Math.exp(-this.a * r)) : this.b * r;
  }

  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    const bound = sirenBound(fanIn(shape, 'initializers.winner'), this.omega0, this.isFirst);
    const seed = this.seed ?? undefined;
    return tf.tidy(() =>
      tf.add(
        tf.randomUniform(shape, -bound, bound, dtype ?? 'float32', seed),
        tf.randomNormal(shape, 0, this.noiseScale / this.omega0, 'float32', seed == null ? undefined : seed + 7919),
      ),
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      psi: this.psi,
      channels: this.channels,
      inDim: this.inDim,
      omega0: this.omega0,
      isFirst: this.isFirst,
      s0max: this.s0max,
      a: this.a,
      b: this.b,
      seed: this.seed,
    };
  }
}

/**
 * WINNER (SIREN²) kernel initializer; maths and references on {@link WinnerInit}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const t = tf.linspace(-1, 1, 1024);
 * const target = tf.sin(tf.mul(t, 300));                       // a high-frequency 1-D signal
 * const init0 = tfa.initializers.winner({target, isFirst: true, seed: 1});
 * console.log(init0.psi, init0.noiseScale);                    // ψ ≈ 0.19, S0 ≈ 2586
 * const model = tf.sequential({layers: [
 *   tfa.layers.sine({units: 32, isFirst: true, inputShape: [1], kernelInitializer: init0}),
 *   tfa.layers.sine({units: 32, kernelInitializer: tfa.initializers.winner({target, seed: 2})}),
 *   tf.layers.dense({units: 1})]});
 * model.predict(tf.reshape(t, [-1, 1])).print();
 * ```
 * @see WinnerInit
 */
export function winner(args: WinnerArgs): WinnerInit {
  return new WinnerInit(args);
}

tf.serialization.registerClass(SirenUniform);
tf.serialization.registerClass(WinnerInit);
