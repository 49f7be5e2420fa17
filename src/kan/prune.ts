/**
 * Pruning of a KAN (pykan's `prune` = `prune_node` then `prune_edge`): a new,
 * smaller model without the unimportant hidden nodes and edges.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {weightNamed} from '../callbacks/common';
import {finiteNumber} from '../validate';
import {kanChain} from './edges';
import {copyChain} from './convert';
import {edgeScores} from './scores';
import type {SymbolicKAN} from './symbolic_kan';

/** Options of {@link prune}. */
export interface PruneOptions {
  /** A hidden node is kept iff its node score is > threshold (pykan `node_th`). Finite, >= 0. Default 1e-2. */
  threshold?: number;
  /** After node pruning, edges whose score (recomputed on the smaller model) is <= this are switched off (pykan `edge_th`); 0 keeps all. Default 3e-2. */
  edgeThreshold?: number;
}

/** A removed edge of the original model, with its size on the data. */
export interface RemovedEdge {
  input: number;
  output: number;
  /** pykan's edge score in the original model. */
  score: number;
  /** mean |φ_io(x_i)| on x in the original model. */
  l1: number;
  /** Why it went: an end node was removed, or its own score was too low. */
  reason: 'node' | 'edge';
}

/** What {@link prune} removed from one layer (indices of the original model). */
export interface PruneLayerReport {
  /** Output nodes of this layer (hidden nodes) that were removed. */
  nodes: number[];
  /** Edges of this layer that were removed. */
  edges: RemovedEdge[];
  /** Kept input and output node indices (original numbering), in the new layer's order. */
  keptInputs: number[];
  keptOutputs: number[];
}

/** Result of {@link prune}. */
export interface PruneResult {
  /** The pruned model: a `tf.sequential` of SymbolicKAN layers (uncompiled); the caller disposes it. */
  model: tfl.Sequential;
  /** Per layer, what was removed. */
  removed: PruneLayerReport[];
}

/**
 * Prunes a chain of BSplineKAN/SymbolicKAN layers on the data `x [N, I]` (the
 * model input), as pykan's `prune(node_th, edge_th)`: scores by
 * {@link edgeScores}; every hidden node whose score is ≤ `threshold` is removed
 * (its in- and out-edges go with it; inputs and outputs always stay; if a
 * whole hidden layer falls below, its best node is kept so the net is not
 * severed); the mean over x of every removed edge is added to the bias of its
 * output node (so a removed near-constant edge changes nothing); the weights of the rest are copied into a new model of SymbolicKAN
 * layers; then its edges are re-scored on x and those ≤ `edgeThreshold` are
 * switched off (mode 'pruned'), and hidden nodes left without any in- or
 * out-edge are removed as well. The source model is not changed.
 * Synchronous; does not dispose x.
 *
 * Follows: KindXiaoming/pykan `kan/MultKAN.py` @ ecde4ec, `prune`, `prune_node`, `prune_edge`.
 * Deviations: removed edges' means folded into biases (pykan drops them); data passed explicitly; never severs a layer (pykan#269); does not mutate the source (pykan#425).
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.bsplineKAN({units: 5, inputShape: [2], seed: 1}), tfa.layers.bsplineKAN({units: 1, seed: 2})]});
 * const {model: small, removed} = tfa.kan.prune(model, tf.randomUniform([100, 2], -1, 1, 'float32', 3), {threshold: 0.2});
 * console.log(small.layers[0].units, removed[0].nodes); // kept hidden width, removed node ids
 * ```
 */
