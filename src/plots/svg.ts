/**
 * A small dependency-free SVG renderer: scales (linear and log10), ticks,
 * axes, polylines and text. Shared by the chart functions of `tfa.plots`.
 */

/** Tableau-10 colours, the default cycle of matplotlib and Vega. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

/** Escapes text for use in SVG element content and attribute values. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A number for an SVG attribute: 2 decimals, no `-0`. */
export function fmt(v: number): string {
  const s = (Math.round(v * 100) / 100).toString();
  return s === '-0' ? '0' : s;
}

/** A tick label: short, exponent form for very large or small magnitudes. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return Number(v.toPrecision(4)).toString();
}

/** "Nice" linear ticks (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Powers of ten within [lo, hi] (both > 0); falls back to the ends when the span is under a decade. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++) out.push(10 ** e);
  return out.length >= 2 ? out : [lo, hi];
}

/** Extent of the finite values (log: of the positive values); a degenerate extent is widened. */
export function extent(values: Iterable<number>, log: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return log ? [1, 10] : [0, 1];
  if (lo === hi) return log ? [lo / 2, hi * 2] : [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  return [lo, hi];
}

/** A 1-D scale from a data domain to pixel range. */
export class Scale {
  constructor(
    readonly domain: [number, number],
    readonly range: [number, number],
    readonly log = false,
  ) {}

  map(v: number): number {
    const f = this.log
      ? (Math.log10(v) - Math.log10(this.domain[0])) / (Math.log10(this.domain[1]) - Math.log10(this.domain[0]))
      : (v - this.domain[0]) / (this.domain[1] - this.domain[0]);
    return this.range[0] + f * (this.range[1] - this.range[0]);
  }

  ticks(count = 5): number[] {
    return this.log ? logTicks(this.domain[0], this.domain[1]) : linearTicks(this.domain[0], this.domain[1], count);
  }
}

/**
 * Path data for a polyline through (x, y); a non-finite point (or a
 * non-positive one on a log axis) breaks the line.
 */
export function linePath(xs: ArrayLike<number>, ys: ArrayLike<number>, sx: Scale, sy: Scale): string {
  const parts: string[] = [];
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const ok = valid(xs[i], sx) && valid(ys[i], sy);
    if (!ok) {
      pen = false;
      continue;
    }
    parts.push(`${pen ? 'L' : 'M'}${fmt(sx.map(xs[i]))},${fmt(sy.map(ys[i]))}`);
    pen = true;
  }
  return parts.join(' ');
}

/** Whether `v` can be drawn on scale `s`. */
export function valid(v: number, s: Scale): boolean {
  return Number.isFinite(v) && (!s.log || v > 0);
}

/** A rectangular plot area with axes, inside a larger SVG. */
export interface Panel {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Axes, grid lines, tick labels and an optional title for a panel; returns SVG markup. */
export function axes(p: Panel, sx: Scale, sy: Scale, labels: {title?: string; x?: string; y?: string} = {}): string {
  const out: string[] = [];
  const bottom = p.y + p.height;
  out.push(
    `<rect class="plot-area" x="${fmt(p.x)}" y="${fmt(p.y)}" width="${fmt(p.width)}" height="${fmt(p.height)}" fill="none" stroke="#999"/>`,
  );
  for (const t of sx.ticks()) {
    const px = sx.map(t);
    if (px < p.x - 0.5 || px > p.x + p.width + 0.5) continue;
    out.push(`<line class="grid" x1="${fmt(px)}" y1="${fmt(p.y)}" x2="${fmt(px)}" y2="${fmt(bottom)}" stroke="#eee"/>`);
    out.push(
      `<text class="tick" x="${fmt(px)}" y="${fmt(bottom + 12)}" text-anchor="middle">${escapeXml(tickLabel(t))}</text>`,
    );
  }
  for (const t of sy.ticks()) {
    const py = sy.map(t);
    if (py < p.y - 0.5 || py > bottom + 0.5) continue;
    out.push(
      `<line class="grid" x1="${fmt(p.x)}" y1="${fmt(py)}" x2="${fmt(p.x + p.width)}" y2="${fmt(py)}" stroke="#eee"/>`,
    );
    out.push(
      `<text class="tick" x="${fmt(p.x - 4)}" y="${fmt(py + 3)}" text-anchor="end">${escapeXml(tickLabel(t))}</text>`,
    );
  }
  if (labels.title != null) {
    out.push(
      `<text class="title" x="${fmt(p.x + p.width / 2)}" y="${fmt(p.y - 6)}" text-anchor="middle" font-weight="bold">${escapeXml(labels.title)}</text>`,
    );
  }
  if (labels.x != null) {
    out.push(
      `<text class="axis-label" x="${fmt(p.x + p.width / 2)}" y="${fmt(bottom + 26)}" text-anchor="middle">${escapeXml(labels.x)}</text>`,
    );
  }
  if (labels.y != null) {
    const cx = p.x - 36;
    const cy = p.y + p.height / 2;
    out.push(
      `<text class="axis-label" x="${fmt(cx)}" y="${fmt(cy)}" text-anchor="middle" transform="rotate(-90 ${fmt(cx)} ${fmt(cy)})">${escapeXml(labels.y)}</text>`,
    );
  }
  return out.join('\n');
}

/** Wraps body markup in an `<svg>` root with a white background and a default font. */
export function document(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fmt(width)}" height="${fmt(height)}" viewBox="0 0 ${fmt(width)} ${fmt(height)}" font-family="sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Panels laid out in a grid of `cols` columns inside (width, height) with outer margins. */
export function gridPanels(
  n: number,
  cols: number,
  cell: {width: number; height: number},
  margin: {left: number; top: number; right: number; bottom: number},
): Panel[] {
  const out: Panel[] = [];
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / cols);
    const c = i % cols;
    out.push({
      x: c * cell.width + margin.left,
      y: r * cell.height + margin.top,
      width: cell.width - margin.left - margin.right,
      height: cell.height - margin.top - margin.bottom,
    });
  }
  return out;
}
