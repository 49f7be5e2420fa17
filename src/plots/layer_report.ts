/**
 * WeightWatcher-style per-layer panels of `tfa.spectral.analyze` rows: the ESD
 * on log–log axes with the power-law fit, and on linear axes with the
 * Marchenko–Pastur bulk and its spikes.
 */
import type {LayerReport} from '../spectral/analyze';
import {ValueError, describe, positiveInt} from '../validate';
import {PALETTE, type Panel, Scale, axes, document, escapeXml, extent, fmt, linePath} from './svg';

/** Options of {@link layerReport}. */
export interface LayerReportOptions {
  /** Histogram bins per panel. Default 50. */
  bins?: number;
  /** Size of one panel (two per layer, side by side). Default 420 × 300. */
  panelWidth?: number;
  panelHeight?: number;
}

const DEFAULTS = {bins: 50, panelWidth: 420, panelHeight: 300} as const;
const WHO = 'plots.layerReport';
const MARGIN = {left: 64, top: 34, right: 16, bottom: 44};

type Row = Pick<
  LayerReport,
  | 'name'
  | 'eigenvalues'
  | 'alpha'
  | 'xmin'
  | 'D'
  | 'status'
  | 'bulkMax'
  | 'bulkMin'
  | 'spikeThreshold'
  | 'numSpikes'
  | 'Q'
  | 'sigmaMp'
>;

function vline(cls: string, x: number, p: Panel, color: string, value: number, dash = ''): string {
  return `<line class="${cls}" data-value="${value}" x1="${fmt(x)}" y1="${fmt(p.y)}" x2="${fmt(x)}" y2="${fmt(p.y + p.height)}" stroke="${color}" stroke-width="1.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

/** Log–log ESD panel: log-binned density, power-law density (α−1)/xmin·(λ/xmin)^−α·(n_tail/n) from xmin, xmin rule. */
function logPanel(r: Row, p: Panel, bins: number): string {
  const pos = Array.from(r.eigenvalues).filter(v => v > 0);
  const out: string[] = [];
  const ok = r.status === 'ok';
  const title =
    `${r.name}: log–log ESD` + (ok ? `, α = ${r.alpha.toFixed(2)}, D = ${r.D.toFixed(3)}` : ', PL fit failed');
  if (pos.length < 2) {
    out.push(
      `<text class="title" x="${fmt(p.x + p.width / 2)}" y="${fmt(p.y - 6)}" text-anchor="middle">${escapeXml(`${r.name}: fewer than 2 positive eigenvalues`)}</text>`,
    );
    return out.join('\n');
  }
  // WeightWatcher plots λ > xmin/100 (λ > 0.004·λ_max when the fit failed).
  const lmax = pos[pos.length - 1];
  const shown = pos.filter(v => v > (ok ? r.xmin / 100 : 0.004 * lmax));
  const lo = Math.log10(shown[0]);
  const hi = Math.log10(shown[shown.length - 1]) + 1e-12;
  const step = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of shown) counts[Math.min(bins - 1, Math.floor((Math.log10(v) - lo) / step))]++;
  const edges = Array.from({length: bins + 1}, (_, i) => 10 ** (lo + i * step));
  const dens = counts.map((c, i) => c / (shown.length * (edges[i + 1] - edges[i])));
  const sx = new Scale(extent(edges, true), [p.x, p.x + p.width], true);
  const sy = new Scale(extent(dens, true), [p.y + p.height, p.y], true);
  out.push(axes(p, sx, sy, {title, x: 'eigenvalue λ', y: 'density'}));
  const xs: number[] = [];
  const ys: number[] = [];
  counts.forEach((c, i) => {
    xs.push(edges[i], edges[i + 1]);
    ys.push(c > 0 ? dens[i] : NaN, c > 0 ? dens[i] : NaN);
  });
  out.push(`<path class="esd" d="${linePath(xs, ys, sx, sy)}" fill="none" stroke="${PALETTE[0]}" stroke-width="1.5"/>`);
  if (ok) {
    const nTail = shown.filter(v => v >= r.xmin).length;
    const c = (nTail / shown.length) * (r.alpha - 1) * r.xmin ** (r.alpha - 1);
    // a straight segment on log-log axes, clipped to the y range: λ where c·λ^−α = y
    const at = (y: number) => (c / y) ** (1 / r.alpha);
    const fx = [Math.max(r.xmin, at(sy.domain[1])), Math.min(lmax, at(sy.domain[0]))];
    const seg = fx[1] > fx[0] ? fx : [];
    out.push(
      `<path class="fit" d="${linePath(
        seg,
        seg.map(v => c * v ** -r.alpha),
        sx,
        sy,
      )}" fill="none" stroke="${PALETTE[2]}" stroke-width="2" stroke-dasharray="6 3"/>`,
    );
    out.push(vline('xmin', sx.map(r.xmin), p, PALETTE[2], r.xmin));
    out.push(
      `<text class="legend" x="${fmt(p.x + p.width - 4)}" y="${fmt(p.y + 14)}" text-anchor="end" fill="${PALETTE[2]}">${escapeXml(`power law, λ_min = xmin = ${r.xmin.toPrecision(3)}`)}</text>`,
    );
  }
  return out.join('\n');
}

