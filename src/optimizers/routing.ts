/**
 * Which variables Muon orthogonalises and which go to its AdamW side.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

import {describe, ValueError} from '../validate';
import {matchRank} from './base';

/** An `exclude` entry: a string (substring of the variable name) or a RegExp (tested on the name). */
export type ExcludePattern = string | RegExp;

/** Checks an `exclude` argument. */
export function checkExclude(value: unknown, who: string): ExcludePattern[] {
  if (value == null) return [];
  if (!Array.isArray(value) || value.some(p => typeof p !== 'string' && !(p instanceof RegExp))) {
    throw new ValueError(`${who}: exclude must be an array of strings and RegExps, got ${describe(value)}.`);
  }
  return [...value] as ExcludePattern[];
}

/** Whether `name` matches any pattern (string: substring, as Keras' `exclude_layers`; RegExp: `test`). */
export function isExcluded(name: string, patterns: readonly ExcludePattern[]): boolean {
  return patterns.some(p => {
    if (typeof p === 'string') return name.includes(p);
    p.lastIndex = 0; // a /g or /y RegExp is stateful
    return p.test(name);
  });
}

/**
 * Whether a variable is an embedding matrix, as Keras 3's Muon decides it for
 * `exclude_embeddings=True`: `"embedding" in variable.path.lower()`. A tfjs
 * Embedding's variable is `<layer>/embeddings`, so every Embedding matches
 * whatever the layer is called (and so does any layer whose name contains
 * "embedding", as in Keras).
 */
export function isEmbeddingName(name: string): boolean {
  return name.toLowerCase().includes('embedding');
}

/**
 * The route of a variable: 'muon' for rank ≥ 2 unless excluded (by a pattern,
 * or as an embedding when `excludeEmbeddings`), else 'adamw' (biases, gains,
 * scalars, embeddings and excluded names).
 */
export function muonRoute(
  name: string,
  shape: readonly number[],
  exclude: readonly ExcludePattern[],
  excludeEmbeddings = false,
): 'muon' | 'adamw' {
  if (shape.length < 2 || isExcluded(name, exclude)) return 'adamw';
  return excludeEmbeddings && isEmbeddingName(name) ? 'adamw' : 'muon';
}

/** A fused-gate matrix: variable `name` holds `gates` blocks side by side along its last axis. */
export interface FusedGate {
  name: string;
  gates: number;
}

/** Checks a `fusedGates` argument (also accepts what getConfig wrote). */
export function checkFusedGates(value: unknown, who: string): FusedGate[] {
  if (value == null) return [];
  const ok =
    Array.isArray(value) &&
    value.every(
      e =>
        e != null &&
        typeof (e as FusedGate).name === 'string' &&
        Number.isInteger((e as FusedGate).gates) &&
        (e as FusedGate).gates >= 1,
    );
  if (!ok)
    throw new ValueError(
      `${who}: fusedGates must be an array of {name: string, gates: integer >= 1}, got ${describe(value)}.`,
    );
  return (value as FusedGate[]).map(e => ({name: e.name, gates: e.gates}));
}

/**
 * The number of gate blocks listed for `name` in `fused`: the exact name, or
 * the same name up to tfjs' `_<n>` reload suffix (see `matchRank`); null if
 * not listed.
 */
export function listedGates(name: string, fused: readonly FusedGate[]): number | null {
  let best: {rank: number; gates: number} | null = null;
  for (const e of fused) {
    const rank = matchRank(name, e.name);
    if (rank >= 0 && (best == null || rank < best.rank)) best = {rank, gates: e.gates};
  }
  return best == null ? null : best.gates;
}

/**
 * Gate counts read from tfjs' recurrent weight names and shapes: a variable
 * `<scope>/recurrent_kernel` of shape `[…, u, g·u]` with an integer g ≥ 2
 * (LSTM and ConvLSTM2D: 4 gates i, f, c, o; GRU: 3 gates z, r, h) marks itself
 * and its sibling `<scope>/kernel` as g-gate fused. SimpleRNN (`[u, u]`) has
 * g = 1. Layer names chosen by the user do not matter: tfjs always names these
 * weights `kernel` and `recurrent_kernel` inside the layer's scope.
 */
export function inferFusedGates(vars: ReadonlyArray<{name: string; shape: readonly number[]}>): Map<string, number> {
  const out = new Map<string, number>();
  const byName = new Map(vars.map(v => [v.name, v.shape]));
  for (const {name, shape} of vars) {
    const m = /^(.*\/)recurrent_kernel(_\d+)?$/.exec(name);
    if (m == null || shape.length < 2) continue;
    const units = shape[shape.length - 2];
    const g = shape[shape.length - 1] / units;
    if (!Number.isInteger(g) || g < 2) continue;
    out.set(name, g);
    const kernel = [`${m[1]}kernel${m[2] ?? ''}`, `${m[1]}kernel`].find(k => byName.has(k)) ?? '';
    const ks = byName.get(kernel);
    if (ks != null && ks.length >= 2 && ks[ks.length - 1] === g * units) out.set(kernel, g);
  }
  return out;
}

