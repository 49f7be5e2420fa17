/**
 * The grid of learned univariate functions φ_ij of a KAN layer (every
 * univariate variant), as pykan's `model.plot()` shows them.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {weightNamed} from '../callbacks/common';
import {type AFKANActivation, type AFKANFunc, afActivation, afCombine} from '../layers/kan/af';
import {bsplineBasis, chebyshevBasis, fourierBasis, rbfBasis, rbfGrid} from '../layers/kan/basis';
import {type BaseActivation, applyBaseActivation} from '../layers/kan/common';
import {reluBumpBasis} from '../layers/kan/relu';
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
export function bsplineEdgeFunctions(
  layer: tfl.layers.Layer,
  points: number,
  range?: [number, number],
): {x: tf.Tensor2D; phi: tf.Tensor3D} {
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
    const xs =
      cfg.clampToGrid === true
        ? (tf.minimum(tf.maximum(x, knotRow(grid, k)), knotRow(grid, m - 1 - k)) as tf.Tensor2D)
        : x; // [P, I]
    const b = bsplineBasis(xs, grid, k); // [P, I, G+k]
    const splinePart = tf.matMul(tf.transpose(b, [1, 0, 2]), spline); // [I, P, O]
    const scaled = tf.mul(splinePart, tf.expandDims(scaler, 1)); // [I, P, O]
    const basePart = tf.mul(tf.expandDims(tf.transpose(applyBaseActivation(xs, act)), 2), tf.expandDims(base, 1)); // [I, P, O]
    return {x, phi: tf.add(scaled, basePart) as tf.Tensor3D};
  });
}

/** The KAN layer classes {@link kanFunctions} draws. */
export const PLOTTABLE_KAN_CLASSES = [
  'BSplineKAN',
  'RBFKAN',
  'ChebyshevKAN',
  'FourierKAN',
  'ReLUKAN',
  'AFKAN',
  'SelectableKAN',
] as const;

/**
 * A KAN layer as a sum of univariate edge functions, for input x `[N, I]`:
 * `y_j = Σ_i φ_ij(u_i) + Σ_i base_ij(x_i) + bias_j`, with `u` the values the
 * edges see (x itself, or a transform of x the layer applies first).
 * Tensors are owned by the caller.
 */
export interface KanEdges {
  /** The input each edge sees `[N, I]`. */
  u: tf.Tensor2D;
  /** φ_ij(u_ni) as `[I, N, O]`. */
  phi: tf.Tensor3D;
  /** A second per-edge term on the raw input (RBFKAN's base branch) `[I, N, O]`, or null. */
  base: tf.Tensor3D | null;
  /** Bias `[O]` added after the sum, or null. */
  bias: tf.Tensor1D | null;
}

/** How one KAN class maps to edge functions. */
interface EdgeView {
  /** Axis label: the input the edge sees. */
  label: string;
  /** Note under the grid (e.g. what a dashed curve is), or null. */
  note: string | null;
  /** Values the edges see for layer inputs x `[N, I]`. */
  edgeInput(x: tf.Tensor2D): tf.Tensor2D;
  /** φ `[I, P, O]` at edge inputs u `[P, I]`. */
  phi(u: tf.Tensor2D): tf.Tensor3D;
  /** Per-edge term on the raw input x `[P, I]` → `[I, P, O]`, if the layer has one. */
  base: ((x: tf.Tensor2D) => tf.Tensor3D) | null;
  /** Bias `[O]` or null. */
  bias(): tf.Tensor1D | null;
  /** Default plotting range per input: lo, hi `[1, I]`. */
  range(inDim: number): {lo: tf.Tensor2D; hi: tf.Tensor2D};
}

const LN_EPSILON = 1e-5; // RBFKAN and AFKAN LayerNorm (torch default)

/** Σ_j F[p,i,j]·K[i,j,o] as `[I, P, O]` for features F `[P, I, n]` and kernel K `[I, n, O]`. */
function edgeSum(features: tf.Tensor3D, kernel: tf.Tensor3D): tf.Tensor3D {
  return tf.matMul(tf.transpose(features, [1, 0, 2]) as tf.Tensor3D, kernel); // [I, P, O]
}