/** Linear ESD panel: density histogram, MP density on [λ−, λ+], λ+ and the spike threshold, one mark per spike. */
function mpPanel(r: Row, p: Panel, bins: number): string {
  const ev = Array.from(r.eigenvalues);
  const out: string[] = [];
  const hasMp = Number.isFinite(r.bulkMax) && r.bulkMax > 0;
  const title =
    `${r.name}: ESD and MP bulk` + (hasMp ? `, Q = ${r.Q.toFixed(2)}, # spikes = ${r.numSpikes}` : ' (no MP fit)');
  const lo = Math.min(...ev);
  const hi = Math.max(...ev);
  const width = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of ev) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  const dens = counts.map(c => c / (ev.length * width));
  // MP density in the original units: s² = λ+/(1 + 1/√Q)², ρ(λ) = √((λ+ − λ)(λ − λ−)) / (2π s² λ / Q)
  const mpX: number[] = [];
  const mpY: number[] = [];
  if (hasMp && r.Q !== 1) {
    const s2 = r.bulkMax / (1 + 1 / Math.sqrt(r.Q)) ** 2;
    const a = Math.max(r.bulkMin, lo);
    const b = Math.min(r.bulkMax, hi);
    for (let i = 0; i <= 200; i++) {
      const x = a + ((b - a) * i) / 200;
      const v = Math.sqrt(Math.max(0, (r.bulkMax - x) * (x - r.bulkMin))) / ((2 * Math.PI * s2 * x) / r.Q);
      if (Number.isFinite(v) && x > 0) {
        mpX.push(x);
        mpY.push(v);
      }
    }
  }
  const xMax = Math.max(hi, hasMp ? r.spikeThreshold : hi);
  const sx = new Scale([Math.min(0, lo), xMax * 1.02 || 1], [p.x, p.x + p.width]);
  const yHi = Math.max(...dens, ...mpY.filter(v => v < 4 * Math.max(...dens)));
  const sy = new Scale([0, yHi * 1.05 || 1], [p.y + p.height, p.y]);
  out.push(axes(p, sx, sy, {title, x: 'eigenvalue λ', y: 'density'}));
  counts.forEach((c, i) => {
    if (c === 0) return;
    const x0 = sx.map(lo + i * width);
    const x1 = sx.map(lo + (i + 1) * width);
    const y = sy.map(dens[i]);
    out.push(
      `<rect class="bar" x="${fmt(x0)}" y="${fmt(y)}" width="${fmt(Math.max(0.5, x1 - x0))}" height="${fmt(p.y + p.height - y)}" fill="${PALETTE[0]}" fill-opacity="0.35"/>`,
    );
  });
  if (hasMp) {
    if (mpX.length > 1) {
      const clipY = mpY.map(v => Math.min(v, sy.domain[1]));
      out.push(
        `<path class="mp" d="${linePath(mpX, clipY, sx, sy)}" fill="none" stroke="${PALETTE[2]}" stroke-width="2"/>`,
      );
    }
    out.push(vline('bulk-max', sx.map(r.bulkMax), p, PALETTE[2], r.bulkMax));
    out.push(vline('spike-threshold', sx.map(r.spikeThreshold), p, PALETTE[2], r.spikeThreshold, '4 3'));
    for (const v of ev) {
      if (v > r.spikeThreshold) {
        out.push(
          `<circle class="spike" data-value="${v}" cx="${fmt(sx.map(v))}" cy="${fmt(p.y + p.height - 4)}" r="3" fill="${PALETTE[1]}"/>`,
        );
      }
    }
    out.push(
      `<text class="legend" x="${fmt(p.x + p.width - 4)}" y="${fmt(p.y + 14)}" text-anchor="end" fill="${PALETTE[2]}">${escapeXml(`MP fit σ_mp = ${r.sigmaMp.toFixed(3)}, λ+ = ${r.bulkMax.toPrecision(3)}`)}</text>`,
    );
  }
  return out.join('\n');
}

