/**
 * Edge and node importance of a KAN (pykan's `attribute` / `feature_score`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {chainActivations, edgeActivations, kanChain, layerInputArg} from './edges';

/** Importance scores of a chain of KAN layers (all indices as in the model; layer l maps nodes l → l+1). */
export interface KanScores {
  /** Per layer `[I][O]`: pykan's backward attribution `edge_scores` (the edge's share of its output node's spread times that node's score). */
  edges: number[][][];
  /** Per node layer l = 0 … L (inputs … outputs): pykan's `node_scores`; `nodes[0]` is the feature importance. */
  nodes: number[][];
  /** Per layer `[I][O]`: std over the data of φ_io(x_i) (pykan `edge_actscale`, unbiased). */
  edgeStd: number[][][];
  /** Per layer `[I][O]`: mean |φ_io(x_i)| over the data (the KAN paper's |φ|₁, §2.5.1). */
  edgeL1: number[][][];
  /** Per layer `[I][O]`: mean φ_io(x_i) over the data (what pruning folds into the bias). */
  edgeMean: number[][][];
}

/**
 * Scores every edge and node of a chain of BSplineKAN/SymbolicKAN layers on
 * the data `x [N, I]` (the model input), as pykan's `MultKAN.attribute()`:
 * with `e_io = std_s φ_io(x_i^s)` and `s_o = std_s Σ_i φ_io(x_i^s)` (the
 * spread of output node o), and one query per model output q,
 * `N_L[q] = e_q`, then for l = L−1 … 0:
 * `E_l[q, i, o] = e_io·N_{l+1}[q, o]/(s_o + 1e-4)`, `N_l[q, i] = Σ_o E_l[q, i, o]`;
 * edge scores are `mean_q E_l`, node scores `mean_q N_l`. Scores are not
 * renormalised (they can exceed 1). Also returns each edge's std, mean |φ| and mean.
 * Computed in float64 from one forward pass. Synchronous; does not dispose x.
 *
 * Paper: Liu et al., "KAN 2.0: Kolmogorov–Arnold Networks Meet Science", 2024, arXiv:2408.10205 (§4.1, attribution scores).
 * Follows: KindXiaoming/pykan `kan/MultKAN.py` @ ecde4ec, `attribute`, `feature_score`.
 * Deviations: no multiplication nodes (sub-node = node); data passed explicitly instead of pykan's cached last forward.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.bsplineKAN({units: 3, inputShape: [2], seed: 1}), tfa.layers.bsplineKAN({units: 1, seed: 2})]});
 * const scores = tfa.kan.edgeScores(model, tf.randomUniform([100, 2], -1, 1, 'float32', 3));
 * console.log(scores.nodes[0]); // importance of the two inputs
 * ```
 */
export function edgeScores(model: tfl.LayersModel, x: tf.Tensor): KanScores {
  const who = 'edgeScores';
  const layers = kanChain(model, who);
  const acts = chainActivations(layers, layerInputArg(layers[0], x, who));
  const edgeStd: number[][][] = [];
  const edgeL1: number[][][] = [];
  const edgeMean: number[][][] = [];
  const nodeStd: number[][] = [];
  try {
    layers.forEach((l, li) => {
      const phi = edgeActivations(l, acts[li]); // [N, I, O]
      const [n, inDim, o] = phi.shape;
      const data = phi.dataSync();
      phi.dispose();
      const std: number[][] = [];
      const l1: number[][] = [];
      const means: number[][] = [];
      const sumMean = new Float64Array(o);
      for (let i = 0; i < inDim; i++) {
        std.push([]);
        l1.push([]);
        means.push([]);
        for (let j = 0; j < o; j++) {
          let s = 0;
          let a = 0;
          for (let r = 0; r < n; r++) {
            const v = data[(r * inDim + i) * o + j];
            s += v;
            a += Math.abs(v);
          }
          const m = s / n;
          let v2 = 0;
          for (let r = 0; r < n; r++) v2 += (data[(r * inDim + i) * o + j] - m) ** 2;
          std[i].push(Math.sqrt(v2 / (n - 1)));
          l1[i].push(a / n);
          means[i].push(m);
          sumMean[j] += m;
        }
      }
      const sub = new Array<number>(o).fill(0);
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < o; j++) {
          let s = 0;
          for (let i = 0; i < inDim; i++) s += data[(r * inDim + i) * o + j];
          sub[j] += (s - sumMean[j]) ** 2;
        }
      }
      edgeStd.push(std);
      edgeL1.push(l1);
      edgeMean.push(means);
      nodeStd.push(sub.map(v => Math.sqrt(v / (n - 1))));
    });
  } finally {
    tf.dispose(acts.slice(1));
  }
  // Backward attribution, one query per output.
  const nl = layers.length;
  const nOut = layers[nl - 1].units;
  let nodeQ: number[][] = Array.from({length: nOut}, (_, q) => Array.from({length: nOut}, (_, j) => (j === q ? 1 : 0)));
  const nodes: number[][] = new Array(nl + 1);
  const edges: number[][][] = new Array(nl);
  nodes[nl] = nodeQ[0].map((_, j) => mean(nodeQ.map(r => r[j])));
  for (let l = nl - 1; l >= 0; l--) {
    const std = edgeStd[l];
    const inDim = std.length;
    const o = nodeStd[l].length;
    const eMean = Array.from({length: inDim}, () => new Array<number>(o).fill(0));
    const next: number[][] = [];
    for (const row of nodeQ) {
      const nIn = new Array<number>(inDim).fill(0);
      for (let i = 0; i < inDim; i++) {
        for (let j = 0; j < o; j++) {
          const e = (std[i][j] * row[j]) / (nodeStd[l][j] + 1e-4);
          eMean[i][j] += e / nodeQ.length;
          nIn[i] += e;
        }
      }
      next.push(nIn);
    }
    edges[l] = eMean;
    nodeQ = next;
    nodes[l] = nodeQ[0].map((_, i) => mean(nodeQ.map(r => r[i])));
  }
  return {edges, nodes, edgeStd, edgeL1, edgeMean};
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