/** φ_ij(u) = a(u_i)·W_ij as `[I, P, O]` for a(u) `[P, I]` and W `[I, O]`. */
function scaledEdges(a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor3D {
  return tf.mul(tf.expandDims(tf.transpose(a), 2), tf.expandDims(w, 1)) as tf.Tensor3D; // [I, P, O]
}

/** LayerNorm over the last axis with affine γ, β (biased variance, ε 1e-5), as the layers do. */
function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const {mean, variance} = tf.moments(x, 1, true); // [N, 1]
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPSILON))), gamma), beta) as tf.Tensor2D;
}

const constRange = (inDim: number, lo: number, hi: number) => ({
  lo: tf.fill([1, inDim], lo) as tf.Tensor2D,
  hi: tf.fill([1, inDim], hi) as tf.Tensor2D,
});

function edgeView(layer: tfl.layers.Layer): EdgeView {
  const w = (name: string): tf.Tensor => {
    const v = weightNamed(layer, name);
    if (v == null) throw new ValueError(`${WHO}: layer '${layer.name}' has no weight '${name}'.`);
    return v.read();
  };
  const maybe = (name: string): tf.Tensor1D | null =>
    (weightNamed(layer, name)?.read() as tf.Tensor1D | undefined) ?? null;
  const cfg = layer.getConfig();
  const identity = (x: tf.Tensor2D) => tf.clone(x);
  switch (layer.getClassName()) {
    case 'BSplineKAN': {
      const k = Number(cfg.splineOrder);
      const act = String(cfg.baseActivation ?? 'silu') as BaseActivation;
      return {
        label: 'x_i',
        note: null,
        edgeInput: identity,
        base: null,
        bias: () => maybe('bias'),
        phi: u => {
          const grid = w('grid') as tf.Tensor2D; // [I, G+2k+1]
          const m = grid.shape[1];
          // The layer clamps its input to [t_k, t_{G+k}] when clampToGrid is set; so does the plot.
          const us =
            cfg.clampToGrid === true
              ? (tf.minimum(tf.maximum(u, knotRow(grid, k)), knotRow(grid, m - 1 - k)) as tf.Tensor2D)
              : u;
          const scaled = tf.mul(
            edgeSum(bsplineBasis(us, grid, k), w('spline_kernel') as tf.Tensor3D),
            tf.expandDims(w('spline_scaler'), 1),
          ); // [I, P, O]
          return tf.add(
            scaled,
            scaledEdges(applyBaseActivation(us, act) as tf.Tensor2D, w('base_kernel') as tf.Tensor2D),
          ) as tf.Tensor3D;
        },
        range: () => {
          const grid = w('grid') as tf.Tensor2D;
          return {lo: knotRow(grid, k), hi: knotRow(grid, grid.shape[1] - 1 - k)}; // grid interior [t_k, t_{G+k}]
        },
      };
    }
    case 'RBFKAN': {
      const {centers, width} = rbfGrid(Number(cfg.gridMin), Number(cfg.gridMax), Number(cfg.numCenters));
      const ln = cfg.useLayerNorm !== false;
      const act = String(cfg.baseActivation ?? 'silu') as BaseActivation;
      return {
        label: ln ? 'z_i = LayerNorm(x)_i' : 'x_i',
        note: cfg.useBase !== false ? `dashed: base branch ${act}(x_i)·W_ij on the raw input x_i` : null,
        edgeInput: x => (ln ? layerNorm(x, w('ln_gamma'), w('ln_beta')) : tf.clone(x)),
        phi: u => edgeSum(rbfBasis(u, centers, width), w('spline_kernel') as tf.Tensor3D),
        base:
          cfg.useBase !== false
            ? x => scaledEdges(applyBaseActivation(x, act) as tf.Tensor2D, w('base_kernel') as tf.Tensor2D)
            : null,
        bias: () => maybe('base_bias'),
        range: inDim => constRange(inDim, centers[0] - width, centers[centers.length - 1] + width),
      };
    }
    case 'ChebyshevKAN':
      return {
        label: 'x_i (tanh inside)',
        note: null,
        edgeInput: identity,
        base: null,
        bias: () => null,
        phi: u =>
          edgeSum(chebyshevBasis(tf.tanh(u) as tf.Tensor2D, Number(cfg.degree)), w('cheby_kernel') as tf.Tensor3D),
        range: inDim => constRange(inDim, -3, 3),
      };
    case 'FourierKAN':
      return {
        label: 'x_i',
        note: null,
        edgeInput: identity,
        base: null,
        bias: () => maybe('bias'),
        phi: u =>
          edgeSum(
            fourierBasis(u, Number(cfg.gridSize)),
            tf.concat([w('cos_kernel'), w('sin_kernel')], 1) as tf.Tensor3D,
          ),
        range: inDim => constRange(inDim, -Math.PI, Math.PI),
      };
    case 'ReLUKAN': {
      const g = Number(cfg.gridSize);
      const k = Number(cfg.splineOrder);
      return {
        label: 'x_i',
        note: null,
        edgeInput: identity,
        base: null,
        bias: () => maybe('bias'),
        phi: u =>
          edgeSum(
            reluBumpBasis(u, w('phase_low'), w('phase_high'), (4 * g * g) / ((k + 1) * (k + 1))),
            w('kernel') as tf.Tensor3D,
          ),
        range: inDim => ({
          lo: tf.reshape(tf.min(w('phase_low'), 1), [1, inDim]) as tf.Tensor2D, // the bumps' support
          hi: tf.reshape(tf.max(w('phase_high'), 1), [1, inDim]) as tf.Tensor2D,
        }),
      };
    }
    case 'AFKAN': {
      const act = String(cfg.activation) as AFKANActivation;
      return {
        label: cfg.useLayerNorm !== false ? 'z_i (reduced, LayerNorm-ed x_i)' : 'z_i (reduced x_i)',
        note: null,
        base: null,
        bias: () => null,
        edgeInput: x => afEdgeInput(x, cfg, w),
        phi: u => scaledEdges(afActivation(u, act) as tf.Tensor2D, w('kernel') as tf.Tensor2D),
        range: inDim => constRange(inDim, -3, 3),
      };
    }
    case 'SelectableKAN': {
      const bases = cfg.bases as string[];
      const [a, b] = cfg.gridRange as [number, number];
      return {
        label: 'x_i',
        note: `mixture of ${bases.join(', ')} (selection weights folded in)`,
        edgeInput: identity,
        base: null,
        bias: () => maybe('bias'),
        phi: u => {
          const feats = bases.map(name => {
            switch (name) {
              case 'bspline':
                return bsplineBasis(u, w('grid') as tf.Tensor2D, Number(cfg.splineOrder));
              case 'chebyshev':
                return chebyshevBasis(tf.tanh(u) as tf.Tensor2D, Number(cfg.degree));
              case 'rbf': {
                const {centers, width} = rbfGrid(a, b, Number(cfg.numCenters));
                return rbfBasis(u, centers, width);
              }
              default:
                return fourierBasis(u, Number(cfg.gridSize));
            }
          });
          const all = (feats.length === 1 ? feats[0] : tf.concat(feats, 2)) as tf.Tensor3D; // [P, I, Σn_c]
          const kernel = (layer as unknown as {effectiveKernel(): tf.Tensor3D}).effectiveKernel(); // [I, Σn_c, O]
          return edgeSum(all, kernel);
        },
        range: inDim => constRange(inDim, a, b),
      };
    }
    default:
      throw new ValueError(
        `${WHO}: layer must be a univariate KAN layer (${PLOTTABLE_KAN_CLASSES.join(', ')}), got '${layer.name}' of class ${layer.getClassName()}.`,
      );
  }
}

