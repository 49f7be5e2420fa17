/**
 * Per-edge functions of a B-spline KAN layer: `φ_io(x_i)` for every input i
 * and output o, the quantity pykan's attribution, pruning and symbolic fitting
 * read (pykan's `postacts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {weightNamed} from '../callbacks/common';
import {BSplineKAN} from '../layers/kan/bspline';
import {bsplineBasis} from '../layers/kan/basis';
import {applyBaseActivation, basisMatMul} from '../layers/kan/common';
import {ValueError, describe, tensorArg} from '../validate';
import {type SymbolicFunctionName, symbolicTensorFn} from './symbolic_library';

/** A symbolic edge: `φ_io(x_i) = c·f(a·x_i + b) + d` with the affine row `symbolic_affine[i, o, :]`. */
export interface SymbolicEdge {
  /** Input index i. */
  input: number;
  /** Output index o. */
  output: number;
  /** Library function f. */
  fn: SymbolicFunctionName;
}

/** How each edge of a layer is computed (SymbolicKAN provides one; a plain BSplineKAN is all numeric). */
export interface EdgePlan {
  /** `[I·O]` row-major 1 = spline edge, 0 = off (symbolic or pruned); null = every edge numeric. */
  numericMask: Float32Array | null;
  /** Symbolic edges. */
  symbolic: SymbolicEdge[];
  /** `symbolic_affine [I, O, 4]` = (a, b, c, d) per edge; null when there are no symbolic edges. */
  affine: tf.Tensor | null;
}

/** Layers that describe their edges by an {@link EdgePlan} (SymbolicKAN). */
interface PlanProvider {
  edgePlan(): EdgePlan;
}

function hasPlan(layer: object): layer is PlanProvider {
  return typeof (layer as Partial<PlanProvider>).edgePlan === 'function';
}

function read(layer: tfl.layers.Layer, name: string, who: string): tf.Tensor {
  const v = weightNamed(layer, name);
  if (v == null) throw new ValueError(`${who}: layer '${layer.name}' has no weight '${name}'.`);
  return v.read();
}

/**
 * The B-spline KAN forward on `x [N, I]` following `plan`: the layer output
 * `[N, O]` (with bias) when `perEdge` is false, else the edge values
 * `φ [N, I, O]` (no bias). Runs inside the caller's tidy; returns a new tensor.
 * @internal
 */
export function kanForward(layer: BSplineKAN, x: tf.Tensor2D, plan: EdgePlan, perEdge: boolean): tf.Tensor {
  const who = layer.getClassName();
  const [n, inDim] = x.shape;
  const o = layer.units;
  const k = layer.splineOrder;
  const mask = plan.numericMask;
  const anyNumeric = mask == null || mask.some(v => v !== 0);
  const parts: tf.Tensor[] = [];
  if (anyNumeric) {
    const grid = read(layer, 'grid', who) as tf.Tensor2D; // [I, G+2k+1]
    const m = grid.shape[1];
    const maskT = mask == null ? null : tf.tensor2d(mask, [inDim, o]); // [I, O]
    let base = read(layer, 'base_kernel', who) as tf.Tensor2D; // [I, O]
    let spline = tf.mul(
      read(layer, 'spline_kernel', who),
      tf.expandDims(read(layer, 'spline_scaler', who), 1),
    ) as tf.Tensor3D; // [I, G+k, O]
    if (maskT != null) {
      base = tf.mul(base, maskT);
      spline = tf.mul(spline, tf.expandDims(maskT, 1));
    }
    let xs: tf.Tensor2D = x;
    if (layer.clampToGrid) {
      const lo = tf.reshape(tf.slice(grid, [0, k], [inDim, 1]), [inDim]); // [I]: t_k
      const hi = tf.reshape(tf.slice(grid, [0, m - 1 - k], [inDim, 1]), [inDim]); // [I]: t_{G+k}
      xs = tf.minimum(tf.maximum(x, lo), hi);
    }
    const act = applyBaseActivation(x, layer.baseActivation) as tf.Tensor2D; // [N, I]
    const bases = bsplineBasis(xs, grid, k); // [N, I, G+k]
    if (perEdge) {
      const b = tf.mul(tf.expandDims(act, 2), tf.expandDims(base, 0)); // [N, I, O]
      const s = tf.transpose(tf.matMul(tf.transpose(bases, [1, 0, 2]), spline), [1, 0, 2]); // [N, I, O]
      parts.push(tf.add(b, s));
    } else {
      parts.push(tf.add(tf.matMul(act, base), basisMatMul(bases, spline))); // [N, O]
    }
  }
  if (plan.symbolic.length > 0 && plan.affine != null) {
    const affine = tf.reshape(plan.affine, [inDim * o, 4]); // [I·O, 4]
    const byFn = new Map<SymbolicFunctionName, SymbolicEdge[]>();
    for (const e of plan.symbolic) byFn.set(e.fn, [...(byFn.get(e.fn) ?? []), e]);
    for (const [fn, edges] of byFn) {
      const ne = edges.length;
      // One-hot selections as matMuls (exact; gather's gradient needs UnsortedSegmentSum, missing on wasm).
      const selX = new Float32Array(inDim * ne); // [I, E]
      const selEdge = new Float32Array(ne * inDim * o); // [E, I·O]
      edges.forEach((e, q) => {
        selX[e.input * ne + q] = 1;
        selEdge[q * inDim * o + e.input * o + e.output] = 1;
      });
      const selEdgeT = tf.tensor2d(selEdge, [ne, inDim * o]);
      const xe = tf.matMul(x, tf.tensor2d(selX, [inDim, ne])); // [N, E]
      const p = tf.matMul(selEdgeT, affine); // [E, 4]
      const [a, b, c, d] = tf.split(tf.transpose(p), 4, 0); // each [1, E]
      const v = tf.add(tf.mul(c, symbolicTensorFn(fn)(tf.add(tf.mul(a, xe), b))), d); // [N, E]
      if (perEdge) {
        parts.push(tf.reshape(tf.matMul(v, selEdgeT), [n, inDim, o])); // [N, I, O]
      } else {
        const selOut = new Float32Array(ne * o); // [E, O]
        edges.forEach((e, q) => (selOut[q * o + e.output] = 1));
        parts.push(tf.matMul(v, tf.tensor2d(selOut, [ne, o]))); // [N, O]
      }
    }
  }
  let y: tf.Tensor = parts.length === 0 ? tf.zeros(perEdge ? [n, inDim, o] : [n, o]) : tf.addN(parts);
  if (!perEdge) {
    const bias = layer.useBias ? weightNamed(layer, 'bias') : undefined;
    if (bias != null) y = tf.add(y, bias.read());
  }
  return y;
}

