/**
 * Eigenvalue spectrum (ESD) on log-log axes with its fitted power-law tail.
 */
import {powerLawFit} from '../spectral';
import {ValueError, describe, oneOf, positiveInt} from '../validate';
import {PALETTE, Scale, axes, document, escapeXml, extent, fmt, linePath, tickLabel} from './svg';

/** Options of {@link spectrumPlot}. */
export interface SpectrumPlotOptions {
  /** `'histogram'`: density of log-spaced bins; `'rank'`: λ against its rank (a Zipf plot). Default `'histogram'`. */
  kind?: 'histogram' | 'rank';
  /** Number of log-spaced histogram bins. Default 40. */
  bins?: number;
  /** A power-law fit to draw; default `tfa.spectral.powerLawFit(eigenvalues)`. Pass `null` to draw none. */
  fit?: {alpha: number; xmin: number} | null;
  /** Plot size in pixels. Default 480 × 340. */
  width?: number;
  height?: number;
  /** Title; default `'ESD'` with α when fitted. */
  title?: string;
}

const DEFAULTS = {kind: 'histogram', bins: 40, width: 480, height: 340} as const;
const WHO = 'spectrumPlot';

/**
 * Renders an eigenvalue spectrum on log-log axes as an SVG string, with the
 * power law `p(λ) ∝ λ^(−α)` for λ ≥ xmin (WeightWatcher's fit) drawn over it
 * and a dashed line at xmin.
 *
 * - `'histogram'`: `<path class="esd">` of log-binned densities (count / (n·width))
 *   with one `<circle class="point">` per non-empty bin; the fit is drawn as
 *   the tail density `(n_tail/n)·(α−1)/xmin·(λ/xmin)^(−α)`, clipped to the axes.
 * - `'rank'`: one `<circle class="point">` per eigenvalue at (rank, λ),
 *   largest first; the fit is the rank curve `n_tail·(λ/xmin)^(1−α)`.
 * Eigenvalues ≤ 0 (round-off of a Gram matrix) are not drawn.
 *
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const lambdas = Array.from({length: 200}, (_, i) => (i + 1) ** -0.8);
 * const svg = tfa.plots.spectrumPlot(lambdas, {kind: 'rank'});
 * console.log(svg.includes('class="fit"')); // true
 * ```
 */
