/**
 * Top eigenvalues of a model's mini-batch loss Hessian from Hessian-vector
 * products (HVPs) computed as central finite differences of gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {eigvalsh64} from '../linalg/eigh';
import {mulberry32, normals} from '../random/rng';
import {ValueError, describe, finiteNumber, integer, oneOf, positiveInt, positiveNumber, tensorArg} from '../validate';

/** A loss `(yTrue, yPred) → per-sample or scalar loss`; its mean is used. */
export type HessianLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Options of {@link hessianEigenvalues}. */
export interface HessianEigenvaluesOptions {
  /** How many of the largest (algebraic) eigenvalues to return. Integer ≥ 1, ≤ the parameter count. Default 1. */
  k?: number;
  /**
   * `'lanczos'`: Lanczos with full reorthogonalisation, `steps` HVPs (two
   * gradients each). `'full'`: the whole n×n Hessian column by column (n HVPs;
   * for checks on small models, n ≤ 2000). Default `'lanczos'`.
   */
  method?: 'lanczos' | 'full';
  /** Lanczos steps (HVPs). Default `min(n, max(2k + 20, 30))`. */
  steps?: number;
  /**
   * Finite-difference step h along a unit direction v:
   * `Hv ≈ (∇L(w + hv) − ∇L(w − hv)) / 2h`. Default `√ε·(1 + ‖w‖₂)` with
   * ε = 2⁻²³ (float32): each weight then moves by about √ε·rms(w), far above
   * its float32 rounding ε·|w_i|, while h stays small enough that few ReLU
   * kinks are crossed. For ReLU networks on few samples a step crossing kinks
   * biases the HVP: pass a smaller step (e.g. 3e-4) and compare.
   */
  step?: number;
  /** The loss. Default: the compiled model's loss (`model.lossFunctions[0]`). */
  loss?: HessianLoss;
  /** Seed of the Lanczos start vector. Default 0. */
  seed?: number;
}

const WHO = 'spectral.hessianEigenvalues';
const EPS32 = 2 ** -23;
const METHODS = ['lanczos', 'full'] as const;

/** Resolved state of one Hessian computation: variables, their base values and the loss. */
interface HessianProblem {
  vars: tf.Variable[];
  base: Float32Array[]; // the original weights, restored at the end
  sizes: number[];
  n: number;
  h: number;
  grad: () => Promise<Float64Array>; // ∇L at the current weights, flattened
}

function resolveLoss(model: tfl.LayersModel, loss: HessianLoss | undefined): HessianLoss {
  if (loss != null) {
    if (typeof loss !== 'function')
      throw new ValueError(`${WHO}: loss must be a function (yTrue, yPred) => tensor, got ${describe(loss)}.`);
    return loss;
  }
  // A tf.Sequential keeps the compiled loss on its inner LayersModel.
  type WithLoss = {lossFunctions?: HessianLoss[]; model?: {lossFunctions?: HessianLoss[]}};
  const m = model as unknown as WithLoss;
  const fns = m.lossFunctions ?? m.model?.lossFunctions;
  if (fns == null || fns.length === 0) {
    throw new ValueError(`${WHO}: model must be compiled (or pass loss), got a model without a loss.`);
  }
  if (fns.length !== 1) throw new ValueError(`${WHO}: model must have one output, got ${fns.length}.`);
  return fns[0];
}

