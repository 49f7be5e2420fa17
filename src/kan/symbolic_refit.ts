/**
 * Float64 Levenberg–Marquardt fit of the affine parameters of a fully
 * symbolic KAN (the stage pykan runs with L-BFGS after `auto_symbolic`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {weightNamed} from '../callbacks/common';
import {solveSpd} from '../layers/kan/common';
import {ValueError, finiteData, positiveInt, tensorArg} from '../validate';
import {kanChain} from './edges';
import {SymbolicKAN} from './symbolic_kan';
import {type SymbolicFunctionName, symbolicSafeFn} from './symbolic_library';

/** Options of {@link refitSymbolic}. */
export interface RefitSymbolicOptions {
  /** Maximum Levenberg–Marquardt iterations. Positive integer. Default 100. */
  iterations?: number;
}

/** Result of {@link refitSymbolic}. */
export interface RefitSymbolicResult {
  /** Root mean squared error on (x, y) before and after. */
  rmseBefore: number;
  rmseAfter: number;
  /** Iterations run (accepted or not). */
  iterations: number;
}

interface Edge {
  /** Offset of (a, b, c, d) in the parameter vector. */
  at: number;
  layer: number;
  input: number;
  output: number;
  fn: (u: number) => number;
}

/**
 * Fits every symbolic edge's (a, b, c, d) and every layer bias of a KAN whose
 * edges are all symbolic or pruned to data `(x [N, I], y [N, O])`, minimising
 * the squared error by Levenberg–Marquardt in float64 (central-difference
 * Jacobian, damping ×3 / ÷3, stops when the step no longer lowers the error
 * by 1e-12 relative). The model computes what it computed before, with the
 * same safe function versions as its forward pass. Writes the parameters back
 * into the layers; returns the RMSE before and after. Synchronous; cost
 * O(iterations·P·N·edges) for P parameters. Does not dispose x or y.
 *
 * pykan trains these parameters with L-BFGS in float64 (`fit` after
 * `auto_symbolic`); Adam in float32 on them is slow and unstable when a
 * hidden node has a small scale and the next edge a steep `exp`.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.kan.symbolicKAN({units: 1, inputShape: [1], useBias: true, symbolic: [{input: 0, output: 0, fn: 'sin'}]});
 * const model = tf.sequential({layers: [layer]});
 * const x = tf.linspace(-1, 1, 50).reshape([50, 1]);
 * const y = tf.add(tf.mul(tf.sin(tf.mul(x, 2)), 3), 1);
 * console.log(tfa.kan.refitSymbolic(model, x, y).rmseAfter < 1e-6); // true
 * ```
 */
