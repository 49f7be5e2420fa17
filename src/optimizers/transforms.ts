/**
 * The update maths of AdamW, Muon and SPECTRA as pure tensor functions
 * (composed as optax does). Call them inside `tf.tidy`; they never read data.
 */
import * as tf from '@tensorflow/tfjs-core';

import {newtonSchulzUnchecked} from '../linalg/newton_schulz';
import {softClipVectorUnchecked, softSpectralClipUnchecked} from '../linalg/soft_spectral_clip';
import {checkLearningRate, deserializeLearningRate, serializeLearningRate} from './base';
import type {LearningRate} from './schedules';
import {finiteNumber} from '../validate';

/** Adam's hyperparameters. */
export interface AdamHyper {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** AdamW's resolved, validated configuration. */
export interface ResolvedAdamW extends AdamHyper {
  learningRate: LearningRate;
  weightDecay: number;
}

/** The shared defaults of AdamW-style updates (tfjs' Adam defaults; epsilon 1e-7 as tfjs). */
export const ADAMW_DEFAULTS = {learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.01};

/** Validates AdamW-style arguments, filling `defaults`; errors name `prefix + field`. */
export function resolveAdamW(
  args:
    {learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number} | undefined,
  defaults: {learningRate: number; beta1: number; beta2: number; epsilon: number; weightDecay: number},
  who: string,
  prefix = '',
): ResolvedAdamW {
  const a = args ?? {};
  return {
    learningRate: checkLearningRate(a.learningRate ?? defaults.learningRate, `${prefix}learningRate`, who),
    beta1: finiteNumber(a.beta1 ?? defaults.beta1, `${prefix}beta1`, who, {min: 0, max: 1, maxExclusive: true}),
    beta2: finiteNumber(a.beta2 ?? defaults.beta2, `${prefix}beta2`, who, {min: 0, max: 1, maxExclusive: true}),
    epsilon: finiteNumber(a.epsilon ?? defaults.epsilon, `${prefix}epsilon`, who, {min: 0, minExclusive: true}),
    weightDecay: finiteNumber(a.weightDecay ?? defaults.weightDecay, `${prefix}weightDecay`, who, {min: 0}),
  };
}

/** AdamW's config entries (learningRate serialized; a bare function throws). */
export function adamWConfig(cfg: ResolvedAdamW, who: string, prefix = ''): tf.serialization.ConfigDict {
  return {
    learningRate: serializeLearningRate(cfg.learningRate, `${prefix}learningRate`, who),
    beta1: cfg.beta1,
    beta2: cfg.beta2,
    epsilon: cfg.epsilon,
    weightDecay: cfg.weightDecay,
  };
}

/** Reads a learningRate entry written by {@link adamWConfig}. */
export function readLearningRate(value: unknown, name: string, who: string): LearningRate | undefined {
  return value == null ? undefined : deserializeLearningRate(value, name, who);
}

/**
 * Adam moments and the bias-corrected direction for update number `step` (1-based):
 * `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `d = m̂/(√v̂ + ε)` with
 * `m̂ = m/(1−β₁ᵗ)`, `v̂ = v/(1−β₂ᵗ)`. A zero gradient gives d = 0 (ε > 0).
 */
export function adamMoments(
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  step: number,
  h: AdamHyper,
): {m: tf.Tensor; v: tf.Tensor; direction: tf.Tensor} {
  const m1 = tf.add(tf.mul(m, h.beta1), tf.mul(g, 1 - h.beta1));
  const v1 = tf.add(tf.mul(v, h.beta2), tf.mul(tf.square(g), 1 - h.beta2));
  const mHat = tf.div(m1, 1 - Math.pow(h.beta1, step));
  const vHat = tf.div(v1, 1 - Math.pow(h.beta2, step));
  return {m: m1, v: v1, direction: tf.div(mHat, tf.add(tf.sqrt(vHat), h.epsilon))};
}

/** Decoupled weight decay and step: `w·(1 − lr·wd) − lr·d`. */
export function decoupledStep(w: tf.Tensor, direction: tf.Tensor, lr: number, weightDecay: number): tf.Tensor {
  const decayed = weightDecay === 0 ? w : tf.mul(w, 1 - lr * weightDecay);
  return tf.sub(decayed, tf.mul(direction, lr));
}

/**
 * Muon's momentum, sum form (Moonlight, Keras, KellerJordan's earlier
 * versions): `buf ← μ·buf + g`; the direction is `g + μ·buf` (Nesterov) or
 * `buf`. The EMA form (KellerJordan's current `lerp`) differs by the factor
 * (1 − μ) only, which Newton–Schulz removes.
 */
export function muonMomentum(
  g: tf.Tensor,
  buf: tf.Tensor,
  momentum: number,
  nesterov: boolean,
): {buf: tf.Tensor; direction: tf.Tensor} {
  const next = tf.add(tf.mul(buf, momentum), g);
  return {buf: next, direction: nesterov ? tf.add(g, tf.mul(next, momentum)) : next};
}

/** Muon's shape factor modes. */
export type MuonScaleMode = 'original' | 'match-adamw' | 'none';
export const MUON_SCALE_MODES: readonly MuonScaleMode[] = ['original', 'match-adamw', 'none'];

/**
 * Muon's factor on the `[fanIn, fanOut]` view of a tfjs kernel:
 * 'original' `√max(1, fanOut/fanIn)` (KellerJordan's `√max(1, rows/cols)` on
 * torch's `[out, in]` layout); 'match-adamw' `0.2·√max(fanIn, fanOut)`
 * (Moonlight); 'none' 1.
 */
export function muonScale(fanIn: number, fanOut: number, mode: MuonScaleMode): number {
  if (mode === 'original') return Math.sqrt(Math.max(1, fanOut / fanIn));
  if (mode === 'match-adamw') return 0.2 * Math.sqrt(Math.max(fanIn, fanOut));
  return 1;
}

/** SPECTRA's post-clip factor α = √max(1, fanOut/fanIn) on the tfjs `[fanIn, fanOut]` view. */
export function spectraScale(fanIn: number, fanOut: number): number {
  return Math.sqrt(Math.max(1, fanOut / fanIn));
}

/**
 * Applies `fn` to each 2-D matrix, stacking matrices of equal shape into one
 * rank-3 batch so each group costs one chain of batched matMuls. Returns the
 * results in input order.
 */
export function batchedByShape(mats: tf.Tensor[], fn: (x: tf.Tensor) => tf.Tensor): tf.Tensor[] {
  const groups = new Map<string, number[]>();
  mats.forEach((x, i) => {
    const key = x.shape.join('x');
    const g = groups.get(key);
    if (g == null) groups.set(key, [i]);
    else g.push(i);
  });
  const out: tf.Tensor[] = new Array(mats.length);
  for (const idx of groups.values()) {
    if (idx.length === 1) {
      out[idx[0]] = fn(mats[idx[0]]);
    } else {
      const res = tf.unstack(fn(tf.stack(idx.map(i => mats[i])))); // [k, m, n] → k × [m, n]
      idx.forEach((i, j) => (out[i] = res[j]));
    }
  }
  return out;
}

/** Newton–Schulz on each matrix, batched by shape. */
export function orthogonalize(mats: tf.Tensor[], steps: number, eps: number): tf.Tensor[] {
  return batchedByShape(mats, x => newtonSchulzUnchecked(x, steps, 3.4445, -4.775, 2.0315, eps));
}

/**
 * Soft spectral clip H_c on each matrix (batched by shape); `c` is a number or
 * a function of the matrix' `[rows, cols]` (so one value per shape group);
 * `c = Infinity` is the identity.
 */
export function softClipMatrices(
  mats: tf.Tensor[],
  c: number | ((rows: number, cols: number) => number),
  steps: number,
): tf.Tensor[] {
  const cOf = typeof c === 'number' ? () => c : c;
  return batchedByShape(mats, x => {
    const [rows, cols] = x.shape.slice(-2);
    const ck = cOf(rows, cols);
    return Number.isFinite(ck) ? softSpectralClipUnchecked(x, ck, steps) : x;
  });
}

/** SPECTRA's threshold scales. */
export type SpectraClipScale = 'absolute' | 'sqrt-fan';
export const SPECTRA_CLIP_SCALES: readonly SpectraClipScale[] = ['absolute', 'sqrt-fan'];

/**
 * The factor on SPECTRA's threshold c for a `[fanIn, fanOut]` matrix (a vector
 * of length n is `[1, n]`): 'absolute' 1 (the paper's c); 'sqrt-fan'
 * `√fanIn + √fanOut`, the spectral norm of a random ±1 matrix of that shape.
 */
export function spectraClipFactor(fanIn: number, fanOut: number, scale: SpectraClipScale): number {
  return scale === 'absolute' ? 1 : Math.sqrt(fanIn) + Math.sqrt(fanOut);
}

/** The 1-D soft clip rule; `c = Infinity` is the identity. */
export function softClipVector(g: tf.Tensor, c: number): tf.Tensor {
  return Number.isFinite(c) ? softClipVectorUnchecked(g, c) : g;
}
