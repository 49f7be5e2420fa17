/**
 * The analysable weight matrices of a tfjs model, and the matrix view
 * WeightWatcher-style spectral analysis takes of each layer kind.
 */
import * as tfl from '@tensorflow/tfjs-layers';

import {ValueError} from '../validate';

/** How a weight tensor is turned into matrices. */
export type MatrixKind = 'dense' | 'conv' | 'embedding' | 'rnn-kernel' | 'rnn-recurrent' | 'kan-base' | 'kan-basis';

/** Options of {@link modelMatrices}. */
export interface ModelMatricesOptions {
  /** Conv kernels: `'slices'` (WeightWatcher: one `[in, out]` matrix per kernel position, pooled) or `'flatten'` (one `[k·in, out]` matrix). Default `'slices'`. */
  convView?: 'slices' | 'flatten';
  /** KAN basis kernels `[I, B, O]`: `'flatten'` (one `[I·B, O]` matrix) or `'per-basis'` (B matrices `[I, O]`, pooled like conv slices). Default `'flatten'`. */
  kanView?: 'flatten' | 'per-basis';
}

/** One analysable matrix (a WeightWatcher row): a weight, or one gate of an RNN weight. */
export interface LayerMatrix {
  /** Row name: the layer path (`encoder/dense_1`, `bidi/forward_lstm`), plus `/<weight>` when the layer has several matrices and `[i]` for an RNN gate. */
  name: string;
  /** Name of the entry of `model.layers` that holds it. */
  layer: string;
  /** Every layer name on the way from `model.layers` to the owner (wrappers, nested models, the owner). */
  path: string[];
  /** Class of the owning layer (`Dense`, `LSTM`, `BSplineKAN`, ...). */
  className: string;
  /** The weight's own name (`kernel`, `recurrent_kernel`, `spline_kernel`, ...). */
  weight: string;
  kind: MatrixKind;
  /** Gate index for RNN weights (−1 otherwise). */
  gate: number;
  /** Human-readable view, e.g. `'9 slices [64, 32] of kernel [3,3,64,32]'`. */
  view: string;
  /** Larger and smaller side of each matrix (WeightWatcher N ≥ M), and the number of matrices pooled (rf). */
  N: number;
  M: number;
  rf: number;
  /** Multiplier applied to the eigenvalues (0.5 for 2-D conv slices: WeightWatcher's `conv2d_norm`). */
  evalScale: number;
  /** The variables read (one, or two for a scaled B-spline kernel). */
  variables: tfl.LayerVariable[];
  /** Builds the matrices (row-major `[rows, cols]`, float64) from the variables' values in `variables` order. */
  slices(values: Float32Array[]): Matrix[];
}

/** A dense row-major matrix. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

const CONV_CLASSES = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'DepthwiseConv2D', 'SeparableConv2D']);
const CONV2D_FAMILY = new Set(['Conv2D', 'Conv2DTranspose', 'DepthwiseConv2D', 'SeparableConv2D']);
const RNN_CLASSES = new Set(['SimpleRNN', 'LSTM', 'GRU']);
/** KAN layers: the weights mapping inputs to outputs (others, e.g. grids, phases, logits, are not). */
const KAN_WEIGHTS: Record<string, string[]> = {
  BSplineKAN: ['base_kernel', 'spline_kernel'],
  RBFKAN: ['base_kernel', 'spline_kernel'],
  ChebyshevKAN: ['cheby_kernel'],
  FourierKAN: ['cos_kernel', 'sin_kernel'],
  ReLUKAN: ['kernel'],
  AFKAN: ['kernel'],
  SelectableKAN: ['bspline_kernel', 'chebyshev_kernel', 'rbf_kernel', 'fourier_kernel'],
};

function weightByName(layer: tfl.layers.Layer, name: string): tfl.LayerVariable | undefined {
  const re = new RegExp(`(^|/)${name}(_\\d+)?$`);
  return layer.weights.find(w => re.test(w.originalName));
}

/** Sub-matrix of a row-major `[rows, cols]` array: columns [c0, c0 + width). */
function columns(src: Float32Array, offset: number, rows: number, cols: number, c0: number, width: number): Matrix {
  const data = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * cols + c0;
    for (let c = 0; c < width; c++) data[r * width + c] = src[base + c];
  }
  return {data, rows, cols: width};
}