export function refitSymbolic(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  opts: RefitSymbolicOptions = {},
): RefitSymbolicResult {
  const who = 'refitSymbolic';
  const layers = kanChain(model, who);
  const maxIt = positiveInt(opts.iterations ?? 100, 'iterations', who);
  const xt = tensorArg(x, 'x', who, {rank: 2});
  const yt = tensorArg(y, 'y', who, {rank: 2});
  const n = xt.shape[0] as number;
  const nOut = layers[layers.length - 1].units;
  if (yt.shape[0] !== n || yt.shape[1] !== nOut) {
    throw new ValueError(`${who}: y must be [${n}, ${nOut}], got shape [${yt.shape}].`);
  }
  const xs = xt.dataSync();
  const ys = yt.dataSync();
  finiteData(xs, 'x', who);
  finiteData(ys, 'y', who);
  const edges: Edge[] = [];
  const params: number[] = [];
  const biasAt: number[] = []; // per layer: offset of its bias in params, or −1
  const widths: number[] = [xt.shape[1] as number];
  layers.forEach((layer, l) => {
    if (!(layer instanceof SymbolicKAN))
      throw new ValueError(`${who}: layer ${l} '${layer.name}' must be a SymbolicKAN.`);
    const inDim = widths[l];
    for (let i = 0; i < inDim; i++) {
      for (let o = 0; o < layer.units; o++) {
        const mode = layer.edgeMode(i, o);
        if (mode === 'numeric')
          throw new ValueError(
            `${who}: layer ${l} '${layer.name}' edge (${i}, ${o}) is still numeric (make every edge symbolic or pruned first).`,
          );
        if (mode === 'pruned') continue;
        const fn = layer.edgeFunction(i, o) as SymbolicFunctionName;
        const {a, b, c, d} = layer.edgeAffine(i, o);
        edges.push({at: params.length, layer: l, input: i, output: o, fn: symbolicSafeFn(fn)});
        params.push(a, b, c, d);
      }
    }
    const bias = weightNamed(layer, 'bias');
    if (layer.useBias && bias != null) {
      biasAt.push(params.length);
      params.push(...Array.from(bias.read().dataSync()));
    } else {
      biasAt.push(-1);
    }
    widths.push(layer.units);
  });
  const np = params.length;
  const residuals = (p: ArrayLike<number>, out: Float64Array): number => {
    let sse = 0;
    for (let s = 0; s < n; s++) {
      let h: number[] = Array.from({length: widths[0]}, (_, i) => xs[s * widths[0] + i]);
      let e = 0;
      for (let l = 0; l < layers.length; l++) {
        const next = new Array<number>(widths[l + 1]).fill(0);
        if (biasAt[l] >= 0) for (let o = 0; o < next.length; o++) next[o] = p[biasAt[l] + o];
        for (; e < edges.length && edges[e].layer === l; e++) {
          const ed = edges[e];
          const q = ed.at;
          next[ed.output] += p[q + 2] * ed.fn(p[q] * h[ed.input] + p[q + 1]) + p[q + 3];
        }
        h = next;
      }
      for (let o = 0; o < nOut; o++) {
        const r = h[o] - ys[s * nOut + o];
        out[s * nOut + o] = r;
        sse += r * r;
      }
    }
    return Number.isFinite(sse) ? sse : Infinity;
  };
  const m = n * nOut;
  let r = new Float64Array(m);
  let sse = residuals(params, r);
  const rmseBefore = Math.sqrt(sse / m);
  let lambda = 1e-3;
  let it = 0;
  const jac = new Float64Array(m * np);
  const rp = new Float64Array(m);
  const rm = new Float64Array(m);
  for (; it < maxIt; it++) {
    for (let k = 0; k < np; k++) {
      const h = 1e-6 * Math.max(1, Math.abs(params[k]));
      const save = params[k];
      params[k] = save + h;
      residuals(params, rp);
      params[k] = save - h;
      residuals(params, rm);
      params[k] = save;
      for (let j = 0; j < m; j++) jac[j * np + k] = (rp[j] - rm[j]) / (2 * h);
    }
    const jtj = new Float64Array(np * np);
    const jtr = new Float64Array(np);
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < np; k++) {
        const v = jac[j * np + k];
        if (v === 0) continue;
        jtr[k] -= v * r[j];
        for (let q = 0; q < np; q++) jtj[k * np + q] += v * jac[j * np + q];
      }
    }
    let improved = false;
    for (let tries = 0; tries < 10 && !improved; tries++) {
      const a = jtj.slice();
      for (let k = 0; k < np; k++) a[k * np + k] += lambda * (jtj[k * np + k] + 1e-12);
      const step = solveSpd(a, jtr, np, 1, 0);
      const trial = params.map((v, k) => v + step[k]);
      const rt = new Float64Array(m);
      const sseT = residuals(trial, rt);
      if (sseT < sse) {
        const gain = (sse - sseT) / Math.max(sse, 1e-300);
        params.splice(0, np, ...trial);
        r = rt;
        sse = sseT;
        lambda = Math.max(lambda / 3, 1e-12);
        improved = true;
        if (gain < 1e-12) it = maxIt;
      } else {
        lambda *= 3;
      }
    }
    if (!improved) break;
  }
  // Write back.
  for (const e of edges) {
    const layer = layers[e.layer] as SymbolicKAN;
    const fn = layer.edgeFunction(e.input, e.output) as SymbolicFunctionName;
    layer.setEdge(e.input, e.output, fn, {
      a: params[e.at],
      b: params[e.at + 1],
      c: params[e.at + 2],
      d: params[e.at + 3],
    });
  }
  layers.forEach((layer, l) => {
    const bias = weightNamed(layer, 'bias');
    if (biasAt[l] >= 0 && bias != null) {
      tf.tidy(() => {
        bias.write(tf.tensor1d(params.slice(biasAt[l], biasAt[l] + layer.units)));
      });
    }
  });
  return {rmseBefore, rmseAfter: Math.sqrt(sse / m), iterations: Math.min(it, maxIt)};
}
