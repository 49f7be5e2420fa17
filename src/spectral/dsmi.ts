/**
 * Diffusion Spectral Mutual Information DSMI(Z; Y) between a point cloud and
 * class labels, as the official `dse_dsmi` code computes it.
 */
import * as tf from '@tensorflow/tfjs-core';

import {describe, positiveInt, ValueError} from '../validate';
import {checkPoints, diffusionKernel, dseOfMatrix, resolveDSEOptions} from './dse';
import type {DSEOptions} from './dse';
import {PythonRandom} from '../random/rng';

/** Options of {@link diffusionSpectralMutualInfo}: those of DSE plus `repetitions`. */
export interface DSMIOptions extends DSEOptions {
  /** Random size-matched subsets per class for the unconditional term. Default 5 (official `num_repetitions`). */
  repetitions?: number;
}

const DEFAULTS = {repetitions: 5} as const;
const WHO = 'spectral.diffusionSpectralMutualInfo';

/** Integer class ids from a `[N]` / `[N, 1]` tensor or an array (values must be integers). */
async function readLabels(labels: unknown, n: number): Promise<Int32Array> {
  let data: ArrayLike<number>;
  if (labels instanceof tf.Tensor) {
    if (labels.isDisposed)
      throw new ValueError(`${WHO}: labels must be a tensor that is not disposed, got ${describe(labels)}.`);
    const ok = labels.rank === 1 || (labels.rank === 2 && labels.shape[1] === 1);
    if (!ok || labels.shape[0] !== n) {
      throw new ValueError(`${WHO}: labels must be [${n}] or [${n}, 1] class ids matching z, got ${describe(labels)}.`);
    }
    data = (await labels.data()) as ArrayLike<number>;
  } else if (labels != null && typeof labels === 'object' && typeof (labels as ArrayLike<number>).length === 'number') {
    data = labels as ArrayLike<number>;
    if (data.length !== n)
      throw new ValueError(`${WHO}: labels must have ${n} entries to match z, got ${data.length}.`);
  } else {
    throw new ValueError(`${WHO}: labels must be a tensor or an array of class ids, got ${describe(labels)}.`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new ValueError(`${WHO}: labels must be integer class ids, got ${v} at index ${i}.`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * DSMI(Z; Y) in bits between the rows of `z` `[N, D]` and integer class labels
 * (`[N]`, `[N, 1]` tensor or array).
 *
 * DSMI = Σ_c (n_c/N) · [ mean_{r=1..R} DSE(Z*_r) − DSE(Z | Y=c) ], where Z*_r
 * is a random subset of all rows of the same size n_c (the official code's
 * "numerical consistency" estimate of DSE(Z), since DSE grows with N) and
 * R = `repetitions`. As in the reference the random generator is re-seeded
 * with `seed` for every class, and subsets are drawn with CPython's
 * `random.sample` (reproduced exactly in JS), so results match the official
 * code up to float32 kernel round-off. Every DSE uses the same σ, t and
 * `maxN`; `'median'` is resolved once on the whole `z`.
 * Cost: (1 + R) DSE evaluations per class. Async; `z` and `labels` are not disposed.
 *
 * Paper: Liao, Liu et al., "Assessing Neural Network Representations During
 * Training Using Noise-Resilient Diffusion Spectral Entropy", 2023, arXiv:2312.04823.
 * Follows: ChenLiu-1996/DiffusionSpectralEntropy `dse_dsmi` 1.1, `dsmi.py`
 * `diffusion_spectral_mutual_information` (discrete-reference branch).
 * Deviations:
 * - Only class labels are supported as the reference (the official code also
 *   bins continuous scalars or spectrally clusters vectors); cluster them
 *   yourself and pass the ids.
 * - `sigma: 'median'` is resolved on the whole `z` once, so all terms share σ.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const labels = tf.tensor1d(Array.from({length: 60}, (_, i) => i % 3), 'int32');
 * const z = tf.add(tf.randomNormal([60, 4], 0, 1, 'float32', 2), tf.mul(tf.oneHot(labels, 4), 8));
 * tfa.spectral.diffusionSpectralMutualInfo(z, labels, {sigma: 3}).then(bits => console.log(bits));
 * ```
 */
export async function diffusionSpectralMutualInfo(
  z: tf.Tensor2D,
  labels: tf.Tensor | ArrayLike<number>,
  opts: DSMIOptions = {},
): Promise<number> {
  const cfg = resolveDSEOptions(opts, WHO);
  const repetitions = positiveInt(opts.repetitions ?? DEFAULTS.repetitions, 'repetitions', WHO);
  await checkPoints(z, 'z', WHO);
  const n = z.shape[0];
  const y = await readLabels(labels, n);
  if (cfg.sigma === 'median') {
    const {kernel, sigma} = await diffusionKernel(z, 'median');
    kernel.dispose();
    cfg.sigma = sigma;
  }
  const classes = Array.from(new Set(y)).sort((a, b) => a - b); // np.unique order
  let total = 0;
  for (const c of classes) {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (y[i] === c) members.push(i);
    const nc = members.length;
    const zc = tf.tidy(() => tf.gather(z, tf.tensor1d(members, 'int32')) as tf.Tensor2D); // [n_c, D]
    let conditional: number;
    try {
      conditional = await dseOfMatrix(zc, cfg);
    } finally {
      zc.dispose();
    }
    const rng = new PythonRandom(cfg.seed); // re-seeded per class, as the reference
    let sum = 0;
    for (let r = 0; r < repetitions; r++) {
      const idx = rng.sample(n, nc);
      const zr = tf.tidy(() => tf.gather(z, tf.tensor1d(idx, 'int32')) as tf.Tensor2D); // [n_c, D]
      try {
        sum += await dseOfMatrix(zr, cfg);
      } finally {
        zr.dispose();
      }
    }
    total += (nc / n) * (sum / repetitions - conditional);
  }
  return total;
}
