/**
 * ftwtFlops: dense vs dynamic multiply-accumulates of a model with FTWT gates.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {Layer, Node} from '@tensorflow/tfjs-layers/dist/engine/topology';

import {ValueError, oneOf} from '../validate';
import {FTWTGate} from './ftwt_gate';

/** Options of {@link ftwtFlops}. */
export interface FTWTFlopsOptions {
  /**
   * Which masks count as active: `'predicted'` (the gates' own masks, what the
   * model runs) or `'target'` (the self-supervised targets at each gate's
   * `massThreshold`: the paper's estimate of the reduction before training).
   * Default `'predicted'`.
   */
  masks?: 'predicted' | 'target';
}

/** One counted layer in a {@link FTWTFlopsReport}. */
export interface FTWTLayerFlops {
  /** The Conv/Dense layer's name. */
  layer: string;
  /** The gate on its output, if any. */
  gate: string | null;
  /** The gate whose mask zeroes channels of its input, if any. */
  inputGate: string | null;
  /** Multiply-accumulates per sample without masks. */
  dense: number;
  /** Mean over the samples of `x` of the masked multiply-accumulates. */
  dynamic: number;
}

/** Result of {@link ftwtFlops}; FLOPs are multiply-accumulates per sample. */
export interface FTWTFlopsReport {
  dense: number;
  dynamic: number;
  /** `1 − dynamic / dense`. */
  reduction: number;
  layers: FTWTLayerFlops[];
}

const WHO = 'ftwtFlops';
/** Layers whose MACs are counted: `outputElements · kernel.size / C_out` each. */
const COUNTED = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'Dense', 'DepthwiseConv2D']);
/** Single-input layers that map a zero channel to a zero channel (input side). */
const ZERO_PRESERVING = new Set([
  'ReLU',
  'LeakyReLU',
  'PReLU',
  'ELU',
  'ThresholdedReLU',
  'Dropout',
  'SpatialDropout1D',
  'GaussianDropout',
  'GaussianNoise',
  'MaxPooling1D',
  'MaxPooling2D',
  'MaxPooling3D',
  'AveragePooling1D',
  'AveragePooling2D',
  'AveragePooling3D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'ZeroPadding2D',
  'Cropping2D',
  'UpSampling2D',
  'Flatten',
  'CRReLU',
]);
const ZERO_ACTIVATIONS = new Set([
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'tanh',
  'softsign',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
  'geluNew',
]);
/** Channel-wise layers allowed between a counted layer and its gate (output side). */
const CHANNELWISE = new Set([...ZERO_PRESERVING, 'BatchNormalization', 'Activation']);

function producer(t: tfl.SymbolicTensor): Node {
  return t.sourceLayer.inboundNodes[t.nodeIndex];
}

function isZeroPreserving(layer: Layer): boolean {
  const cls = layer.getClassName();
  if (cls === 'Activation') {
    return ZERO_ACTIVATIONS.has(String(layer.getConfig().activation));
  }
  return ZERO_PRESERVING.has(cls);
}

/** The counted layer a gate's `convOutput` comes from, through channel-wise layers. */
function gatedLayer(gate: FTWTGate, node: Node): Layer {
  let t = node.inputTensors[1];
  for (;;) {
    const layer = t.sourceLayer;
    if (COUNTED.has(layer.getClassName())) return layer;
    const n = producer(t);
    if (!CHANNELWISE.has(layer.getClassName()) || n == null || n.inputTensors.length !== 1) {
      throw new ValueError(
        `${WHO}: the convOutput of gate '${gate.name}' must come from a ` +
          `${[...COUNTED].join('/')} layer through channel-wise layers only, got '${layer.name}' (${layer.getClassName()}).`,
      );
    }
    t = n.inputTensors[0];
  }
}

/** The gate whose zeroed channels reach `t` through zero-preserving layers, if any. */
function inputGate(t: tfl.SymbolicTensor): FTWTGate | null {
  for (;;) {
    const layer = t.sourceLayer;
    if (layer instanceof FTWTGate) return layer;
    const n = producer(t);
    if (n == null || n.inputTensors.length !== 1 || !isZeroPreserving(layer)) return null;
    t = n.inputTensors[0];
  }
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) {
    throw new ValueError(`${WHO}: ${what} must be applied exactly once, got ${items.length} inbound nodes.`);
  }
  return items[0];
}

const prod = (s: Array<number | null>) => s.reduce<number>((u, v) => u * (v as number), 1);