export function spectrumPlot(eigenvalues: ArrayLike<number>, options: SpectrumPlotOptions = {}): string {
  if (eigenvalues == null || typeof eigenvalues.length !== 'number') {
    throw new ValueError(`${WHO}: eigenvalues must be an array of numbers, got ${describe(eigenvalues)}.`);
  }
  const kind = oneOf(options.kind ?? DEFAULTS.kind, ['histogram', 'rank'] as const, 'kind', WHO);
  const bins = positiveInt(options.bins ?? DEFAULTS.bins, 'bins', WHO);
  const width = positiveInt(options.width ?? DEFAULTS.width, 'width', WHO);
  const height = positiveInt(options.height ?? DEFAULTS.height, 'height', WHO);
  const pos = Array.from(eigenvalues)
    .filter(v => Number.isFinite(v) && v > 0)
    .sort((a, b) => b - a);
  if (pos.length < 2) {
    throw new ValueError(`${WHO}: eigenvalues must contain at least 2 positive finite values, got ${pos.length}.`);
  }
  const fit = options.fit === undefined ? powerLawFit(Float64Array.from(pos)) : options.fit;
  const n = pos.length;
  const p = {x: 64, y: 30, width: width - 64 - 16, height: height - 30 - 44};
  const body: string[] = [];
  const hasFit = fit != null && Number.isFinite(fit.alpha) && Number.isFinite(fit.xmin) && fit.xmin > 0;
  const nTail = hasFit ? pos.filter(v => v >= fit.xmin).length : 0;
  const title = options.title ?? (hasFit ? `ESD, α = ${fit.alpha.toFixed(2)}` : 'ESD');
  const [lo, hi] = [pos[n - 1], pos[0]];

  if (kind === 'histogram') {
    const logLo = Math.log10(lo);
    const logHi = Math.log10(hi) + 1e-12 * Math.max(1, Math.abs(Math.log10(hi)));
    const step = (logHi - logLo) / bins || 1;
    const counts = new Array<number>(bins).fill(0);
    for (const v of pos) counts[Math.min(bins - 1, Math.floor((Math.log10(v) - logLo) / step))]++;
    const edges = Array.from({length: bins + 1}, (_, i) => 10 ** (logLo + i * step));
    const dens = counts.map((c, i) => c / (n * (edges[i + 1] - edges[i])));
    const centres = edges.slice(0, -1).map((e, i) => Math.sqrt(e * edges[i + 1]));
    const sx = new Scale(extent(edges, true), [p.x, p.x + p.width], true);
    const sy = new Scale(extent(dens, true), [p.y + p.height, p.y], true);
    body.push(axes(p, sx, sy, {title, x: 'eigenvalue λ', y: 'density'}));
    // Step outline over the non-empty bins (empty bins break the path: log(0)).
    const xs: number[] = [];
    const ys: number[] = [];
    counts.forEach((c, i) => {
      xs.push(edges[i], edges[i + 1]);
      ys.push(c > 0 ? dens[i] : NaN, c > 0 ? dens[i] : NaN);
    });
    body.push(
      `<path class="esd" d="${linePath(xs, ys, sx, sy)}" fill="none" stroke="${PALETTE[0]}" stroke-width="1.5"/>`,
    );
    counts.forEach((c, i) => {
      if (c > 0)
        body.push(
          `<circle class="point" cx="${fmt(sx.map(centres[i]))}" cy="${fmt(sy.map(dens[i]))}" r="2" fill="${PALETTE[0]}"/>`,
        );
    });
    if (hasFit) {
      // p(λ) = c·λ^(−α), c = (n_tail/n)(α−1)·xmin^(α−1); drawn as a straight segment clipped to the y range.
      const c = (nTail / n) * (fit.alpha - 1) * fit.xmin ** (fit.alpha - 1);
      const at = (y: number) => (c / y) ** (1 / fit.alpha); // λ where p(λ) = y
      const from = Math.max(fit.xmin, at(sy.domain[1]));
      const to = Math.min(hi, at(sy.domain[0]));
      if (to > from) {
        const fx = [from, to];
        body.push(
          fitMarkup(
            fx,
            fx.map(v => c * v ** -fit.alpha),
            sx,
            sy,
            p,
            fit,
          ),
        );
      } else {
        body.push(fitMarkup([], [], sx, sy, p, fit));
      }
    }
  } else {
    const ranks = pos.map((_, i) => i + 1);
    const sx = new Scale(extent(ranks, true), [p.x, p.x + p.width], true);
    const sy = new Scale(extent(pos, true), [p.y + p.height, p.y], true);
    body.push(axes(p, sx, sy, {title, x: 'rank', y: 'eigenvalue λ'}));
    pos.forEach((v, i) =>
      body.push(
        `<circle class="point" cx="${fmt(sx.map(i + 1))}" cy="${fmt(sy.map(v))}" r="1.8" fill="${PALETTE[0]}"/>`,
      ),
    );
    if (hasFit) {
      // Rank of λ in the tail: r(λ) = n_tail·(λ/xmin)^(1−α); drawn from λ = λ_max to xmin.
      // Starts where r = 1 (or at λ_max) so the segment stays straight inside the axes.
      const top = Math.min(hi, fit.xmin * nTail ** (1 / (fit.alpha - 1)));
      const ls = [top, fit.xmin];
      const rs = ls.map(v => nTail * (v / fit.xmin) ** (1 - fit.alpha));
      body.push(fitMarkup(rs, ls, sx, sy, p, fit, true));
    }
  }
  return document(width, height, body);
}

function fitMarkup(
  xs: number[],
  ys: number[],
  sx: Scale,
  sy: Scale,
  p: {x: number; y: number; width: number; height: number},
  fit: {alpha: number; xmin: number},
  rank = false,
): string {
  const out = [
    `<path class="fit" d="${linePath(xs, ys, sx, sy)}" fill="none" stroke="${PALETTE[2]}" stroke-width="2"/>`,
  ];
  if (rank) {
    const py = sy.map(fit.xmin);
    out.push(
      `<line class="xmin" x1="${fmt(p.x)}" y1="${fmt(py)}" x2="${fmt(p.x + p.width)}" y2="${fmt(py)}" stroke="${PALETTE[2]}" stroke-dasharray="4 3"/>`,
    );
  } else {
    const px = sx.map(fit.xmin);
    out.push(
      `<line class="xmin" x1="${fmt(px)}" y1="${fmt(p.y)}" x2="${fmt(px)}" y2="${fmt(p.y + p.height)}" stroke="${PALETTE[2]}" stroke-dasharray="4 3"/>`,
    );
  }
  out.push(
    `<text class="legend" x="${fmt(p.x + p.width - 4)}" y="${fmt(p.y + 14)}" text-anchor="end" fill="${PALETTE[2]}">${escapeXml(`power law α = ${fit.alpha.toFixed(2)}, xmin = ${tickLabel(fit.xmin)}`)}</text>`,
  );
  return out.join('\n');
}
