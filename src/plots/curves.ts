/**
 * Metric curves over epochs, one panel per metric, from a `History`, a list
 * of callback records or JSON Lines text.
 */
import type * as tf from '@tensorflow/tfjs-core';

import type {MetricRecord} from '../callbacks/common';
import {ValueError, describe, positiveInt} from '../validate';
import {PALETTE, Scale, axes, document, escapeXml, extent, fmt, gridPanels, linePath, valid} from './svg';

/** What `metricCurves` accepts: `model.fit`'s History, callback records, or JSON Lines text of records. */
export type CurveSource =
  {history: {[key: string]: ArrayLike<number | tf.Tensor>}; epoch?: number[]} | MetricRecord[] | string;

/** Options of {@link metricCurves}. */
export interface MetricCurvesOptions {
  /** Metrics (panels) to draw; default all, in first-seen order. History keys `val_x` share the panel of `x`. */
  metrics?: string[];
  /** Record field used as the x axis. Default `'epoch'` (e.g. `'rank'` for a truncation scan). */
  x?: string;
  /** Panels per row. Default 2 (1 when there is one panel). */
  columns?: number;
  /** Size of one panel cell in pixels. Default 320 × 220. */
  panelWidth?: number;
  panelHeight?: number;
  /** Metrics drawn with a log10 y axis. Default none. */
  logY?: string[];
  /** Title above the grid. */
  title?: string;
}

interface Series {
  name: string;
  xs: number[];
  ys: number[];
}

/** Widens a y extent by 5% on each side (a factor on log axes) so points do not sit on the frame. */
function padded([lo, hi]: [number, number], log: boolean): [number, number] {
  if (log) {
    const f = (hi / lo) ** 0.05;
    return [lo / f, hi * f];
  }
  const m = (hi - lo) * 0.05;
  return [lo - m, hi + m];
}

/**
 * Parses JSON Lines (one object per non-empty line); a bad line throws naming its number.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * console.log(tfa.plots.parseJsonLines('{"epoch":0,"loss":1}\n{"epoch":1,"loss":0.5}\n')); // [{epoch: 0, loss: 1}, {epoch: 1, loss: 0.5}]
 * ```
 */
export function parseJsonLines(text: string): MetricRecord[] {
  const out: MetricRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch {
      throw new ValueError(`parseJsonLines: line ${i + 1} is not JSON: ${describe(line)}.`);
    }
  });
  return out;
}

function panelsFromHistory(
  h: {[key: string]: ArrayLike<number | tf.Tensor>},
  epochs: number[] | undefined,
): Map<string, Series[]> {
  const panels = new Map<string, Series[]>();
  for (const key of Object.keys(h)) {
    const values = Array.from(h[key], v => (typeof v === 'number' ? v : NaN));
    const metric = key.startsWith('val_') ? key.slice(4) : key;
    const xs = values.map((_, i) => epochs?.[i] ?? i);
    const list = panels.get(metric) ?? [];
    list.push({name: key, xs, ys: values});
    panels.set(metric, list);
  }
  return panels;
}

function panelsFromRecords(records: MetricRecord[], xField: string): Map<string, Series[]> {
  const panels = new Map<string, Series[]>();
  for (const r of records) {
    if (r == null || typeof r.metric !== 'string') continue;
    const xv = r[xField];
    if (typeof xv !== 'number') continue;
    const list = panels.get(r.metric) ?? [];
    const name = r.layer ?? r.metric;
    let s = list.find(q => q.name === name);
    if (s == null) {
      s = {name, xs: [], ys: []};
      list.push(s);
    }
    s.xs.push(xv);
    s.ys.push(typeof r.value === 'number' ? r.value : NaN);
    panels.set(r.metric, list);
  }
  return panels;
}

/**
 * Renders metric curves as an SVG string: one panel per metric (loss,
 * val_loss in one panel; per-layer records as one line per layer), x = epoch.
 * Each series is a `<path class="series" data-series="…">` plus one
 * `<circle class="point">` per finite value. Pure string output: it runs in
 * browsers too; in Node save it with {@link saveSvg}.
 *
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const svg = tfa.plots.metricCurves({history: {loss: [1, 0.5, 0.3], val_loss: [1.1, 0.7, 0.6]}});
 * console.log(svg.startsWith('<svg')); // true
 * ```
 */