/** AFKAN's per-input value z `[N, I]` before σ(z)·W: bump features, reduction, LayerNorm (as AFKAN.call). */
function afEdgeInput(x: tf.Tensor2D, cfg: tf.serialization.ConfigDict, w: (name: string) => tf.Tensor): tf.Tensor2D {
  const act = String(cfg.activation) as AFKANActivation;
  const [N, I] = x.shape;
  const n = Number(cfg.gridSize) + Number(cfg.splineOrder);
  const xe = tf.expandDims(x, 2); // [N, I, 1]
  const phi = afCombine(
    afActivation(tf.sub(xe, w('phase_low')), act),
    afActivation(tf.sub(w('phase_high'), xe), act),
    String(cfg.func) as AFKANFunc,
  ); // [N, I, n]
  const temp = () => tf.maximum(w('temperature'), 1);
  let z: tf.Tensor;
  if (cfg.reduction === 'spatial-attn') {
    const padded = tf.pad(phi, [
      [0, 0],
      [1, 1],
      [0, 0],
    ]); // [N, I+2, n]
    const v = w('conv_kernel'); // [3, n]
    const scores = tf.add(
      tf.addN([
        tf.mul(tf.slice(padded, [0, 0, 0], [N, I, n]), tf.slice(v, [0, 0], [1, n])),
        tf.mul(phi, tf.slice(v, [1, 0], [1, n])),
        tf.mul(tf.slice(padded, [0, 2, 0], [N, I, n]), tf.slice(v, [2, 0], [1, n])),
      ]),
      w('conv_bias'),
    );
    z = tf.sum(tf.mul(tf.softmax(tf.div(scores, temp())), phi), 2);
  } else {
    const a = tf.add(tf.sum(tf.mul(phi, w('reduce_kernel')), 2), w('reduce_bias')); // [N, I]
    z = cfg.reduction === 'multistep' ? a : tf.mul(tf.softmax(tf.div(a, temp())), tf.sum(phi, 2));
  }
  return (cfg.useLayerNorm !== false ? layerNorm(z as tf.Tensor2D, w('ln_gamma'), w('ln_beta')) : z) as tf.Tensor2D;
}