/** The edge plan of a layer: its own for SymbolicKAN, all-numeric for a BSplineKAN. @internal */
export function planOf(layer: BSplineKAN): EdgePlan {
  return hasPlan(layer) ? layer.edgePlan() : {numericMask: null, symbolic: [], affine: null};
}

/** Checks that `layer` is a built BSplineKAN (or SymbolicKAN). @internal */
export function kanLayerArg(layer: unknown, who: string, name = 'layer'): BSplineKAN {
  if (!(layer instanceof BSplineKAN)) {
    throw new ValueError(`${who}: ${name} must be a BSplineKAN or SymbolicKAN layer, got ${describe(layer)}.`);
  }
  if (!layer.built)
    throw new ValueError(`${who}: ${name} '${layer.name}' is not built yet (call it on an input first).`);
  return layer;
}

/**
 * The value of every edge function `φ_io(x_i)` of a B-spline KAN layer on
 * `x [N, I]` (the layer's input), as `[N, I, O]`: the base and spline branches
 * of numeric edges, `c·f(a·x_i + b) + d` of symbolic ones, 0 on pruned ones.
 * `Σ_i φ[:, i, :]` (+ bias) is the layer output. Synchronous; the caller
 * disposes the result; x is not disposed.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.layers.bsplineKAN({units: 3, seed: 1});
 * const x = tf.randomUniform([4, 2], -1, 1, 'float32', 2);
 * layer.apply(x);
 * console.log(tfa.kan.edgeActivations(layer, x).shape); // [4, 2, 3]
 * ```
 */
export function edgeActivations(layer: tfl.layers.Layer, x: tf.Tensor): tf.Tensor3D {
  const who = 'edgeActivations';
  const l = kanLayerArg(layer, who);
  const x2 = layerInputArg(l, x, who);
  return tf.tidy(() => kanForward(l, x2, planOf(l), true) as tf.Tensor3D);
}

/** Checks `x` as the `[N, I]` input of `layer`. @internal */
export function layerInputArg(layer: BSplineKAN, x: unknown, who: string): tf.Tensor2D {
  const t = tensorArg(x, 'x', who, {rank: 2});
  const inDim = (weightNamed(layer, 'grid')?.shape[0] ?? -1) as number;
  if (t.shape[1] !== inDim) {
    throw new ValueError(
      `${who}: x must be [N, ${inDim}] (the input of layer '${layer.name}'), got shape [${t.shape}].`,
    );
  }
  if (t.shape[0] < 2) throw new ValueError(`${who}: x must hold at least 2 samples, got shape [${t.shape}].`);
  return t as tf.Tensor2D;
}

/**
 * The KAN layers of `model` in order, checking that the model is a plain chain
 * of BSplineKAN/SymbolicKAN layers (an InputLayer aside), each fed by the
 * previous one. @internal
 */
export function kanChain(model: unknown, who: string): BSplineKAN[] {
  const m = model as tfl.LayersModel;
  if (m == null || !Array.isArray((m as {layers?: unknown}).layers) || typeof m.predict !== 'function') {
    throw new ValueError(`${who}: model must be a tf.LayersModel, got ${describe(model)}.`);
  }
  const layers = m.layers.filter(l => l.getClassName() !== 'InputLayer');
  if (layers.length === 0) throw new ValueError(`${who}: model must contain at least one KAN layer, got none.`);
  layers.forEach((l, i) => {
    if (!(l instanceof BSplineKAN)) {
      throw new ValueError(
        `${who}: model must be a chain of BSplineKAN/SymbolicKAN layers, got layer ${i} '${l.name}' of class ${l.getClassName()}.`,
      );
    }
    if (i > 0 && (l.inboundNodes.length !== 1 || l.inboundNodes[0].inboundLayers[0] !== layers[i - 1])) {
      throw new ValueError(
        `${who}: model must be a chain (each KAN layer fed by the previous one), got '${l.name}' fed otherwise.`,
      );
    }
  });
  if (m.outputs.length !== 1 || m.inputs.length !== 1) {
    throw new ValueError(
      `${who}: model must have one input and one output, got ${m.inputs.length} and ${m.outputs.length}.`,
    );
  }
  return layers as BSplineKAN[];
}

/**
 * The input of every layer of a KAN chain on the model input `x`: `[x, h_1, …,
 * h_{L−1}]`, plus the model output as last entry. The caller disposes all but
 * the first (which is x itself). @internal
 */
export function chainActivations(layers: BSplineKAN[], x: tf.Tensor2D): tf.Tensor2D[] {
  const acts: tf.Tensor2D[] = [x];
  for (const l of layers) acts.push(tf.tidy(() => l.apply(acts[acts.length - 1]) as tf.Tensor2D));
  return acts;
}
