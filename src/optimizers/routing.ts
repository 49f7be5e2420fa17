/**
 * Which variables Muon orthogonalises and which go to its AdamW side.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

import {describe, ValueError} from '../validate';

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
 * The route of a variable: 'muon' for rank ≥ 2 unless excluded, else 'adamw'
 * (biases, gains, scalars and excluded names).
 */
export function muonRoute(name: string, shape: readonly number[], exclude: readonly ExcludePattern[]): 'muon' | 'adamw' {
  return shape.length >= 2 && !isExcluded(name, exclude) ? 'muon' : 'adamw';
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

interface WeightLike {
  name: string;
  originalName?: string;
  shape: number[];
}

function role(w: WeightLike): string {
  const n = w.originalName ?? w.name;
  return n.slice(n.lastIndexOf('/') + 1).replace(/_\d+$/, '');
}

function isContainer(layer: tfl.layers.Layer): layer is tfl.LayersModel {
  return Array.isArray((layer as unknown as {layers?: unknown}).layers);
}

function flatLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const out: tfl.layers.Layer[] = [];
  for (const layer of model.layers) {
    if (isContainer(layer)) out.push(...flatLayers(layer));
    else out.push(layer);
  }
  return out;
}

/** The layers that produce the model's outputs, walking back through weightless layers (Activation, Softmax). */
function outputKernelLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const out: tfl.layers.Layer[] = [];
  for (const o of model.outputs) {
    let layer: tfl.layers.Layer | undefined = o.sourceLayer as tfl.layers.Layer;
    for (let hops = 0; layer != null && hops < 100; hops++) {
      if (isContainer(layer)) {
        out.push(...outputKernelLayers(layer));
        break;
      }
      if (layer.trainableWeights.some(w => role(w as WeightLike) === 'kernel')) {
        out.push(layer);
        break;
      }
      const inbound: Array<{inboundLayers: tfl.layers.Layer[]}> | undefined = (layer as unknown as {inboundNodes: Array<{inboundLayers: tfl.layers.Layer[]}>}).inboundNodes;
      const prev: tfl.layers.Layer[] | undefined = inbound?.[0]?.inboundLayers;
      layer = prev != null && prev.length === 1 ? prev[0] : undefined;
    }
  }
  return out;
}

/**
 * The variable names Muon's authors send to AdamW: the output layer's kernel
 * (walking back from each model output through weightless layers), every
 * embedding matrix, and the first convolution's kernel (KellerJordan/Muon
 * README: "Muon should only be used for hidden weight layers … for a ConvNet
 * … all the convolutional filters except the first one"). Nested models are
 * searched. Use as `muon({exclude: muonExcludeDefaults(model)})`.
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
export function muonExcludeDefaults(model: tfl.LayersModel): string[] {
  if (model == null || !Array.isArray((model as unknown as {layers?: unknown}).layers)) {
    throw new ValueError(`muonExcludeDefaults: model must be a tf.LayersModel, got ${describe(model)}.`);
  }
  const names: string[] = [];
  const add = (w: WeightLike) => {
    if (!names.includes(w.name)) names.push(w.name);
  };
  for (const layer of outputKernelLayers(model)) {
    for (const w of layer.trainableWeights) if (role(w as WeightLike) === 'kernel') add(w as WeightLike);
  }
  const layers = flatLayers(model);
  for (const layer of layers) {
    for (const w of layer.trainableWeights) if (role(w as WeightLike) === 'embeddings') add(w as WeightLike);
  }
  const firstConv = layers.find(l => /conv/i.test(l.getClassName()) && l.trainableWeights.some(w => role(w as WeightLike) === 'kernel'));
  if (firstConv != null) {
    for (const w of firstConv.trainableWeights) if (/kernel$/.test(role(w as WeightLike))) add(w as WeightLike);
  }
  return names;
}
