/**
 * Spectral descriptors of an activation matrix's covariance (EigenTrack's
 * features: spectral entropy, effective rank, deviation from the
 * Marchenko–Pastur baseline).
 */
import * as tf from '@tensorflow/tfjs-core';

import {eigvalsh64} from '../linalg/eigh';
import {fail, finiteData, tensorArg} from '../validate';

/** Result of {@link activationSpectrum}. */
export interface ActivationSpectrum {
  /** The d eigenvalues of the feature covariance C (ascending; zeros included when d exceeds the rows). */
  eigenvalues: Float64Array;
  /** Rows R (samples × flattened leading axes) and features d; γ = d/R. */
  rows: number;
  features: number;
  gamma: number;
  /** σ² = tr(C)/d and the MP bulk edges λ± = σ²(1 ± √γ)². */
  sigma2: number;
  mpEdge: number;
  mpLower: number;
  /** Spectral entropy H = −Σ p ln p, p = λ/Σλ (nats), and the effective rank e^H (Roy & Vetterli). */
  spectralEntropy: number;
  effectiveRank: number;
  /** Fraction of the d eigenvalues above λ+. */
  fracAboveMP: number;
  /** KS distance between the bulk (0 < λ ≤ λ+) and the continuous MP law with the same σ², γ. */
  ksMP: number;
  /** λ_max / λ+. */
  lambdaMaxOverEdge: number;
}

const WHO = 'spectral.activationSpectrum';

/** CDF of the continuous part of MP(σ², γ) on [a, b], normalised to 1, tabulated by θ-substitution (smooth at both edges). */
function mpCdf(a: number, b: number, steps = 4096): (x: number) => number {
  // x = a + (b − a)(1 − cos θ)/2, θ ∈ [0, π]; density ∝ √((b−x)(x−a))/x, dx = (b − a) sin θ / 2 dθ
  const xs = new Float64Array(steps + 1);
  const cdf = new Float64Array(steps + 1);
  const f = (t: number) => {
    const x = a + ((b - a) * (1 - Math.cos(t))) / 2;
    const s = ((b - a) / 2) * Math.sin(t);
    return x > 0 ? (s * s) / x : 0; // √((b−x)(x−a)) = (b−a)/2·sin θ
  };
  let acc = 0;
  let prev = f(0);
  xs[0] = a;
  for (let i = 1; i <= steps; i++) {
    const t = (Math.PI * i) / steps;
    const cur = f(t);
    acc += ((prev + cur) / 2) * (Math.PI / steps);
    cdf[i] = acc;
    xs[i] = a + ((b - a) * (1 - Math.cos(t))) / 2;
    prev = cur;
  }
  for (let i = 0; i <= steps; i++) cdf[i] /= acc;
  return x => {
    if (x <= a) return 0;
    if (x >= b) return 1;
    let lo = 0;
    let hi = steps;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= x) lo = mid;
      else hi = mid;
    }
    const w = (x - xs[lo]) / (xs[hi] - xs[lo]);
    return cdf[lo] + w * (cdf[hi] - cdf[lo]);
  };
}

/**
 * EigenTrack-style descriptors from covariance eigenvalues (ascending, d of
 * them) of an `[R, d]` activation matrix; see {@link activationSpectrum}. Pure, float64.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const evals = Float64Array.from([0.5, 0.8, 1, 1.2, 9]); // one spike
 * console.log(tfa.spectral.spectrumDescriptors(evals, 100).fracAboveMP); // 0.2
 * ```
 */
export function spectrumDescriptors(eigenvalues: Float64Array, rows: number): Omit<ActivationSpectrum, 'eigenvalues'> {
  const d = eigenvalues.length;
  let total = 0;
  for (const v of eigenvalues) total += v;
  const gamma = d / rows;
  const sigma2 = total / d;
  const edge = sigma2 * (1 + Math.sqrt(gamma)) ** 2;
  const lower = sigma2 * (1 - Math.sqrt(gamma)) ** 2;
  let h = 0;
  let above = 0;
  const bulk: number[] = [];
  // Zero (rank-deficient) directions: below this they are numerically 0, not part of the continuous bulk.
  const zeroTol = 1e-6 * eigenvalues[d - 1];
  for (const v of eigenvalues) {
    if (v > 0 && total > 0) {
      const p = v / total;
      h -= p * Math.log(p);
    }
    if (v > edge) above++;
    else if (v > zeroTol) bulk.push(v);
  }
  let ks = NaN;
  if (bulk.length > 0 && edge > lower) {
    const F = mpCdf(lower, edge);
    const n = bulk.length;
    ks = 0;
    bulk.sort((x, y) => x - y);
    for (let i = 0; i < n; i++) {
      const f = F(bulk[i]);
      ks = Math.max(ks, (i + 1) / n - f, f - i / n);
    }
  }
  return {
    rows,
    features: d,
    gamma,
    sigma2,
    mpEdge: edge,
    mpLower: lower,
    spectralEntropy: h,
    effectiveRank: Math.exp(h),
    fracAboveMP: above / d,
    ksMP: ks,
    lambdaMaxOverEdge: eigenvalues[d - 1] / edge,
  };
}

