/**
 * Copies a chain of B-spline KAN layers into a new model of SymbolicKAN layers,
 * optionally keeping only some nodes (the basis of pruning).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {weightNamed} from '../callbacks/common';
import type {BSplineKAN} from '../layers/kan/bspline';
import {kanChain, planOf} from './edges';
import {SymbolicKAN} from './symbolic_kan';
import type {SymbolicEdge} from './edges';

/**
 * A new `tf.sequential` of SymbolicKAN layers copying `layers`, where layer l
 * keeps the inputs `kept[l]` and outputs `kept[l+1]` (original indices; `kept`
 * has L+1 entries). Weights are sliced copies; symbolic and pruned edges are
 * carried over (re-indexed). Every copy has a bias (the source's, or 0), plus
 * `biasShift[l][o]` (original output index) when given. @internal
 */
export function copyChain(layers: BSplineKAN[], kept: number[][], biasShift?: number[][]): tfl.Sequential {
  const model = tfl.sequential();
  layers.forEach((src, l) => {
    const ins = kept[l];
    const outs = kept[l + 1];
    const plan = planOf(src);
    const symbolic: SymbolicEdge[] = [];
    const pruned: Array<[number, number]> = [];
    ins.forEach((i, ni) =>
      outs.forEach((o, no) => {
        const s = plan.symbolic.find(e => e.input === i && e.output === o);
        if (s != null) symbolic.push({input: ni, output: no, fn: s.fn});
        else if (plan.numericMask != null && plan.numericMask[i * src.units + o] === 0) pruned.push([ni, no]);
      }),
    );
    const layer = new SymbolicKAN({
      units: outs.length,
      gridSize: src.gridSize,
      splineOrder: src.splineOrder,
      gridRange: src.gridRange,
      baseActivation: src.baseActivation,
      useBias: true,
      scaleNoise: src.scaleNoise,
      scaleBase: src.scaleBase,
      scaleSpline: src.scaleSpline,
      clampToGrid: src.clampToGrid,
      regularization: src.regularization,
      seed: src.seed,
      symbolic,
      pruned,
      ...(l === 0 ? {inputShape: [ins.length]} : {}),
    });
    model.add(layer);
    tf.tidy(() => {
      const inIdx = tf.tensor1d(ins, 'int32');
      const outIdx = tf.tensor1d(outs, 'int32');
      const copy = (name: string, slice: (t: tf.Tensor) => tf.Tensor) => {
        const from = weightNamed(src, name);
        const to = weightNamed(layer, name);
        if (from != null && to != null) to.write(slice(from.read()));
      };
      const io = (t: tf.Tensor) => tf.gather(tf.gather(t, inIdx, 0), outIdx, 1); // [I', O', …]
      copy('base_kernel', io);
      copy('spline_scaler', io);
      copy('spline_kernel', t => tf.gather(tf.gather(t, inIdx, 0), outIdx, 2));
      copy('grid', t => tf.gather(t, inIdx, 0));
      const shift = tf.tensor1d(outs.map(o => biasShift?.[l]?.[o] ?? 0));
      const biasTo = weightNamed(layer, 'bias');
      const biasFrom = weightNamed(src, 'bias');
      biasTo?.write(biasFrom == null ? shift : tf.add(tf.gather(biasFrom.read(), outIdx, 0), shift));
      if (weightNamed(src, 'symbolic_affine') != null) copy('symbolic_affine', io);
    });
  });
  return model;
}

/**
 * A copy of a chain of BSplineKAN layers as SymbolicKAN layers (all edges
 * numeric, same weights and outputs; every layer gets a bias, zero if the
 * source had none, where pruning and symbolic fits put constants), ready for {@link fixSymbolic} /
 * {@link autoSymbolic}. The source model is not changed; the caller disposes
 * the copy.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tfa.layers.bsplineKAN({units: 1, inputShape: [2]})]});
 * console.log(tfa.kan.toSymbolic(model).layers[0].getClassName()); // 'SymbolicKAN'
 * ```
 */
export function toSymbolic(model: tfl.LayersModel): tfl.Sequential {
  const layers = kanChain(model, 'toSymbolic');
  const kept = [range((weightNamed(layers[0], 'grid')?.shape[0] ?? 0) as number), ...layers.map(l => range(l.units))];
  return copyChain(layers, kept);
}

function range(n: number): number[] {
  return Array.from({length: n}, (_, i) => i);
}
