/**
 * Muon's quintic Newton–Schulz orthogonalisation.
 */
import * as tf from '@tensorflow/tfjs-core';

import {fail, finiteNumber, positiveInt, positiveNumber, tensorArg} from '../validate';
import {warnIfFloat16} from '../float16';

const WHO = 'newtonSchulz';

/** Options of {@link newtonSchulz}. */
export interface NewtonSchulzOptions {
  /** Number of quintic iterations T. Positive integer. Default 5. */
  steps?: number;
  /** Coefficients (a, b, c) of `f(x) = a·x + b·x³ + c·x⁵`. Default [3.4445, -4.7750, 2.0315]. */
  coefficients?: [number, number, number];
  /**
   * Added to the Frobenius norm before dividing. Positive. Default 1e-7
   * (KellerJordan/Muon), raised to the backend's epsilon on float16 backends
   * (WebGL without float32 textures, epsilon 1e-4) where 1e-7 underflows.
   */
  eps?: number;
}

const DEFAULTS = {steps: 5, coefficients: [3.4445, -4.775, 2.0315] as [number, number, number], eps: 1e-7};

/**
 * Approximately orthogonalises `g`: returns `≈ U·S'·Vᵀ` for `g = U·S·Vᵀ`,
 * with every singular value `S'ᵢᵢ` pushed into about [0.68, 1.2] (values
 * below ~1e-2·‖g‖_F come out smaller).
 *
 * Algorithm (KellerJordan/Muon `zeropower_via_newtonschulz5`):
 * `X ← g` transposed to the wide orientation (rows ≤ cols);
 * `X ← X / (‖X‖_F + eps)`; T times `A = X·Xᵀ`, `B = b·A + c·A²`,
 * `X ← a·X + B·X`; transpose back.
 * A rank-3 input `[batch, m, n]` is a batch of matrices: each is normalised
 * by its own Frobenius norm and all go through one chain of batched matMuls.
 *
 * Float32 throughout (the references use bfloat16, which tfjs lacks).
 * Cost: `T·(4m²n + 2m³)` flops per m×n matrix (m ≤ n); synchronous; the
 * caller disposes the result.
 *
 * Paper: Jordan et al., "Muon: An optimizer for hidden layers in neural
 * networks", 2024 (blog, kellerjordan.github.io/posts/muon).
 * Follows: KellerJordan/Muon `muon.py` @857d1ad, `zeropower_via_newtonschulz5`.
 * Deviations:
 * - `X ← a·X + B·X` is computed as `(a·I + B)·X` (one fewer elementwise pass
 *   over the m×n matrix; identical in exact arithmetic).
 * - The iteration runs on the tall orientation `Y = Xᵀ` as
 *   `Y ← Y·(a·I + b·A + c·A²)`, `A = YᵀY`: the transpose of the reference's
 *   wide iteration (identical maths), about twice as fast on wasm, which
 *   re-packs every fresh right-hand matMul operand.
 * - float32 instead of bfloat16.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const g = tf.randomNormal([3, 5], 0, 1, 'float32', 1);
 * const o = tfa.linalg.newtonSchulz(g);
 * tf.matMul(o, o, false, true).print(); // O·Oᵀ = U·S'²·Uᵀ with S' in [0.68, 1.2]: near, not exactly, I
 * ```
 */
export function newtonSchulz<T extends tf.Tensor2D | tf.Tensor3D>(g: T, options: NewtonSchulzOptions = {}): T {
  tensorArg(g, 'g', WHO, {dtype: 'float32'});
  warnIfFloat16(WHO, 'its result was measured 0.6 % off float32 there.');
  if (g.rank !== 2 && g.rank !== 3) fail(WHO, 'g', 'a tensor of rank 2 or 3', g);
  const steps = positiveInt(options.steps ?? DEFAULTS.steps, 'steps', WHO);
  const coefficients = options.coefficients ?? DEFAULTS.coefficients;
  if (!Array.isArray(coefficients) || coefficients.length !== 3) {
    fail(WHO, 'coefficients', 'an array of 3 finite numbers', coefficients);
  }
  const [a, b, c] = coefficients.map(v => finiteNumber(v, 'coefficients', WHO));
  const eps = positiveNumber(options.eps ?? defaultEps(), 'eps', WHO);
  return tf.tidy(() => newtonSchulzUnchecked(g, steps, a, b, c, eps)) as T;
}

/** The default eps: 1e-7, or the backend epsilon when it is larger (float16). */
export function defaultEps(): number {
  return Math.max(DEFAULTS.eps, tf.backend().epsilon());
}

/** The iteration without argument checks (for the optimizers' hot path); call inside tidy. */
export function newtonSchulzUnchecked(
  g: tf.Tensor,
  steps: number,
  a: number,
  b: number,
  c: number,
  eps: number,
): tf.Tensor {
  const rank = g.rank;
  const m = g.shape[rank - 2];
  const n = g.shape[rank - 1];
  // Iterate on the tall orientation Y = Xᵀ (X the reference's wide matrix):
  // A = XXᵀ = YᵀY and X ← (aI + bA + cA²)·X is Y ← Y·(aI + bA + cA²). Same
  // maths, but the big operand is never the right-hand (packed) side of the
  // update product: on wasm each fresh right-hand operand is re-packed, which
  // cost as much as the product itself.
  const wide = m < n;
  const perm = rank === 3 ? [0, 2, 1] : [1, 0];
  let y = wide ? tf.transpose(g, perm) : g; // [.., s, r], s >= r
  const r = Math.min(m, n);
  const axes = [rank - 2, rank - 1];
  const norm = tf.sqrt(tf.sum(tf.square(y), axes, true)); // [.., 1, 1]
  y = tf.div(y, tf.add(norm, eps)); // ‖y‖_F ≤ 1, eps 1e-7 as KellerJordan/Muon
  const aI = tf.mul(tf.eye(r), a); // [r, r], broadcasts over the batch
  for (let t = 0; t < steps; t++) {
    // Explicit transpose: wasm's matMul with a transpose flag is ~18x slower.
    const gram = tf.matMul(tf.transpose(y, perm), y); // [.., r, r] A = YᵀY = XXᵀ
    const poly = tf.add(tf.add(tf.mul(gram, b), tf.mul(tf.matMul(gram, gram), c)), aI); // a·I + b·A + c·A²
    y = tf.matMul(y, poly); // [.., s, r]
  }
  return wide ? tf.transpose(y, perm) : y;
}