/**
 * Eigenvalues of the feature covariance of activations `a` and EigenTrack's
 * spectral descriptors. `a` `[N, ..., d]`: every axis but the last is
 * flattened into rows (R = N·T for RNN sequences `[N, T, d]`, R = N·H·W for
 * conv maps `[N, H, W, C]`), features are the last axis.
 *
 * C = ÃᵀÃ/R with Ã the column-centred `[R, d]` matrix (formed on the backend
 * in float32 as the smaller of ÃᵀÃ and ÃÃᵀ; eigenvalues in float64 JS; when
 * d > R the d − R missing eigenvalues are zeros). With p = λ/Σλ:
 * spectral entropy H = −Σ p ln p, effective rank e^H; the Marchenko–Pastur
 * baseline of an uncorrelated matrix with the same scale: γ = d/R,
 * σ² = tr(C)/d, λ± = σ²(1 ± √γ)²; the fraction of eigenvalues above λ+,
 * λ_max/λ+, and the Kolmogorov–Smirnov distance between the empirical CDF of
 * the bulk eigenvalues (0 < λ ≤ λ+, exact zeros excluded) and the MP law's
 * continuous part on [λ−, λ+] (normalised; integrated numerically).
 * Async; `a` is not disposed. Cost O(R·d·min(R, d) + min(R, d)³).
 *
 * Paper: Ettori, "EigenTrack: Spectral Activation Feature Tracking for
 * Hallucination and Out-of-Distribution Detection in LLMs and VLMs", 2025,
 * arXiv:2509.15735 (entropy, MP deviation features); Roy & Vetterli, "The
 * effective rank", 2007 (EUSIPCO); Marchenko & Pastur, 1967.
 * Deviations: EigenTrack's exact feature formulas and window are not public;
 * these are the standard definitions named in its abstract (a KS distance
 * stands for its "divergence from the MP law").
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const a = tf.randomNormal([512, 64], 0, 1, 'float32', 1);
 * tfa.spectral.activationSpectrum(a).then(s => console.log(s.effectiveRank, s.fracAboveMP, s.ksMP));
 * ```
 */
export async function activationSpectrum(a: tf.Tensor): Promise<ActivationSpectrum> {
  const t = tensorArg(a, 'a', WHO);
  if (t.rank < 2) fail(WHO, 'a', 'activations of rank >= 2 ([N, ..., features])', t);
  const d = t.shape[t.rank - 1];
  const rows = t.size / d;
  if (rows < 2 || d < 1) fail(WHO, 'a', 'activations with at least 2 rows and 1 feature', t);
  const k = Math.min(rows, d);
  const g = tf.tidy(() => {
    const x = tf.reshape(t, [rows, d]);
    const xc = tf.sub(x, tf.mean(x, 0, true)); // [R, d] centred
    const scaled = tf.div(xc, Math.sqrt(rows));
    // explicit transposes: matMul with transpose flags is slow on wasm
    return d <= rows ? tf.matMul(tf.transpose(scaled), scaled) : tf.matMul(scaled, tf.transpose(scaled)); // [k, k]
  });
  const data = (await g.data()) as Float32Array;
  g.dispose();
  finiteData(data, 'a', WHO);
  const ev = eigvalsh64(Float64Array.from(data), k);
  const eigenvalues = new Float64Array(d); // zeros first (ascending) when d > R
  for (let i = 0; i < k; i++) eigenvalues[d - k + i] = Math.max(ev[i], 0);
  return {eigenvalues, ...spectrumDescriptors(eigenvalues, rows)};
}