function checkKanLayer(layer: tfl.layers.Layer): void {
  if (layer == null || typeof (layer as {getClassName?: unknown}).getClassName !== 'function') {
    throw new ValueError(
      `${WHO}: layer must be a univariate KAN layer (${PLOTTABLE_KAN_CLASSES.join(', ')}), got ${describe(layer)}.`,
    );
  }
  if (!(PLOTTABLE_KAN_CLASSES as readonly string[]).includes(layer.getClassName())) {
    throw new ValueError(
      `${WHO}: layer must be a univariate KAN layer (${PLOTTABLE_KAN_CLASSES.join(', ')}), got '${layer.name}' of class ${layer.getClassName()}.`,
    );
  }
  if (!layer.built)
    throw new ValueError(`${WHO}: layer '${layer.name}' is not built yet (call it or add it to a model first).`);
}

/**
 * The layer on inputs x `[N, I]` decomposed into its edge functions (see
 * {@link KanEdges}): `layer(x) = Σ_i φ_ij(u_i) + Σ_i base_ij(x_i) + bias`,
 * exactly the curves {@link kanFunctions} draws. Synchronous; the caller
 * disposes the returned tensors.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.layers.chebyshevKAN({units: 2, inputShape: [3], seed: 1});
 * const model = tf.sequential({layers: [layer]});
 * const x = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
 * const {phi} = tfa.plots.kanEdges(layer, x); // [3, 4, 2]: φ_ij(x_i)
 * tf.sum(phi, 0).print();                     // equals model.predict(x) (no bias, no base branch)
 * ```
 */
export function kanEdges(layer: tfl.layers.Layer, x: tf.Tensor2D): KanEdges {
  checkKanLayer(layer);
  const view = edgeView(layer);
  const hasBase = view.base != null;
  const parts = tf.tidy(() => {
    const u = view.edgeInput(x);
    const out: tf.Tensor[] = [u, view.phi(u)];
    if (view.base != null) out.push(view.base(x));
    const bias = view.bias();
    if (bias != null) out.push(tf.clone(bias)); // a copy: the caller disposes it, never the weight
    return out;
  });
  return {
    u: parts[0] as tf.Tensor2D,
    phi: parts[1] as tf.Tensor3D,
    base: hasBase ? (parts[2] as tf.Tensor3D) : null,
    bias: (parts[hasBase ? 3 : 2] as tf.Tensor1D | undefined) ?? null,
  };
}