/**
 * Renders `tfa.spectral.analyze` rows as one SVG: per row (layer matrix) two
 * panels, as WeightWatcher's `plot=True` panels `esd` and `mpfit2`:
 * - left, log–log axes: the log-binned ESD (`<path class="esd">`, λ > xmin/100),
 *   the fitted power-law density from xmin (`<path class="fit">`) and a rule at
 *   xmin (`<line class="xmin" data-value>`);
 * - right, linear axes: the ESD histogram (`<rect class="bar">`), the MP density
 *   on [λ−, λ+] (`<path class="mp">`, not drawn for Q = 1, where WeightWatcher fits
 *   the quarter circle to √λ), the bulk edge λ+ (`<line class="bulk-max">`), the
 *   spike threshold λ+ + √TW (`<line class="spike-threshold">`) and one
 *   `<circle class="spike">` per eigenvalue above it (`numSpikes` of them).
 * Each row is a `<g class="layer" data-layer>`. Units are the original ones
 * (WeightWatcher's MP panel uses the rescaled ones; the shape is the same).
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tf.layers.dense({units: 64, inputShape: [128]})]});
 * tfa.spectral.analyze(model).then(rows => {
 *   const svg = tfa.plots.layerReport(rows);
 *   console.log(svg.includes('class="bulk-max"')); // true
 * });
 * ```
 */
export function layerReport(report: LayerReport | LayerReport[], options: LayerReportOptions = {}): string {
  const rows = Array.isArray(report) ? report : [report];
  if (
    rows.length === 0 ||
    rows.some(
      r => r == null || typeof r !== 'object' || !(r.eigenvalues instanceof Float64Array) || r.eigenvalues.length === 0,
    )
  ) {
    throw new ValueError(
      `${WHO}: report must be a tfa.spectral.analyze row (or a non-empty list of them) with eigenvalues, got ${describe(report)}.`,
    );
  }
  const bins = positiveInt(options.bins ?? DEFAULTS.bins, 'bins', WHO);
  const pw = positiveInt(options.panelWidth ?? DEFAULTS.panelWidth, 'panelWidth', WHO);
  const ph = positiveInt(options.panelHeight ?? DEFAULTS.panelHeight, 'panelHeight', WHO);
  const body: string[] = [];
  rows.forEach((r, i) => {
    const y0 = i * ph;
    const left: Panel = {
      x: MARGIN.left,
      y: y0 + MARGIN.top,
      width: pw - MARGIN.left - MARGIN.right,
      height: ph - MARGIN.top - MARGIN.bottom,
    };
    const right: Panel = {...left, x: pw + MARGIN.left};
    body.push(
      `<g class="layer" data-layer="${escapeXml(r.name)}">`,
      logPanel(r, left, bins),
      mpPanel(r, right, bins),
      '</g>',
    );
  });
  return document(2 * pw, rows.length * ph, body);
}