/**
 * `exclude` patterns for getConfig. tfjs camel-cases every string of a loaded
 * optimizer config except values under the key `name`, so each pattern is
 * stored as `{name: source, flags}` (flags null for a plain string).
 */
export function serializeExclude(patterns: readonly ExcludePattern[]): Array<{name: string; flags: string | null}> {
  return patterns.map(p => (typeof p === 'string' ? {name: p, flags: null} : {name: p.source, flags: p.flags}));
}

/** Inverse of {@link serializeExclude} (also accepts plain strings and RegExps). */
export function deserializeExclude(value: unknown, who: string): ExcludePattern[] {
  if (value == null) return [];
  if (!Array.isArray(value)) return checkExclude(value, who);
  return value.map(e => {
    if (typeof e === 'string' || e instanceof RegExp) return e;
    const entry = e as {name?: unknown; flags?: unknown};
    if (entry == null || typeof entry.name !== 'string') {
      throw new ValueError(`${who}: exclude entries must be {name, flags}, got ${describe(e)}.`);
    }
    return entry.flags == null ? entry.name : new RegExp(entry.name, String(entry.flags));
  });
}

/** `fusedGates` for getConfig: `{name, gates}` entries (tfjs keeps values under `name` as they are). */
export function serializeFusedGates(fused: readonly FusedGate[]): Array<{name: string; gates: number}> {
  return fused.map(e => ({name: e.name, gates: e.gates}));
}

interface WeightLike {
  name: string;
  originalName?: string;
  shape: number[];
}

interface SymbolicLike {
  sourceLayer: tfl.layers.Layer;
  nodeIndex: number;
  tensorIndex: number;
}

interface NodeLike {
  inputTensors: SymbolicLike[];
}

/** The last segment of a weight's name without tfjs' `_<n>` suffix: 'kernel', 'recurrent_kernel', 'embeddings', … */
function role(w: WeightLike): string {
  const n = w.originalName ?? w.name;
  return n.slice(n.lastIndexOf('/') + 1).replace(/_\d+$/, '');
}

/** Kernel-like weights: rank ≥ 2 and a role ending in 'kernel' (Dense/Conv/RNN kernels, recurrent kernels, KAN `*_kernel`s). */
function kernelWeights(layer: tfl.layers.Layer): WeightLike[] {
  return (layer.trainableWeights as unknown as WeightLike[]).filter(
    w => w.shape.length >= 2 && role(w).endsWith('kernel'),
  );
}

function isContainer(layer: tfl.layers.Layer): layer is tfl.LayersModel {
  return Array.isArray((layer as unknown as {layers?: unknown}).layers);
}

/** The layers a wrapper holds: TimeDistributed's `layer`, Bidirectional's forward and backward layers. */
function wrapped(layer: tfl.layers.Layer): tfl.layers.Layer[] {
  const w = layer as unknown as {
    layer?: tfl.layers.Layer;
    forwardLayer?: tfl.layers.Layer;
    backwardLayer?: tfl.layers.Layer;
  };
  return [w.forwardLayer, w.backwardLayer, w.layer].filter(
    (l): l is tfl.layers.Layer => l != null && typeof l.getClassName === 'function',
  );
}

/** Every leaf layer, depth first in model order, descending into nested models and wrappers. */
function leafLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const out: tfl.layers.Layer[] = [];
  const visit = (layer: tfl.layers.Layer) => {
    if (isContainer(layer)) for (const l of layer.layers) visit(l);
    else {
      const inner = wrapped(layer);
      if (inner.length > 0) inner.forEach(visit);
      else out.push(layer);
    }
  };
  for (const l of model.layers) visit(l);
  return out;
}

/**
 * The layers whose kernels produce the model's outputs: from each output,
 * walk the graph back (through the node that made that tensor) across layers
 * without kernel-like weights (activation, softmax, reshape, dropout, custom
 * sampling layers, add/concatenate: every input is followed) until a layer
 * with a kernel-like weight is reached. A nested model is entered at the
 * output that was used and walked the same way; a wrapper (timeDistributed,
 * bidirectional) counts as the layer it wraps.
 */
function outputKernelLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const found: tfl.layers.Layer[] = [];
  const seen = new Set<string>();
  const walk = (t: SymbolicLike, depth: number): void => {
    const layer = t?.sourceLayer;
    if (layer == null || depth > 200) return;
    const key = `${layer.name}:${t.nodeIndex}:${t.tensorIndex}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (isContainer(layer)) {
      const inner = (layer.outputs as unknown as SymbolicLike[])[t.tensorIndex];
      if (inner != null) walk(inner, depth + 1);
      return;
    }
    if (kernelWeights(layer).length > 0) {
      if (!found.includes(layer)) found.push(layer);
      return;
    }
    const node = (layer as unknown as {inboundNodes: NodeLike[]}).inboundNodes?.[t.nodeIndex];
    for (const input of node?.inputTensors ?? []) walk(input, depth + 1);
  };
  for (const o of model.outputs as unknown as SymbolicLike[]) walk(o, 0);
  return found;
}

function checkModels(model: unknown, who: string): tfl.LayersModel[] {
  const models = Array.isArray(model) ? model : [model];
  for (const m of models) {
    if (m == null || !Array.isArray((m as {layers?: unknown}).layers)) {
      throw new ValueError(`${who}: model must be a tf.LayersModel or an array of them, got ${describe(model)}.`);
    }
  }
  return models as tfl.LayersModel[];
}

/**
 * The variable names Muon's authors send to AdamW: the output head's
 * kernel-like weights, every embedding matrix, and the first convolution's
 * kernel (KellerJordan/Muon README: "Muon should only be used for hidden
 * weight layers … for a ConvNet … all the convolutional filters except the
 * first one"). Use as `muon({exclude: muonExcludeDefaults(model)})`.
 *
 * - Head: walking back from each output of the outermost model through
 *   weightless layers, the first layer with a kernel-like weight (a role
 *   ending in `kernel`: Dense, Conv, RNN, KAN kernels). Nested models are
 *   entered at the output used (the final Dense of a VAE's decoder
 *   sub-model), and `timeDistributed`/`bidirectional` wrappers count as the
 *   layer they wrap.
 * - Embeddings: every `…/embeddings` weight, in nested models and wrappers too
 *   (Muon's `excludeEmbeddings`, on by default, also catches them by name).
 * - First convolution: the first layer (model order, nested models and
 *   wrappers included) whose class name contains "Conv" and that has a
 *   kernel; ConvLSTM2D counts.
 * Several models (an encoder and a decoder trained by `optimizer.minimize`)
 * can be passed as an array; their lists are concatenated.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 32, activation: 'relu', inputShape: [8]}),
 *   tf.layers.dense({units: 3, name: 'head'})]});
 * console.log(tfa.optimizers.muonExcludeDefaults(model)); // [ 'head/kernel' ]
 * ```
 */
export function muonExcludeDefaults(model: tfl.LayersModel | tfl.LayersModel[]): string[] {
  const models = checkModels(model, 'muonExcludeDefaults');
  const names: string[] = [];
  const add = (w: WeightLike) => {
    if (!names.includes(w.name)) names.push(w.name);
  };
  for (const m of models) {
    for (const layer of outputKernelLayers(m)) kernelWeights(layer).forEach(add);
    const layers = leafLayers(m);
    for (const layer of layers) {
      for (const w of layer.trainableWeights as unknown as WeightLike[]) if (role(w) === 'embeddings') add(w);
    }
    const firstConv = layers.find(l => /conv/i.test(l.getClassName()) && kernelWeights(l).length > 0);
    if (firstConv != null) kernelWeights(firstConv).forEach(add);
  }
  return names;
}

const GATES_BY_CELL: Record<string, number> = {LSTMCell: 4, GRUCell: 3, ConvLSTM2DCell: 4};

/**
 * The fused-gate matrices of a model, read from the layer classes: the
 * `kernel` and `recurrent_kernel` of every LSTM and ConvLSTM2D (4 gates
 * i, f, c, o side by side on the last axis) and GRU (3 gates z, r, h) cell,
 * including `tf.layers.rnn` with such cells or stacked cells, layers inside
 * `bidirectional`/`timeDistributed` and nested models. SimpleRNN has no fused
 * gates. Use as `muon({fusedGates: muonGateSplits(model)})`; Muon then
 * orthogonalises each gate block on its own (`splitFusedGates: true` infers
 * the same list from tfjs' weight names without the model).
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.lstm({units: 8, inputShape: [5, 3], name: 'enc'}),
 *   tf.layers.dense({units: 2})]});
 * console.log(tfa.optimizers.muonGateSplits(model));
 * // [ { name: 'enc/kernel', gates: 4 }, { name: 'enc/recurrent_kernel', gates: 4 } ]
 * ```
 */
export function muonGateSplits(model: tfl.LayersModel | tfl.LayersModel[]): FusedGate[] {
  const out: FusedGate[] = [];
  for (const m of checkModels(model, 'muonGateSplits')) {
    for (const layer of leafLayers(m)) {
      const cell = (layer as unknown as {cell?: tfl.layers.Layer & {cells?: tfl.layers.Layer[]}}).cell;
      if (cell == null) continue;
      for (const c of cell.cells ?? [cell]) {
        const gates = GATES_BY_CELL[c.getClassName()];
        if (gates == null) continue;
        for (const w of c.trainableWeights as unknown as WeightLike[]) {
          if ((role(w) === 'kernel' || role(w) === 'recurrent_kernel') && !out.some(e => e.name === w.name))
            out.push({name: w.name, gates});
        }
      }
    }
  }
  return out;
}