export function prune(model: tfl.LayersModel, x: tf.Tensor, opts: PruneOptions = {}): PruneResult {
  const who = 'prune';
  const layers = kanChain(model, who);
  const th = finiteNumber(opts.threshold ?? 1e-2, 'threshold', who, {min: 0});
  const edgeTh = finiteNumber(opts.edgeThreshold ?? 3e-2, 'edgeThreshold', who, {min: 0});
  const scores = edgeScores(model, x);
  const nl = layers.length;
  const kept: number[][] = scores.nodes.map((s, l) => {
    const all = s.map((_, j) => j);
    if (l === 0 || l === nl) return all;
    const keep = all.filter(j => s[j] > th);
    return keep.length > 0 ? keep : [all.reduce((b, j) => (s[j] > s[b] ? j : b), 0)];
  });
  const removed: PruneLayerReport[] = layers.map((_, l) => {
    const ins = kept[l];
    const outs = kept[l + 1];
    const edges: RemovedEdge[] = [];
    scores.edges[l].forEach((row, i) =>
      row.forEach((score, o) => {
        if (!ins.includes(i) || !outs.includes(o))
          edges.push({input: i, output: o, score, l1: scores.edgeL1[l][i][o], reason: 'node'});
      }),
    );
    const nodes = l + 1 < nl ? scores.nodes[l + 1].map((_, j) => j).filter(j => !outs.includes(j)) : [];
    return {nodes, edges, keptInputs: ins, keptOutputs: outs};
  });
  // The mean of every removed edge goes into its output node's bias, so only its variation is lost.
  const shift = layers.map(l => new Array<number>(l.units).fill(0));
  removed.forEach((r, l) =>
    r.edges.forEach(e => {
      if (kept[l + 1].includes(e.output)) shift[l][e.output] += scores.edgeMean[l][e.input][e.output];
    }),
  );
  const small = copyChain(layers, kept, shift);
  if (edgeTh > 0) {
    const s2 = edgeScores(small, x);
    (small.layers as SymbolicKAN[]).forEach((layer, l) => {
      s2.edges[l].forEach((row, ni) =>
        row.forEach((score, no) => {
          if (score > edgeTh || layer.edgeMode(ni, no) === 'pruned') return;
          layer.setEdge(ni, no, 'pruned');
          addToBias(layer, no, s2.edgeMean[l][ni][no]);
          const i = kept[l][ni];
          const o = kept[l + 1][no];
          removed[l].edges.push({
            input: i,
            output: o,
            score: scores.edges[l][i][o],
            l1: scores.edgeL1[l][i][o],
            reason: 'edge',
          });
        }),
      );
    });
  }
  return {model: dropDeadNodes(small, x, kept, removed), removed};
}

/**
 * Hidden nodes left with all in-edges or all out-edges pruned carry a constant
 * (or nothing): removes them too, folding their out-edges' means into the
 * biases. Returns `small` itself when there is none, else a new model (and
 * disposes `small`).
 */
function dropDeadNodes(
  small: tfl.Sequential,
  x: tf.Tensor,
  kept: number[][],
  removed: PruneLayerReport[],
): tfl.Sequential {
  const layers = small.layers as SymbolicKAN[];
  const nl = layers.length;
  const width = (l: number) => (l === 0 ? kept[0].length : layers[l - 1].units);
  const dead: number[][] = Array.from({length: nl + 1}, () => []);
  for (let l = 1; l < nl; l++) {
    for (let j = 0; j < width(l); j++) {
      const inDead = [...Array(width(l - 1)).keys()].every(i => layers[l - 1].edgeMode(i, j) === 'pruned');
      const outDead = [...Array(width(l + 1)).keys()].every(o => layers[l].edgeMode(j, o) === 'pruned');
      if (inDead || outDead) dead[l].push(j);
    }
    if (dead[l].length === width(l)) dead[l].pop(); // never sever a layer
  }
  if (dead.every(d => d.length === 0)) return small;
  const scores = edgeScores(small, x);
  const keep = dead.map((d, l) => [...Array(width(l)).keys()].filter(j => !d.includes(j)));
  const shift = layers.map(l => new Array<number>(l.units).fill(0));
  for (let l = 1; l < nl; l++) {
    for (const j of dead[l]) {
      removed[l - 1].nodes.push(kept[l][j]);
      removed[l - 1].keptOutputs = removed[l - 1].keptOutputs.filter(v => v !== kept[l][j]);
      removed[l].keptInputs = removed[l].keptInputs.filter(v => v !== kept[l][j]);
      const note = (li: number, i: number, o: number) => {
        const e = {input: kept[li][i], output: kept[li + 1][o]};
        if (removed[li].edges.some(r => r.input === e.input && r.output === e.output)) return;
        removed[li].edges.push({...e, score: scores.edges[li][i][o], l1: scores.edgeL1[li][i][o], reason: 'edge'});
      };
      for (let i = 0; i < width(l - 1); i++) note(l - 1, i, j);
      for (let o = 0; o < width(l + 1); o++) {
        note(l, j, o);
        // A pruned edge's mean is already in the bias; a live out-edge of a node without inputs is constant.
        if (layers[l].edgeMode(j, o) !== 'pruned') shift[l][o] += scores.edgeMean[l][j][o];
      }
    }
  }
  const out = copyChain(layers, keep, shift);
  small.dispose();
  return out;
}

function addToBias(layer: SymbolicKAN, o: number, value: number): void {
  const b = weightNamed(layer, 'bias');
  if (b == null) return;
  tf.tidy(() => {
    const delta = new Float32Array(layer.units);
    delta[o] = value;
    b.write(tf.add(b.read(), tf.tensor1d(delta)));
  });
}
