/**
 * Empirical spectral density (ESD) metrics of a weight matrix, as
 * WeightWatcher computes them, plus SETOL's ERG gap Δλ_min.
 */
import * as tf from '@tensorflow/tfjs-core';

import {eigvalsh64} from '../linalg/eigh';
import {fail, finiteData, tensorArg} from '../validate';
import {powerLawFit} from './power_law';

/** Result of {@link weightSpectrum}. */
export interface WeightSpectrum {
  /** WWFit power-law exponent of the ESD tail (−1 if the fit failed). */
  alpha: number;
  /** α · log10 λ_max (WeightWatcher `alpha_weighted`); −1·log10 λ_max if the fit failed. */
  alphaWeighted: number;
  /** Σλ / λ_max = ‖W‖_F² / ‖W‖₂². */
  stableRank: number;
  /** λ_max = ‖W‖₂² (WeightWatcher `spectral_norm`, an eigenvalue of WᵀW). */
  spectralNorm: number;
  /** log10 Σλ = log10 ‖W‖_F² (WeightWatcher `log_norm`). */
  logNorm: number;
  /**
   * SETOL ERG gap Δλ_min = xmin(power law) − λ_min(detX); ≈ 0 for ideal
   * learning, < 0 together with α < 2 signals over-regularisation. NaN if the fit failed.
   */
  ergDeltaLambdaMin: number;
  /** The ESD: all eigenvalues of WᵀW (pooled over conv slices), ascending. */
  eigenvalues: Float64Array;
  /** Power-law fit details. */
  xmin: number;
  ks: number;
  numTail: number;
  status: 'ok' | 'failed';
}

const WHO = 'spectral.weightSpectrum';

/**
 * λ_min of the detX tail: eigenvalues rescaled to mean 1, the first index idx
 * (scanning down from the top) where Σ_{j≥idx} ln λ_j < 0 (∏ λ_j < 1), as
 * WeightWatcher's `detX_constraint` (`range(n−1, 0, −1)`, so idx ≥ 1). The
 * value is returned on the original scale. `x` ascending.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const esd = new Float64Array([0.1, 0.2, 0.5, 1, 2, 4, 8]); // ascending eigenvalues
 * console.log(tfa.spectral.detXLambdaMin(esd)); // 0.5: scanning down, the product of the mean-1 eigenvalues first drops below 1 there
 * ```
 */
export function detXLambdaMin(x: Float64Array): number {
  const n = x.length;
  if (n < 2) return x[0];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i];
  const logScale = Math.log(n / sum); // ln of the mean-1 rescaling factor
  let acc = 0;
  let idx = 1;
  for (let i = n - 1; i > 0; i--) {
    acc += Math.log(x[i]) + logScale; // sum of logs instead of the overflowing product
    if (acc < 0) {
      idx = i;
      break;
    }
  }
  return x[idx];
}

