/**
 * The grid of learned univariate functions φ_ij of a B-spline KAN layer, as
 * pykan's `model.plot()` shows them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {weightNamed} from '../callbacks/common';
import {bsplineBasis} from '../layers/kan/basis';
import {type BaseActivation, applyBaseActivation} from '../layers/kan/common';
import {ValueError, describe, increasingPair, integer, positiveInt} from '../validate';
import {PALETTE, Scale, document, escapeXml, extent, fmt, linePath, tickLabel} from './svg';

/** Options of {@link kanFunctions}. */
export interface KanFunctionsOptions {
  /** Points per curve (a linspace). Default 101. */
  points?: number;
  /** x range of every curve; default each input's grid interior `[t_k, t_{G+k}]` (after grid updates, the data's range). */
  range?: [number, number];
  /** Draw at most this many inputs (rows) and outputs (columns). Default 8 each. */
  maxInputs?: number;
  maxOutputs?: number;
  /** Size of one cell in pixels. Default 90 × 70. */
  cellWidth?: number;
  cellHeight?: number;
  /** Title; default `φ_ij of <layer name>`. */
  title?: string;
  /**
   * Edge importance `[I][O]` (e.g. `tfa.kan.edgeScores(model, x).edges[l]`);
   * when given, each curve's opacity is `tanh(3·score)` (pykan's plot, beta = 3)
   * instead of its relative range.
   */
  scores?: number[][];
}

const WHO = 'kanFunctions';

/** The per-edge functions φ `[I, P, O]` on the x values `[P, I]`; the caller disposes both. */
export function bsplineEdgeFunctions(layer: tfl.layers.Layer, points: number, range?: [number, number]): {x: tf.Tensor2D; phi: tf.Tensor3D} {
  const w = (name: string): tf.Tensor => {
    const v = weightNamed(layer, name);
    if (v == null) throw new ValueError(`${WHO}: layer '${layer.name}' has no weight '${name}'.`);
    return v.read();
  };
  const cfg = layer.getConfig();
  const k = Number(cfg.splineOrder);
  const act = String(cfg.baseActivation ?? 'silu') as BaseActivation;
  return tf.tidy(() => {
    const grid = w('grid') as tf.Tensor2D; // [I, G+2k+1]
    const base = w('base_kernel') as tf.Tensor2D; // [I, O]
    const spline = w('spline_kernel') as tf.Tensor3D; // [I, G+k, O]
    const scaler = w('spline_scaler') as tf.Tensor2D; // [I, O]
    const [inDim, m] = grid.shape;
    const t = tf.reshape(tf.linspace(0, 1, points), [points, 1]); // [P, 1]
    let lo: tf.Tensor;
    let hi: tf.Tensor;
    if (range != null) {
      lo = tf.fill([1, inDim], range[0]);
      hi = tf.fill([1, inDim], range[1]);
    } else {
      lo = knotRow(grid, k); // [1, I]: t_k
      hi = knotRow(grid, m - 1 - k); // [1, I]: t_{G+k}
    }
    const x = tf.add(lo, tf.mul(t, tf.sub(hi, lo))) as tf.Tensor2D; // [P, I]
    // The layer clamps its input to [t_k, t_{G+k}] when clampToGrid is set; so does the plot.
    const xs = cfg.clampToGrid === true
      ? (tf.minimum(tf.maximum(x, knotRow(grid, k)), knotRow(grid, m - 1 - k)) as tf.Tensor2D)
      : x; // [P, I]
    const b = bsplineBasis(xs, grid, k); // [P, I, G+k]
    const splinePart = tf.matMul(tf.transpose(b, [1, 0, 2]), spline); // [I, P, O]
    const scaled = tf.mul(splinePart, tf.expandDims(scaler, 1)); // [I, P, O]
    const basePart = tf.mul(tf.expandDims(tf.transpose(applyBaseActivation(xs, act)), 2), tf.expandDims(base, 1)); // [I, P, O]
    return {x, phi: tf.add(scaled, basePart) as tf.Tensor3D};
  });
}

/**
 * Renders a B-spline KAN layer's learned functions as an SVG grid: row i,
 * column j shows `φ_ij(x) = base_kernel[i,j]·b(x) + spline_scaler[i,j]·Σ_c
 * spline_kernel[i,c,j]·B_c(x)` (b the layer's base activation, SiLU by
 * default; B_c its B-spline bases on its current grid) on a linspace over
 * the input's grid interior. The layer output is `Σ_i φ_ij(x_i)` (+ bias).
 * Each curve is a `<path class="phi" data-i data-j>`; its opacity is its
 * range relative to the largest range, or `tanh(3·score)` with `scores`
 * (edge importance, as pykan fades unimportant edges).
 * Async (reads the curves once with `await data()`).
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.layers.bsplineKAN({units: 2, inputShape: [3]});
 * tf.sequential({layers: [layer]});
 * tfa.plots.kanFunctions(layer).then(svg => console.log(svg.split('class="phi"').length - 1)); // 6
 * ```
 */