async function setup(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  opts: HessianEigenvaluesOptions,
): Promise<HessianProblem> {
  if (model == null || typeof (model as {apply?: unknown}).apply !== 'function') {
    throw new ValueError(`${WHO}: model must be a tf.LayersModel, got ${describe(model)}.`);
  }
  tensorArg(x, 'x', WHO, {minRank: 1});
  tensorArg(y, 'y', WHO, {minRank: 1});
  if (x.shape[0] !== y.shape[0]) {
    throw new ValueError(`${WHO}: x and y must have the same batch size, got ${x.shape[0]} and ${y.shape[0]}.`);
  }
  const loss = resolveLoss(model, opts.loss);
  const vars = model.trainableWeights.map(w => w.read() as tf.Variable);
  if (vars.length === 0) throw new ValueError(`${WHO}: model must have trainable weights, got none.`);
  const base: Float32Array[] = [];
  for (const v of vars) base.push(Float32Array.from(await v.data()));
  const sizes = base.map(b => b.length);
  const n = sizes.reduce((a, b) => a + b, 0);
  let norm = 0;
  for (const b of base) for (const w of b) norm += w * w;
  const h = opts.step == null ? Math.sqrt(EPS32) * (1 + Math.sqrt(norm)) : positiveNumber(opts.step, 'step', WHO);
  const lossFn = () => tf.mean(loss(y, model.apply(x, {training: false}) as tf.Tensor)) as tf.Scalar;
  const grad = async () => {
    const flat = tf.tidy(() => {
      const {value, grads} = tf.variableGrads(lossFn, vars);
      value.dispose();
      return tf.concat(vars.map(v => tf.reshape(grads[v.name], [-1])));
    });
    const g = Float64Array.from(await flat.data());
    flat.dispose();
    for (let i = 0; i < g.length; i++) {
      if (!Number.isFinite(g[i]))
        throw new ValueError(`${WHO}: the loss gradient must be finite, got ${g[i]} at parameter ${i}.`);
    }
    return g;
  };
  return {vars, base, sizes, n, h, grad};
}

/** Sets the variables to `base + t·v` (v flat float64). */
function shift(p: HessianProblem, v: Float64Array | null, t: number): void {
  let off = 0;
  p.vars.forEach((w, i) => {
    const b = p.base[i];
    const next = new Float32Array(b.length);
    for (let j = 0; j < b.length; j++) next[j] = v == null ? b[j] : b[j] + t * v[off + j];
    off += b.length;
    tf.tidy(() => w.assign(tf.tensor(next, w.shape, 'float32')));
  });
}