function shapeStr(s: number[]): string {
  return `[${s.join(',')}]`;
}

interface Found {
  layer: tfl.layers.Layer;
  path: string[];
}

/** Leaf layers of the model with their path; wrappers and nested models are opened. */
function leaves(layers: tfl.layers.Layer[], path: string[], out: Found[]): void {
  for (const l of layers) {
    const cls = l.getClassName();
    const here = [...path, l.name];
    if (l instanceof tfl.LayersModel) {
      leaves(l.layers, here, out);
    } else if (cls === 'TimeDistributed') {
      // The wrapped layer is unique: the wrapper's name identifies it.
      const inner = (l as unknown as {layer: tfl.layers.Layer}).layer;
      if (inner instanceof tfl.LayersModel) leaves(inner.layers, here, out);
      else out.push({layer: inner, path: here});
    } else if (cls === 'Bidirectional') {
      const b = l as unknown as {forwardLayer: tfl.layers.Layer; backwardLayer: tfl.layers.Layer};
      for (const inner of [b.forwardLayer, b.backwardLayer]) out.push({layer: inner, path: [...here, inner.name]});
    } else {
      out.push({layer: l, path: here});
    }
  }
}

function convMatrices(
  layer: tfl.layers.Layer,
  path: string[],
  v: tfl.LayerVariable,
  weight: string,
  view: 'slices' | 'flatten',
  multi: boolean,
): LayerMatrix {
  const cls = layer.getClassName();
  const shape = v.shape as number[];
  const [a, b] = shape.slice(-2); // [..., in, out] (Conv2DTranspose: [..., out, in]; same spectrum)
  const k = shape.slice(0, -2).reduce((p, q) => p * q, 1);
  const base = {
    name: multi ? `${path.join('/')}/${weight}` : path.join('/'),
    layer: path[0],
    path,
    className: cls,
    weight,
    kind: 'conv' as const,
    gate: -1,
    variables: [v],
  };
  if (view === 'flatten') {
    return {
      ...base,
      view: `${weight} ${shapeStr(shape)} flattened to [${k * a}, ${b}]`,
      N: Math.max(k * a, b),
      M: Math.min(k * a, b),
      rf: 1,
      evalScale: 1,
      slices: ([x]) => [{data: Float64Array.from(x), rows: k * a, cols: b}],
    };
  }
  return {
    ...base,
    view: `${k} slices [${a}, ${b}] of ${weight} ${shapeStr(shape)}`,
    N: Math.max(a, b),
    M: Math.min(a, b),
    rf: k,
    evalScale: CONV2D_FAMILY.has(cls) ? 0.5 : 1, // (√½)²: WeightWatcher conv2d_norm (Conv2D only)
    slices: ([x]) => Array.from({length: k}, (_, s) => columns(x, s * a * b, a, b, 0, b)),
  };
}

function plain(
  layer: tfl.layers.Layer,
  path: string[],
  v: tfl.LayerVariable,
  weight: string,
  kind: MatrixKind,
  multi: boolean,
): LayerMatrix {
  const [r, c] = v.shape as number[];
  return {
    name: multi ? `${path.join('/')}/${weight}` : path.join('/'),
    layer: path[0],
    path,
    className: layer.getClassName(),
    weight,
    kind,
    gate: -1,
    view: `${weight} [${r}, ${c}]`,
    N: Math.max(r, c),
    M: Math.min(r, c),
    rf: 1,
    evalScale: 1,
    variables: [v],
    slices: ([x]) => [{data: Float64Array.from(x), rows: r, cols: c}],
  };
}

function rnnMatrices(layer: tfl.layers.Layer, path: string[]): LayerMatrix[] {
  const out: LayerMatrix[] = [];
  const rec = weightByName(layer, 'recurrent_kernel');
  const units = rec != null ? (rec.shape[0] as number) : 0;
  for (const [weight, kind] of [
    ['kernel', 'rnn-kernel'],
    ['recurrent_kernel', 'rnn-recurrent'],
  ] as const) {
    const v = weightByName(layer, weight);
    if (v == null || units === 0) continue;
    const [rows, cols] = v.shape as number[];
    const gates = cols / units; // LSTM 4 (i, f, c, o), GRU 3 (z, r, h), SimpleRNN 1
    for (let g = 0; g < gates; g++) {
      out.push({
        name: `${path.join('/')}/${weight}${gates > 1 ? `[${g}]` : ''}`,
        layer: path[0],
        path,
        className: layer.getClassName(),
        weight,
        kind,
        gate: gates > 1 ? g : -1,
        view: `gate ${g} columns [${g * units}, ${(g + 1) * units}) of ${weight} [${rows}, ${cols}]`,
        N: Math.max(rows, units),
        M: Math.min(rows, units),
        rf: 1,
        evalScale: 1,
        variables: [v],
        slices: ([x]) => [columns(x, 0, rows, cols, g * units, units)],
      });
    }
  }
  return out;
}