/**
 * Multiply-accumulates per sample of the Conv/Dense layers of a model with
 * {@link FTWTGate}s, dense (no masks) and dynamic (filters skipped as the
 * masks say), averaged over the samples of `x`.
 *
 * Per counted layer (`Conv1D`, `Conv2D`, `Conv3D`, `Dense`, `DepthwiseConv2D`)
 * and sample: `dense = outputElements · kernel.size / C_out`, the reference's
 * `active_out · H_out·W_out · (active_in / groups) · k²` with everything active;
 * `dynamic = dense · (active_out / C_out) · (active_in / C_in)`, where
 * `active_out` counts the open filters of the gate on the layer's output
 * (reached through channel-wise layers: BatchNormalization, activations, pools)
 * and `active_in` those of the gate whose output feeds the layer through
 * zero-preserving layers (ReLU, pools, Flatten, Dropout, ...). A depthwise
 * conv counts the channels open at both its input and output. Bias, gate
 * predictors and other layers are not counted, as in the reference.
 * `reduction = 1 − dynamic / dense`. Layers inside nested models are not
 * visited, and each counted layer and gate must be applied once.
 *
 * Async (reads the masks); runs `model` once on `x` (in batches of 32).
 * Returns plain numbers; `x` stays owned by the caller.
 *
 * Follows: selkerdawy/FTWT `utils/layers.py` @ 83c1bd6 (`ConvWithMask.forward`
 * FLOPs with `bias_ops = 0`) and `cifar.py` (`reduction = 1 − avg_flops/macs`).
 * Deviations:
 * - The dense count is the same formula with full masks, over the counted
 *   layers; the reference divides by thop's MACs of the whole net, which also
 *   include the ungated classifier that its dynamic count leaves out.
 * - Ungated Conv/Dense layers are counted in both (with their input-channel
 *   saving), so the reduction is not inflated by omitted layers.
 * - A depthwise conv counts the channels active at input and output; the
 *   reference's `(prev // groups)` rounds it to zero when any input is off.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const x = tf.input({shape: [8, 8, 3]});
 * const c1 = tf.layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu'}).apply(x);
 * const g1 = tfa.layers.ftwtGate().apply([x, c1]);
 * const c2 = tf.layers.conv2d({filters: 5, kernelSize: 3, activation: 'relu'}).apply(g1);
 * const g2 = tfa.layers.ftwtGate().apply([g1, c2]);
 * const model = tf.model({inputs: x, outputs: g2});
 * const r = tfa.layers.ftwtFlops(model, tf.randomNormal([4, 8, 8, 3]));
 * console.log(r.dense, r.dynamic, r.reduction);
 * ```
 */
export function ftwtFlops(
  model: tfl.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  options: FTWTFlopsOptions = {},
): FTWTFlopsReport {
  if (!(model instanceof tfl.LayersModel)) {
    throw new ValueError(`${WHO}: model must be a tf.LayersModel, got ${typeof model}.`);
  }
  const masksFrom = oneOf(options.masks ?? 'predicted', ['predicted', 'target'] as const, 'masks', WHO);
  const gates = model.layers.filter((l): l is FTWTGate => l instanceof FTWTGate);
  const gateNodes = gates.map(g => only(g.inboundNodes, `gate '${g.name}'`));
  const gateOf = new Map<Layer, FTWTGate>();
  gates.forEach((g, i) => {
    const target = gatedLayer(g, gateNodes[i]);
    if (gateOf.has(target)) {
      throw new ValueError(
        `${WHO}: layer '${target.name}' has two gates ('${gateOf.get(target)!.name}', '${g.name}').`,
      );
    }
    gateOf.set(target, g);
  });

  // Per-gate masks [B, C] as numbers, from one run of the model.
  const masks = new Map<FTWTGate, {data: Float32Array; channels: number}>();
  if (gates.length > 0) {
    const probes = gateNodes.map(n => n.inputTensors[masksFrom === 'predicted' ? 0 : 1]);
    const unique = [...new Set(probes)]; // two gates may read the same tensor
    const probe = tfl.model({inputs: model.inputs, outputs: unique});
    const outs = probe.predict(x);
    const acts = Array.isArray(outs) ? outs : [outs];
    for (let i = 0; i < gates.length; i++) {
      const a = acts[unique.indexOf(probes[i])];
      const m = masksFrom === 'predicted' ? gates[i].predictMask(a) : gates[i].targetMask(a);
      // Synchronous, as API.md specifies `ftwtFlops(model, x) → {dense, dynamic, reduction}`;
      // a one-off analysis call, not a hot path.
      // eslint-disable-next-line no-restricted-properties -- synchronous by contract (API.md), a one-off analysis
      masks.set(gates[i], {data: m.dataSync() as Float32Array, channels: m.shape[1]});
      m.dispose();
    }
    tf.dispose(acts);
  }
  const batch = (Array.isArray(x) ? x[0] : x).shape[0];

  const layers: FTWTLayerFlops[] = [];
  for (const layer of model.layers) {
    if (!COUNTED.has(layer.getClassName())) continue;
    const node = only(layer.inboundNodes, `layer '${layer.name}'`);
    const outShape = node.outputTensors[0].shape;
    const cOut = outShape[outShape.length - 1] as number;
    const dense = (prod(outShape.slice(1)) * prod(layer.weights[0].shape)) / cOut;
    const outGate = gateOf.get(layer) ?? null;
    const inGate = inputGate(node.inputTensors[0]);
    const mo = outGate == null ? null : masks.get(outGate)!;
    const mi = inGate == null ? null : masks.get(inGate)!;
    const depthwise = layer.getClassName() === 'DepthwiseConv2D';
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const active = (m: {data: Float32Array; channels: number}, c: number) => m.data[b * m.channels + c];
      if (depthwise) {
        const mult = cOut / (mi?.channels ?? cOut);
        let open = 0;
        for (let c = 0; c < cOut; c++) {
          open += (mo == null ? 1 : active(mo, c)) * (mi == null ? 1 : active(mi, Math.floor(c / mult)));
        }
        total += (dense * open) / cOut;
      } else {
        let fo = 1;
        let fi = 1;
        if (mo != null) {
          fo = 0;
          for (let c = 0; c < mo.channels; c++) fo += active(mo, c);
          fo /= mo.channels;
        }
        if (mi != null) {
          fi = 0;
          for (let c = 0; c < mi.channels; c++) fi += active(mi, c);
          fi /= mi.channels;
        }
        total += dense * fo * fi;
      }
    }
    layers.push({
      layer: layer.name,
      gate: outGate?.name ?? null,
      inputGate: inGate?.name ?? null,
      dense,
      dynamic: batch > 0 ? total / batch : dense,
    });
  }
  const dense = layers.reduce((u, l) => u + l.dense, 0);
  const dynamic = layers.reduce((u, l) => u + l.dynamic, 0);
  return {dense, dynamic, reduction: dense > 0 ? 1 - dynamic / dense : 0, layers};
}