export function metricCurves(source: CurveSource, options: MetricCurvesOptions = {}): string {
  const WHO = 'metricCurves';
  let panels: Map<string, Series[]>;
  if (typeof source === 'string') {
    panels = panelsFromRecords(parseJsonLines(source), options.x ?? 'epoch');
  } else if (Array.isArray(source)) {
    panels = panelsFromRecords(source, options.x ?? 'epoch');
  } else if (
    source != null &&
    typeof source === 'object' &&
    source.history != null &&
    typeof source.history === 'object'
  ) {
    panels = panelsFromHistory(source.history, source.epoch);
  } else {
    throw new ValueError(
      `${WHO}: source must be a History, a list of records or JSON Lines text, got ${describe(source)}.`,
    );
  }
  let names = [...panels.keys()];
  if (options.metrics != null) {
    const missing = options.metrics.filter(m => !panels.has(m));
    if (missing.length > 0) {
      throw new ValueError(
        `${WHO}: metrics ${describe(missing)} are not in the source; available: ${names.map(n => `'${n}'`).join(', ')}.`,
      );
    }
    names = options.metrics;
  }
  if (names.length === 0) throw new ValueError(`${WHO}: source has no metric values to draw.`);
  const cols = positiveInt(options.columns ?? Math.min(2, names.length), 'columns', WHO);
  const cell = {
    width: positiveInt(options.panelWidth ?? 320, 'panelWidth', WHO),
    height: positiveInt(options.panelHeight ?? 220, 'panelHeight', WHO),
  };
  const top = options.title != null ? 24 : 0;
  const rows = Math.ceil(names.length / cols);
  const rects = gridPanels(names.length, cols, cell, {left: 56, top: 24 + top, right: 12, bottom: 40});
  const body: string[] = [];
  if (options.title != null) {
    body.push(
      `<text class="title" x="${fmt((cols * cell.width) / 2)}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(options.title)}</text>`,
    );
  }
  names.forEach((metric, i) => {
    const series = panels.get(metric) ?? [];
    const p = rects[i];
    const logY = options.logY?.includes(metric) ?? false;
    const sx = new Scale(
      extent(
        series.flatMap(s => s.xs),
        false,
      ),
      [p.x, p.x + p.width],
    );
    const sy = new Scale(
      padded(
        extent(
          series.flatMap(s => s.ys),
          logY,
        ),
        logY,
      ),
      [p.y + p.height, p.y],
      logY,
    );
    body.push(`<g class="panel" data-metric="${escapeXml(metric)}">`);
    body.push(axes(p, sx, sy, {title: metric, x: options.x ?? 'epoch'}));
    series.forEach((s, k) => {
      const color = PALETTE[k % PALETTE.length];
      const dash = s.name.startsWith('val_') ? ' stroke-dasharray="4 2"' : '';
      body.push(
        `<path class="series" data-series="${escapeXml(s.name)}" d="${linePath(s.xs, s.ys, sx, sy)}" fill="none" stroke="${color}" stroke-width="1.5"${dash}/>`,
      );
      for (let j = 0; j < s.xs.length; j++) {
        if (!valid(s.xs[j], sx) || !valid(s.ys[j], sy)) continue;
        body.push(
          `<circle class="point" data-series="${escapeXml(s.name)}" cx="${fmt(sx.map(s.xs[j]))}" cy="${fmt(sy.map(s.ys[j]))}" r="2" fill="${color}"/>`,
        );
      }
      body.push(
        `<text class="legend" x="${fmt(p.x + p.width - 4)}" y="${fmt(p.y + 12 + 12 * k)}" text-anchor="end" fill="${color}">${escapeXml(s.name)}</text>`,
      );
    });
    body.push('</g>');
  });
  return document(cols * cell.width, rows * cell.height + top, body);
}