export async function kanFunctions(layer: tfl.layers.Layer, options: KanFunctionsOptions = {}): Promise<string> {
  if (layer == null || typeof (layer as {getClassName?: unknown}).getClassName !== 'function') {
    throw new ValueError(`${WHO}: layer must be a BSplineKAN layer, got ${describe(layer)}.`);
  }
  if (layer.getClassName() !== 'BSplineKAN') {
    throw new ValueError(`${WHO}: layer must be a BSplineKAN layer, got '${layer.name}' of class ${layer.getClassName()}.`);
  }
  if (!layer.built) throw new ValueError(`${WHO}: layer '${layer.name}' is not built yet (call it or add it to a model first).`);
  const points = integer(options.points ?? 101, 'points', WHO, 2);
  const range = options.range == null ? undefined : increasingPair(options.range, 'range', WHO);
  const maxIn = positiveInt(options.maxInputs ?? 8, 'maxInputs', WHO);
  const maxOut = positiveInt(options.maxOutputs ?? 8, 'maxOutputs', WHO);
  const cw = positiveInt(options.cellWidth ?? 90, 'cellWidth', WHO);
  const ch = positiveInt(options.cellHeight ?? 70, 'cellHeight', WHO);
  const scores = options.scores;

  const {x, phi} = bsplineEdgeFunctions(layer, points, range);
  const [inDim, , outDim] = phi.shape;
  if (scores != null && (!Array.isArray(scores) || scores.length !== inDim || scores.some(r => !Array.isArray(r) || r.length !== outDim || r.some(v => !Number.isFinite(v) || v < 0)))) {
    x.dispose();
    phi.dispose();
    throw new ValueError(`${WHO}: scores must be a [${inDim}][${outDim}] array of finite values >= 0, got ${describe(scores)}.`);
  }
  const xs = (await x.data()) as Float32Array; // [P, I]
  const ys = (await phi.data()) as Float32Array; // [I, P, O]
  x.dispose();
  phi.dispose();
  const rows = Math.min(inDim, maxIn);
  const cols = Math.min(outDim, maxOut);
  const curve = (i: number, j: number) => ({
    x: Array.from({length: points}, (_, p) => xs[p * inDim + i]),
    y: Array.from({length: points}, (_, p) => ys[(i * points + p) * outDim + j]),
  });
  let maxSpan = 0;
  const spans: number[][] = [];
  for (let i = 0; i < rows; i++) {
    spans.push([]);
    for (let j = 0; j < cols; j++) {
      const [lo, hi] = extent(curve(i, j).y, false);
      spans[i].push(hi - lo);
      maxSpan = Math.max(maxSpan, hi - lo);
    }
  }
  const left = 40;
  const top = 34;
  const title = options.title ?? `φ_ij of ${layer.name}`;
  const width = Math.max(left + cols * cw + 8, 7 * title.length + 16); // ~7 px per character at 12 px
  const body: string[] = [];
  body.push(`<text class="title" x="${fmt(width / 2)}" y="14" text-anchor="middle" font-size="12" font-weight="bold">${escapeXml(title)}</text>`);
  for (let j = 0; j < cols; j++) {
    body.push(`<text class="col-label" x="${fmt(left + j * cw + cw / 2)}" y="28" text-anchor="middle">out ${j}</text>`);
  }
  for (let i = 0; i < rows; i++) {
    body.push(`<text class="row-label" x="4" y="${fmt(top + i * ch + ch / 2)}">in ${i}</text>`);
    for (let j = 0; j < cols; j++) {
      const c = curve(i, j);
      const px = left + j * cw + 4;
      const py = top + i * ch + 4;
      const pw = cw - 8;
      const ph = ch - 16;
      const sx = new Scale(extent(c.x, false), [px, px + pw]);
      const sy = new Scale(extent(c.y, false), [py + ph, py]);
      const opacity = scores != null ? Math.tanh(3 * scores[i][j]) : maxSpan > 0 ? Math.max(0.15, spans[i][j] / maxSpan) : 1;
      body.push(`<rect class="cell" x="${fmt(px)}" y="${fmt(py)}" width="${fmt(pw)}" height="${fmt(ph)}" fill="none" stroke="#ddd"/>`);
      body.push(`<path class="phi" data-i="${i}" data-j="${j}" d="${linePath(c.x, c.y, sx, sy)}" fill="none" stroke="${PALETTE[0]}" stroke-opacity="${fmt(opacity)}" stroke-width="1.5"/>`);
      body.push(`<text class="range" x="${fmt(px + pw / 2)}" y="${fmt(py + ph + 10)}" text-anchor="middle" font-size="7" fill="#666">${escapeXml(`[${tickLabel(sy.domain[0])}, ${tickLabel(sy.domain[1])}]`)}</text>`);
    }
  }
  if (rows < inDim || cols < outDim) {
    body.push(`<text class="note" x="${left}" y="${fmt(top + rows * ch + 12)}">${escapeXml(`showing ${rows} of ${inDim} inputs, ${cols} of ${outDim} outputs`)}</text>`);
  }
  return document(width, top + rows * ch + 18, body);
}

/** Column `j` of the grid `[I, M]` as a row `[1, I]`. */
function knotRow(grid: tf.Tensor2D, j: number): tf.Tensor2D {
  const inDim = grid.shape[0];
  return tf.reshape(tf.slice(grid, [0, j], [inDim, 1]), [1, inDim]);
}