function kanMatrices(layer: tfl.layers.Layer, path: string[], view: 'flatten' | 'per-basis'): LayerMatrix[] {
  const cls = layer.getClassName();
  const out: LayerMatrix[] = [];
  const names = KAN_WEIGHTS[cls].filter(n => weightByName(layer, n) != null);
  for (const weight of names) {
    const v = weightByName(layer, weight) as tfl.LayerVariable;
    const shape = v.shape as number[];
    const multi = names.length > 1;
    if (shape.length === 2) {
      out.push(plain(layer, path, v, weight, 'kan-base', multi));
      continue;
    }
    const [nI, nB, nO] = shape;
    // B-spline KAN computes with spline_kernel · spline_scaler (efficient-kan's scaled_spline_weight).
    const scaler =
      cls === 'BSplineKAN' && weight === 'spline_kernel' ? weightByName(layer, 'spline_scaler') : undefined;
    const variables = scaler != null ? [v, scaler] : [v];
    const effective = (vals: Float32Array[]): Float64Array => {
      const x = Float64Array.from(vals[0]);
      if (vals.length > 1) {
        const s = vals[1]; // [I, O]
        for (let i = 0; i < nI; i++)
          for (let b = 0; b < nB; b++) for (let o = 0; o < nO; o++) x[(i * nB + b) * nO + o] *= s[i * nO + o];
      }
      return x;
    };
    const what = `${weight} ${shapeStr(shape)}${scaler != null ? ' · spline_scaler' : ''}`;
    const base = {
      name: multi ? `${path.join('/')}/${weight}` : path.join('/'),
      layer: path[0],
      path,
      className: cls,
      weight,
      kind: 'kan-basis' as const,
      gate: -1,
      evalScale: 1,
      variables,
    };
    if (view === 'flatten') {
      out.push({
        ...base,
        view: `${what} reshaped to [${nI * nB}, ${nO}]`,
        N: Math.max(nI * nB, nO),
        M: Math.min(nI * nB, nO),
        rf: 1,
        slices: vals => [{data: effective(vals), rows: nI * nB, cols: nO}],
      });
    } else {
      out.push({
        ...base,
        view: `${nB} per-basis slices [${nI}, ${nO}] of ${what}`,
        N: Math.max(nI, nO),
        M: Math.min(nI, nO),
        rf: nB,
        slices: vals => {
          const x = effective(vals);
          return Array.from({length: nB}, (_, b) => {
            const data = new Float64Array(nI * nO);
            for (let i = 0; i < nI; i++) for (let o = 0; o < nO; o++) data[i * nO + o] = x[(i * nB + b) * nO + o];
            return {data, rows: nI, cols: nO};
          });
        },
      });
    }
  }
  return out;
}

/** The matrices of one leaf layer (none for layers without an analysable weight). */
function layerMatrices(layer: tfl.layers.Layer, path: string[], opts: Required<ModelMatricesOptions>): LayerMatrix[] {
  const cls = layer.getClassName();
  if (layer.weights.length === 0) return [];
  if (cls === 'Dense') {
    const k = weightByName(layer, 'kernel');
    return k != null && k.shape.length === 2 ? [plain(layer, path, k, 'kernel', 'dense', false)] : [];
  }
  if (cls === 'Embedding') {
    const e = weightByName(layer, 'embeddings');
    return e != null ? [plain(layer, path, e, 'embeddings', 'embedding', false)] : [];
  }
  if (CONV_CLASSES.has(cls)) {
    const names =
      cls === 'DepthwiseConv2D'
        ? ['depthwise_kernel']
        : cls === 'SeparableConv2D'
          ? ['depthwise_kernel', 'pointwise_kernel']
          : ['kernel'];
    const vs = names.map(n => [n, weightByName(layer, n)] as const).filter(([, v]) => v != null);
    return vs.map(([n, v]) => convMatrices(layer, path, v as tfl.LayerVariable, n, opts.convView, vs.length > 1));
  }
  if (RNN_CLASSES.has(cls)) return rnnMatrices(layer, path);
  if (KAN_WEIGHTS[cls] != null) return kanMatrices(layer, path, opts.kanView);
  return [];
}