/**
 * Renders a KAN layer's learned univariate functions as an SVG grid: row i,
 * column j shows φ_ij on a linspace over the values u_i the edge sees. The
 * layer output is `Σ_i φ_ij(u_i)` (+ a base branch + bias, see {@link kanEdges}).
 * Per variant:
 * - BSplineKAN: u = x; `φ_ij = base_kernel[i,j]·b(x) + spline_scaler[i,j]·Σ_c
 *   spline_kernel[i,c,j]·B_c(x)` over the grid interior (after grid updates, the data's range).
 * - RBFKAN: u = z = LayerNorm(x) (the RBFs see the normalised input);
 *   `φ_ij(z) = Σ_c spline_kernel[i,c,j]·exp(−((z − c)/h)²)` over the centres ± h;
 *   the base branch `b(x_i)·base_kernel[i,j]` sees the raw x and is drawn dashed on the same numbers.
 * - ChebyshevKAN: u = x (the edge applies tanh itself): `φ_ij = Σ_d T_d(tanh x)·K[i,d,j]` over [−3, 3].
 * - FourierKAN: `Σ_k cos(kx)·C + sin(kx)·S` over [−π, π] (one period).
 * - ReLUKAN: the bump sum over its knots' support.
 * - AFKAN: the layer's univariate edges are its last step, `φ_ij(z) = σ(z)·kernel[i,j]`
 *   with z the reduced, LayerNorm-ed features (the bump features and attention
 *   mix inputs, so they are not per-edge functions of x_i); over [−3, 3].
 * - SelectableKAN: the mixture `Σ_c α_ijc·Σ_n K^c F^c(x)` over `gridRange`.
 * Each curve is a `<path class="phi" data-i data-j>`; its opacity is its
 * range relative to the largest range, or `tanh(3·score)` with `scores`
 * (edge importance, as pykan fades unimportant edges). The x-axis label
 * (`<text class="x-label">`) names u.
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
  checkKanLayer(layer);
  const points = integer(options.points ?? 101, 'points', WHO, 2);
  const range = options.range == null ? undefined : increasingPair(options.range, 'range', WHO);
  const maxIn = positiveInt(options.maxInputs ?? 8, 'maxInputs', WHO);
  const maxOut = positiveInt(options.maxOutputs ?? 8, 'maxOutputs', WHO);
  const cw = positiveInt(options.cellWidth ?? 90, 'cellWidth', WHO);
  const ch = positiveInt(options.cellHeight ?? 70, 'cellHeight', WHO);
  const scores = options.scores;

  const view = edgeView(layer);
  const curves = tf.tidy(() => {
    const inDim = weightShapeIn(layer);
    const t = tf.reshape(tf.linspace(0, 1, points), [points, 1]); // [P, 1]
    const {lo, hi} = range != null ? constRange(inDim, range[0], range[1]) : view.range(inDim);
    const u = tf.add(lo, tf.mul(t, tf.sub(hi, lo))) as tf.Tensor2D; // [P, I]
    return view.base == null ? [u, view.phi(u)] : [u, view.phi(u), view.base(u)];
  });
  const x = curves[0] as tf.Tensor2D;
  const phi = curves[1] as tf.Tensor3D;
  const base = (curves[2] as tf.Tensor3D | undefined) ?? null;
  const [inDim, , outDim] = phi.shape;
  if (
    scores != null &&
    (!Array.isArray(scores) ||
      scores.length !== inDim ||
      scores.some(r => !Array.isArray(r) || r.length !== outDim || r.some(v => !Number.isFinite(v) || v < 0)))
  ) {
    x.dispose();
    phi.dispose();
    throw new ValueError(
      `${WHO}: scores must be a [${inDim}][${outDim}] array of finite values >= 0, got ${describe(scores)}.`,
    );
  }
  const xs = (await x.data()) as Float32Array; // [P, I]
  const ys = (await phi.data()) as Float32Array; // [I, P, O]
  const bs = base == null ? null : ((await base.data()) as Float32Array); // [I, P, O]
  tf.dispose(curves);
  const rows = Math.min(inDim, maxIn);
  const cols = Math.min(outDim, maxOut);
  const curve = (data: Float32Array, i: number, j: number) => ({
    x: Array.from({length: points}, (_, p) => xs[p * inDim + i]),
    y: Array.from({length: points}, (_, p) => data[(i * points + p) * outDim + j]),
  });
  let maxSpan = 0;
  const spans: number[][] = [];
  for (let i = 0; i < rows; i++) {
    spans.push([]);
    for (let j = 0; j < cols; j++) {
      const [lo, hi] = extent(curve(ys, i, j).y, false);
      spans[i].push(hi - lo);
      maxSpan = Math.max(maxSpan, hi - lo);
    }
  }
  const left = 40;
  const top = 34;
  const title = options.title ?? `φ_ij of ${layer.name} (${layer.getClassName()})`;
  const width = Math.max(left + cols * cw + 8, 7 * title.length + 16, 6 * ((view.note?.length ?? 0) + 4) + left); // ~6-7 px per character
  const body: string[] = [];
  body.push(
    `<text class="title" x="${fmt(width / 2)}" y="14" text-anchor="middle" font-size="12" font-weight="bold">${escapeXml(title)}</text>`,
  );
  for (let j = 0; j < cols; j++) {
    body.push(`<text class="col-label" x="${fmt(left + j * cw + cw / 2)}" y="28" text-anchor="middle">out ${j}</text>`);
  }
  for (let i = 0; i < rows; i++) {
    body.push(`<text class="row-label" x="4" y="${fmt(top + i * ch + ch / 2)}">in ${i}</text>`);
    for (let j = 0; j < cols; j++) {
      const c = curve(ys, i, j);
      const cb = bs == null ? null : curve(bs, i, j);
      const px = left + j * cw + 4;
      const py = top + i * ch + 4;
      const pw = cw - 8;
      const ph = ch - 16;
      const yDomain = extent(cb == null ? c.y : c.y.concat(cb.y), false);
      const sx = new Scale(extent(c.x, false), [px, px + pw]);
      const sy = new Scale(yDomain, [py + ph, py]);
      const opacity =
        scores != null ? Math.tanh(3 * scores[i][j]) : maxSpan > 0 ? Math.max(0.15, spans[i][j] / maxSpan) : 1;
      body.push(
        `<rect class="cell" x="${fmt(px)}" y="${fmt(py)}" width="${fmt(pw)}" height="${fmt(ph)}" fill="none" stroke="#ddd"/>`,
      );
      body.push(
        `<path class="phi" data-i="${i}" data-j="${j}" d="${linePath(c.x, c.y, sx, sy)}" fill="none" stroke="${PALETTE[0]}" stroke-opacity="${fmt(opacity)}" stroke-width="1.5"/>`,
      );
      if (cb != null) {
        body.push(
          `<path class="base" data-i="${i}" data-j="${j}" d="${linePath(cb.x, cb.y, sx, sy)}" fill="none" stroke="${PALETTE[1]}" stroke-dasharray="3 2" stroke-width="1"/>`,
        );
      }
      const xr = `${tickLabel(sx.domain[0])}..${tickLabel(sx.domain[1])}`;
      body.push(
        `<text class="range" x="${fmt(px + pw / 2)}" y="${fmt(py + ph + 10)}" text-anchor="middle" font-size="7" fill="#666">${escapeXml(`x ${xr}, y [${tickLabel(sy.domain[0])}, ${tickLabel(sy.domain[1])}]`)}</text>`,
      );
    }
  }
  let y = top + rows * ch + 12;
  body.push(`<text class="x-label" x="${left}" y="${fmt(y)}">${escapeXml(`horizontal axis: ${view.label}`)}</text>`);
  if (view.note != null) {
    y += 12;
    body.push(`<text class="legend" x="${left}" y="${fmt(y)}">${escapeXml(view.note)}</text>`);
  }
  if (rows < inDim || cols < outDim) {
    y += 12;
    body.push(
      `<text class="note" x="${left}" y="${fmt(y)}">${escapeXml(`showing ${rows} of ${inDim} inputs, ${cols} of ${outDim} outputs`)}</text>`,
    );
  }
  return document(width, y + 8, body);
}

/** Input width I of a built KAN layer (from its first input shape). */
function weightShapeIn(layer: tfl.layers.Layer): number {
  const shape = layer.inputSpec?.[0]?.axes?.[-1];
  if (typeof shape === 'number') return shape;
  throw new ValueError(`${WHO}: cannot read the input width of layer '${layer.name}'.`);
}

/** Column `j` of the grid `[I, M]` as a row `[1, I]`. */
function knotRow(grid: tf.Tensor2D, j: number): tf.Tensor2D {
  const inDim = grid.shape[0];
  return tf.reshape(tf.slice(grid, [0, j], [inDim, 1]), [1, inDim]);
}
