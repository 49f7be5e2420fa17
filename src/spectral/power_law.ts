/**
 * WeightWatcher's power-law fit of an eigenvalue spectrum (WWFit).
 */
import {fail, ValueError} from '../validate';

/** Result of {@link powerLawFit}. */
export interface PowerLawFit {
  /** Tail exponent α of p(λ) ∝ λ^−α for λ ≥ xmin; −1 when the fit failed. */
  alpha: number;
  /** Start of the power-law tail (an eigenvalue); −1 when the fit failed. */
  xmin: number;
  /** Kolmogorov–Smirnov distance D of the chosen fit; −1 when the fit failed. */
  ks: number;
  /** Number of eigenvalues ≥ xmin (WeightWatcher's `num_pl_spikes`); −1 when the fit failed. */
  numTail: number;
  /** `'ok'`, or `'failed'` (fewer than 10 eigenvalues above 1e-5, or no valid α) as WeightWatcher reports. */
  status: 'ok' | 'failed';
}

/** WeightWatcher constants.py: EVALS_THRESH and MIN_NUM_EVALS. */
const EVALS_THRESH = 1e-5;
const MIN_NUM_EVALS = 10;
const WHO = 'spectral.powerLawFit';
const FAILED: PowerLawFit = {alpha: -1, xmin: -1, ks: -1, numTail: -1, status: 'failed'};

/**
 * Fits a power law to the tail of an eigenvalue spectrum exactly as
 * WeightWatcher's default `WWFit` does.
 *
 * Keeps λ > 1e-5 (sorted ascending, x_0 ≤ … ≤ x_{n−1}). For every candidate
 * xmin = x_i except the largest: α_i = 1 + m / (Σ_{j≥i} ln x_j − m ln x_i),
 * m = n − i (continuous MLE), and D_i = max_j |1 − (x_j/x_i)^{1−α_i} − (j−i)/m|
 * over the tail (D_i = 1 when α_i ≤ 1). The fit is the first i minimising D.
 * There is no xmax: the largest eigenvalues are part of the tail.
 * Fewer than 10 eigenvalues (all, before the threshold, as WeightWatcher
 * counts) or a non-finite α give status `'failed'` with α = −1.
 * Sync, pure JS float64; O(n²) (n = 5000 takes well under a second).
 *
 * Paper: Martin & Mahoney, "Heavy-Tailed Universality Predicts Trends in Test
 * Accuracies for Very Large Pre-Trained Deep Neural Networks", 2020, arXiv:1901.08278;
 * Clauset, Shalizi & Newman, "Power-law distributions in empirical data", 2009, arXiv:0706.1062.
 * Follows: CalculatedContent/WeightWatcher 0.7.5.5 `weightwatcher/WW_powerlaw.py`
 * `WWFit.fit_power_law`, and `weightwatcher.py` `fit_powerlaw` (threshold, status).
 * Deviations: status is `'ok'` where WeightWatcher says `'success'`,
 * `'over-trained'` or `'under-trained'` (compare α with 2 and 6 yourself).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * // Pareto(α = 2.5) sample by inverse CDF: λ = (1 − u)^(−1/(α−1))
 * const evals = Array.from({length: 2000}, (_, i) => (1 - (i + 0.5) / 2000) ** (-1 / 1.5));
 * console.log(tfa.spectral.powerLawFit(evals)); // alpha ≈ 2.5, status 'ok'
 * ```
 */
export function powerLawFit(eigenvalues: ArrayLike<number>): PowerLawFit {
  if (eigenvalues == null || typeof eigenvalues !== 'object' || typeof eigenvalues.length !== 'number') {
    fail(WHO, 'eigenvalues', 'an array of numbers', eigenvalues);
  }
  for (let i = 0; i < eigenvalues.length; i++) {
    const v = eigenvalues[i];
    if (typeof v !== 'number' || Number.isNaN(v) || v === Infinity) {
      throw new ValueError(`${WHO}: eigenvalues must be finite numbers, got ${v} at index ${i}.`);
    }
  }
  if (eigenvalues.length < MIN_NUM_EVALS) return {...FAILED};
  const x = Float64Array.from(
    Array.prototype.filter.call(eigenvalues, (v: number) => v > EVALS_THRESH) as number[],
  ).sort();
  const n = x.length;
  if (n < 2) return {...FAILED};
  const logx = x.map(Math.log);
  const suffix = new Float64Array(n + 1); // suffix[i] = Σ_{j≥i} ln x_j
  for (let i = n - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + logx[i];
  let bestI = -1;
  let bestD = Infinity;
  let bestAlpha = NaN;
  for (let i = 0; i < n - 1; i++) {
    const m = n - i;
    const alpha = 1 + m / (suffix[i] - m * logx[i]);
    let d = 1;
    if (alpha > 1) {
      d = 0;
      const e = 1 - alpha;
      const li = logx[i];
      for (let j = i; j < n; j++) {
        const diff = Math.abs(1 - Math.exp(e * (logx[j] - li)) - (j - i) / m);
        if (diff > d) d = diff;
      }
    }
    if (d < bestD) {
      bestD = d;
      bestI = i;
      bestAlpha = alpha;
    }
  }
  if (bestI < 0 || !Number.isFinite(bestAlpha)) return {...FAILED};
  const xmin = x[bestI];
  let numTail = 0;
  for (let i = 0; i < eigenvalues.length; i++) if (eigenvalues[i] >= xmin) numTail++;
  return {alpha: bestAlpha, xmin, ks: bestD, numTail, status: 'ok'};
}