/**
 * Spectral metrics of a Dense kernel `[in, out]`, a Conv1D kernel
 * `[k, in, out]` or a Conv2D kernel `[kh, kw, in, out]`.
 *
 * ESD: the eigenvalues of X = WᵀW over the smaller dimension (M = min(in, out)
 * values per matrix, no 1/N scaling). Conv kernels are split into their
 * k (or kh·kw) slices `[in, out]`, whose eigenvalues are pooled into one ESD of
 * M·k values; Conv2D slices are scaled by √½ first (eigenvalues halved), as
 * WeightWatcher's default `conv2d_norm` does (α is unchanged by it).
 * Metrics: α and xmin from {@link powerLawFit} (WWFit), α̂ = α·log10 λ_max,
 * stable rank Σλ/λ_max, spectral norm λ_max, log norm log10 Σλ, and SETOL's
 * Δλ_min = xmin − λ_min(detX), with the detX tail found by the trace-log
 * condition Σ ln λ_i = 0 on eigenvalues rescaled to mean 1.
 *
 * The Gram matrices are formed on the tfjs backend in float32 and their
 * eigenvalues computed in float64 JS (the research measured α identical to
 * 1e-7 against a float64 SVD); negative round-off eigenvalues are set to 0.
 * Cost: O(M³) per slice (M = 1024 about 1 s). Async; `w` is not disposed.
 *
 * Paper: Martin & Mahoney, "Implicit Self-Regularization in Deep Neural
 * Networks", 2021 (JMLR), arXiv:1810.01075; Martin & Hinrichs, "SETOL: A
 * Semi-Empirical Theory of (Deep) Learning", 2025, arXiv:2507.17912 (ERG, Δλ_min).
 * Follows: CalculatedContent/WeightWatcher 0.7.5.5 `weightwatcher.py`
 * (`conv2D_Wmats`, `combined_eigenvalues`, `apply_normalize_Wmats`,
 * `apply_norm_metrics`, `apply_detX`) and `RMT_Util.py` `detX_constraint`.
 * Deviations:
 * - Eigenvalues of the float32 Gram matrix instead of the squared singular
 *   values of a float64 SVD (relative error ~1e-7 on the large ones; the
 *   tiny ones below ~1e-7·λ_max are not resolved, which is below WeightWatcher's
 *   own 1e-5 fit threshold for typical scales).
 * - detX's λ_min is reported on the original scale, so Δλ_min compares like
 *   with like (WeightWatcher's `detX_val` is on the rescaled scale).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const w = tf.randomNormal([256, 128], 0, 1, 'float32', 0);
 * tfa.spectral.weightSpectrum(w).then(s => console.log(s.alpha, s.stableRank, s.status));
 * ```
 */
export async function weightSpectrum(w: tf.Tensor): Promise<WeightSpectrum> {
  const t = tensorArg(w, 'w', WHO);
  if (t.rank < 2 || t.rank > 4) fail(WHO, 'w', 'a kernel of rank 2 ([in, out]), 3 or 4 ([kh, kw, in, out])', t);
  const [nIn, nOut] = t.shape.slice(-2);
  if (t.size === 0) fail(WHO, 'w', 'a non-empty kernel', t);
  const slices = t.size / (nIn * nOut);
  const m = Math.min(nIn, nOut);
  const scale = t.rank === 4 ? 0.5 : 1; // (√½)² on the eigenvalues: WeightWatcher conv2d_norm
  const gram = tf.tidy(() => {
    const w3 = tf.reshape(t, [slices, nIn, nOut]) as tf.Tensor3D; // [S, in, out]
    // [S, M, M]: WᵀW when in ≥ out, W Wᵀ otherwise (same nonzero spectrum)
    return nIn >= nOut ? tf.matMul(w3, w3, true, false) : tf.matMul(w3, w3, false, true);
  });
  const g = (await gram.data()) as Float32Array;
  gram.dispose();
  finiteData(g, 'w', WHO);
  const evals = new Float64Array(slices * m);
  const a = new Float64Array(m * m);
  for (let s = 0; s < slices; s++) {
    for (let i = 0; i < m * m; i++) a[i] = g[s * m * m + i];
    const ev = eigvalsh64(a, m);
    for (let i = 0; i < m; i++) evals[s * m + i] = Math.max(ev[i], 0) * scale;
  }
  evals.sort();
  const fit = powerLawFit(evals);
  let total = 0;
  for (let i = 0; i < evals.length; i++) total += evals[i];
  const lmax = evals[evals.length - 1];
  return {
    alpha: fit.alpha,
    alphaWeighted: fit.alpha * Math.log10(lmax),
    stableRank: total / lmax,
    spectralNorm: lmax,
    logNorm: Math.log10(total),
    ergDeltaLambdaMin: fit.status === 'ok' ? fit.xmin - detXLambdaMin(evals) : NaN,
    eigenvalues: evals,
    xmin: fit.xmin,
    ks: fit.ks,
    numTail: fit.numTail,
    status: fit.status,
  };
}