/**
 * Every analysable weight matrix of `model`, in layer order, with the view
 * taken of it. Layers inside `timeDistributed` / `bidirectional` wrappers and
 * nested models are included (named by their path).
 *
 * | layer | matrices (N ≥ M per matrix, rf pooled) |
 * |---|---|
 * | Dense | `kernel [in, out]` |
 * | Embedding | `embeddings [vocab, dim]` |
 * | Conv1D/2D/3D, Conv2DTranspose | `'slices'`: the k = ∏ kernel sizes matrices `[in, out]`, pooled (WeightWatcher); 2-D convs' eigenvalues ×½ (`conv2d_norm`). `'flatten'`: `[k·in, out]` |
 * | DepthwiseConv2D | `depthwise_kernel [kh, kw, in, mult]` as conv slices `[in, mult]` |
 * | SeparableConv2D | depthwise as above, and `pointwise_kernel [1, 1, in·mult, out]` (one slice) |
 * | SimpleRNN / LSTM / GRU | per gate: `kernel[:, g·u:(g+1)·u]` `[in, u]` and `recurrent_kernel[...]` `[u, u]`, rows `<layer>/kernel[g]` (gates LSTM i,f,c,o; GRU z,r,h; SimpleRNN one, no index) |
 * | B-spline / RBF KAN | `base_kernel [I, O]` as Dense; `spline_kernel [I, G+k, O]` (B-spline: times `spline_scaler`, the weight the layer computes with) reshaped `[I·(G+k), O]`, or per basis |
 * | Chebyshev / Fourier / ReLU / Selectable KAN | each basis kernel `[I, B, O]` as the spline kernel |
 * | AF-KAN | `kernel [I, O]` |
 *
 * Sync; reads only shapes (values are read by the caller through `slices`).
 *
 * Follows: CalculatedContent/WeightWatcher 0.7.5.5 `weightwatcher.py`
 * `WWLayer.set_weight_matrices` / `conv2D_Wmats` (Dense, Embedding, Conv2D slices).
 * Deviations (extensions): WeightWatcher skips RNN, Conv1D (3-D kernel),
 * Conv3D, wrapped layers and KAN layers; the views above for them are ours.
 * Conv N/M are max/min of the slice (WeightWatcher swaps them per slice and can
 * report Q < 1 for even kernel sizes).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tf.layers.lstm({units: 12, inputShape: [5, 16], name: 'lstm'})]});
 * for (const m of tfa.spectral.modelMatrices(model)) console.log(m.name, m.view, m.N, m.M, m.rf);
 * ```
 */
export function modelMatrices(model: tfl.LayersModel, options: ModelMatricesOptions = {}): LayerMatrix[] {
  const opts: Required<ModelMatricesOptions> = {
    convView: options.convView ?? 'slices',
    kanView: options.kanView ?? 'flatten',
  };
  const found: Found[] = [];
  leaves(model.layers, [], found);
  return found.flatMap(f => layerMatrices(f.layer, f.path, opts));
}

/** Whether row `m` is selected by the user's name `n` (a top-level layer, any layer on its path, or the row name). */
export function matchesName(m: LayerMatrix, n: string): boolean {
  return m.name === n || m.path.includes(n) || m.name.startsWith(`${n}/`);
}

/** All layer names of a model, nested ones included (for error messages). */
export function allLayerNames(model: tfl.LayersModel): string[] {
  const found: Found[] = [];
  leaves(model.layers, [], found);
  const names = new Set<string>(model.layers.map(l => l.name));
  for (const f of found) for (const p of f.path) names.add(p);
  return [...names];
}

/** Throws unless `name` names some layer of the model. */
export function checkLayerName(model: tfl.LayersModel, name: string, who: string): void {
  const names = allLayerNames(model);
  if (!names.includes(name)) {
    throw new ValueError(
      `${who}: layer '${name}' is not in the model; available layers: ${names.map(n => `'${n}'`).join(', ')}.`,
    );
  }
}