/** H·v for a unit vector v: central difference of gradients. Leaves the weights shifted (the caller restores). */
async function hvp(p: HessianProblem, v: Float64Array): Promise<Float64Array> {
  shift(p, v, p.h);
  const gp = await p.grad();
  shift(p, v, -p.h);
  const gm = await p.grad();
  const out = new Float64Array(p.n);
  for (let i = 0; i < p.n; i++) out[i] = (gp[i] - gm[i]) / (2 * p.h);
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

async function lanczos(p: HessianProblem, k: number, steps: number, seed: number): Promise<Float64Array> {
  const rng = mulberry32(seed);
  const q0 = Float64Array.from(normals(p.n, rng));
  const nrm = Math.sqrt(dot(q0, q0));
  for (let i = 0; i < p.n; i++) q0[i] /= nrm;
  const qs: Float64Array[] = [q0];
  const alpha: number[] = [];
  const beta: number[] = [];
  for (let j = 0; j < steps; j++) {
    const w = await hvp(p, qs[j]);
    const a = dot(w, qs[j]);
    alpha.push(a);
    // Full reorthogonalisation (twice, "twice is enough"): float32 HVPs lose orthogonality fast.
    for (let pass = 0; pass < 2; pass++) {
      for (const q of qs) {
        const c = dot(w, q);
        for (let i = 0; i < p.n; i++) w[i] -= c * q[i];
      }
    }
    const b = Math.sqrt(dot(w, w));
    if (j === steps - 1 || b <= 1e-10 * Math.max(1, Math.abs(a))) break; // invariant subspace found
    beta.push(b);
    for (let i = 0; i < p.n; i++) w[i] /= b;
    qs.push(w);
  }
  const m = alpha.length;
  const t = new Float64Array(m * m); // the Lanczos tridiagonal T = QᵀHQ
  for (let i = 0; i < m; i++) {
    t[i * m + i] = alpha[i];
    if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = beta[i];
  }
  const ritz = eigvalsh64(t, m); // ascending
  return Float64Array.from(ritz).reverse().slice(0, Math.min(k, m));
}

async function full(p: HessianProblem, k: number): Promise<Float64Array> {
  const hm = new Float64Array(p.n * p.n);
  const e = new Float64Array(p.n);
  for (let c = 0; c < p.n; c++) {
    e.fill(0);
    e[c] = 1;
    const col = await hvp(p, e);
    for (let r = 0; r < p.n; r++) hm[r * p.n + c] = col[r];
  }
  for (let r = 0; r < p.n; r++) {
    for (let c = 0; c < r; c++) hm[r * p.n + c] = hm[c * p.n + r] = 0.5 * (hm[r * p.n + c] + hm[c * p.n + r]);
  }
  return Float64Array.from(eigvalsh64(hm, p.n)).reverse().slice(0, k);
}

/**
 * The `k` largest eigenvalues of the Hessian ∇²L(w) of the mean loss
 * `L(w) = mean_i loss(y_i, f_w(x_i))` over the given batch, with respect to
 * all trainable weights w (flattened, n entries).
 *
 * tfjs' second-order gradients are unreliable (the double gradient of a ReLU
 * MLP's cross-entropy comes back 0; for a tanh MLP it throws), so each
 * Hessian-vector product is a central finite difference of first-order
 * gradients, `Hv ≈ (∇L(w + hv) − ∇L(w − hv)) / 2h` for unit v, with h chosen
 * from float32 precision (`√ε·(1 + ‖w‖₂)`, ε = 2⁻²³; exact up to round-off for
 * a quadratic loss; see `step`). `'lanczos'` runs `steps` Lanczos iterations with full
 * reorthogonalisation (float64 on the JS side) and returns the largest Ritz
 * values of the tridiagonal; `'full'` builds the whole Hessian (n HVPs) and
 * returns its exact top eigenvalues. The model runs with `training: false`;
 * only the data loss counts (no regularizers or `addLoss` terms). Weights are
 * restored exactly afterwards. Async; cost: 2 gradient evaluations per HVP,
 * O(n·steps²) float64 work for reorthogonalisation.
 * Returns eigenvalues in descending order (a new Float64Array).
 *
 * Paper: the batch-size learning-rate analysis this serves: "Learning Rates
 * as a Function of Batch Size: A Random Matrix Theory Approach to Neural
 * Network Training" (Granziol, Zohren & Roberts, JMLR 2022, arXiv:2006.09092),
 * which studies the spectrum of the mini-batch Hessian; Lanczos for the
 * Hessian spectrum as in Ghorbani, Krishnan & Xiao, "An Investigation into
 * Neural Net Optimization via Hessian Eigenvalue Density", 2019,
 * arXiv:1901.10159, and PyHessian (Yao et al. 2020, arXiv:1912.07145).
 * Deviations: PyHessian uses exact double back-propagation for HVPs; we use
 * finite differences of gradients (a tfjs limit), accurate to about ‖∇³L‖h²
 * plus float32 round-off.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * // Linear regression: the MSE Hessian is 2XᵀX/N exactly.
 * const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2], useBias: false})]});
 * model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
 * const x = tf.tensor2d([[1, 0], [0, 2], [1, 1]]);
 * const y = tf.tensor2d([[1], [2], [0]]);
 * tfa.spectral.hessianEigenvalues(model, x, y, {k: 2})
 *   .then(ev => console.log(Array.from(ev))); // eigenvalues of 2XᵀX/3
 * ```
 */
export async function hessianEigenvalues(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  opts: HessianEigenvaluesOptions = {},
): Promise<Float64Array> {
  const k = positiveInt(opts.k ?? 1, 'k', WHO);
  const method = oneOf(opts.method ?? 'lanczos', METHODS, 'method', WHO);
  const seed = integer(opts.seed ?? 0, 'seed', WHO, 0);
  if (opts.step != null) finiteNumber(opts.step, 'step', WHO, {min: 0, minExclusive: true});
  const p = await setup(model, x, y, opts);
  if (k > p.n) throw new ValueError(`${WHO}: k must be <= the number of trainable parameters ${p.n}, got ${k}.`);
  if (method === 'full' && p.n > 2000) {
    throw new ValueError(`${WHO}: method 'full' needs at most 2000 parameters, got ${p.n}; use 'lanczos'.`);
  }
  const steps =
    opts.steps == null ? Math.min(p.n, Math.max(2 * k + 20, 30)) : integer(opts.steps, 'steps', WHO, k, p.n);
  try {
    return method === 'full' ? await full(p, k) : await lanczos(p, k, steps, seed);
  } finally {
    shift(p, null, 0);
  }
}
