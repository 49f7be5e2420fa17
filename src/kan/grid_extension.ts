/**
 * Grid extension (pykan's `refine`): move a B-spline KAN layer to a finer grid
 * of G' intervals while keeping its edge functions on the data.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {weightNamed} from '../callbacks/common';
import type {BSplineKAN} from '../layers/kan/bspline';
import {bsplineBasis} from '../layers/kan/basis';
import {solveSpd} from '../layers/kan/common';
import {warnIfFloat16} from '../float16';
import {ValueError, finiteData, positiveInt, tensorArg} from '../validate';

const WHO = 'extendGrid';

/**
 * Knots of the finer grid from the old one, per input (pykan
 * `KANLayer.initialize_grid_from_parent`): the new interior knots are the
 * piecewise-linear interpolation of the old interior knots `t_k … t_{G+k}` in
 * knot-index space at `m·G/G'` (m = 0 … G'), so a uniform grid stays uniform
 * on the same interval and an adaptive one passes its density on; then k knots
 * on each side with spacing `h = (t'_{G'} − t'_0)/G'` (pykan `extend_grid`).
 * `old` is `[I, G+2k+1]` row-major; returns `[I, G'+2k+1]`.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * // one input, G = 2 intervals on [-1, 1], order k = 1: knots -2, -1, 0, 1, 2
 * const finer = tfa.kan.extendedKnots([-2, -1, 0, 1, 2], 1, 2, 1, 4);
 * console.log(Array.from(finer)); // [-1.5, -1, -0.5, 0, 0.5, 1, 1.5]
 * ```
 */
export function extendedKnots(old: ArrayLike<number>, inDim: number, g: number, k: number, g2: number): Float64Array {
  const m1 = g + 2 * k + 1;
  const m2 = g2 + 2 * k + 1;
  const out = new Float64Array(inDim * m2);
  for (let i = 0; i < inDim; i++) {
    const t = (j: number) => old[i * m1 + k + j]; // interior knot j = 0 … G
    const row = i * m2;
    for (let m = 0; m <= g2; m++) {
      const pos = (m * g) / g2;
      const j = Math.min(Math.floor(pos), g - 1);
      const f = pos - j;
      out[row + k + m] = (1 - f) * t(j) + f * t(j + 1);
    }
    const h = (out[row + k + g2] - out[row + k]) / g2;
    for (let q = 1; q <= k; q++) {
      out[row + k - q] = out[row + k] - q * h;
      out[row + k + g2 + q] = out[row + k + g2] + q * h;
    }
  }
  return out;
}

/**
 * Swaps the value of a layer weight for one of another shape, keeping the same
 * `LayerVariable` object and variable name, so a compiled model (which holds
 * the LayerVariable objects) and `save` see the new value. Relies on the
 * LayerVariable fields `val` and `shape` of tfjs-layers 4.x.
 */
function replaceWeight(v: tfl.LayerVariable, value: tf.Tensor): void {
  const internal = v as unknown as {val: tf.Variable; shape: number[]};
  const {name, trainable} = v;
  internal.val.dispose(); // frees the name in the engine's variable registry
  internal.val = tf.variable(value, trainable, name);
  internal.shape = value.shape.slice();
}

/**
 * Implementation of {@link BSplineKAN.extendGrid}: refits the layer's splines on
 * a grid of `newGridSize` intervals by least squares on the layer inputs `x`.
 * @internal
 */
export function extendLayerGrid(layer: BSplineKAN, x: tf.Tensor, newGridSize: number): void {
  if (!layer.built) throw new ValueError(`${WHO}: layer '${layer.name}' is not built yet (call it on an input first).`);
  const g2 = positiveInt(newGridSize, 'newGridSize', WHO);
  warnIfFloat16(WHO, 'its least-squares refit (from float16 bases) was measured 3 % off float32 there.');
  const gridVar = weightNamed(layer, 'grid');
  const kernelVar = weightNamed(layer, 'spline_kernel');
  if (gridVar == null || kernelVar == null)
    throw new ValueError(`${WHO}: layer '${layer.name}' has no B-spline weights.`);
  const [inDim, m1] = gridVar.shape as number[];
  tensorArg(x, 'x', WHO, {minRank: 2});
  if (x.shape[x.rank - 1] !== inDim) {
    throw new ValueError(
      `${WHO}: x must have ${inDim} features on its last axis (the layer input), got shape [${x.shape}].`,
    );
  }
  const k = layer.splineOrder;
  const g = m1 - 2 * k - 1;
  const o = layer.units;
  const nb1 = g + k;
  const nb2 = g2 + k;
  tf.tidy(() => {
    const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D; // [N, I]
    const count = x2.shape[0];
    if (count < 1) throw new ValueError(`${WHO}: x must hold at least one sample, got shape [${x.shape}].`);
    finiteData(x2.dataSync(), 'x', WHO);
    const knots = extendedKnots(gridVar.read().dataSync(), inDim, g, k, g2); // [I, G'+2k+1]
    const newGrid = tf.tensor2d(Float32Array.from(knots), [inDim, g2 + 2 * k + 1]);
    const aOld = bsplineBasis(x2, gridVar.read() as tf.Tensor2D, k).dataSync(); // [N, I, G+k]
    const aNew = bsplineBasis(x2, newGrid, k).dataSync(); // [N, I, G'+k]
    const cOld = kernelVar.read().dataSync(); // [I, G+k, O], unscaled (the scaler is kept)
    const cNew = new Float32Array(inDim * nb2 * o);
    for (let i = 0; i < inDim; i++) {
      // min_C ‖A_new·C − A_old·C_old‖² per input: (A_newᵀA_new + λ)C = A_newᵀ(A_old·C_old), float64.
      const p = new Float64Array(nb2 * nb2);
      const r = new Float64Array(nb2 * o);
      const target = new Float64Array(o);
      for (let s = 0; s < count; s++) {
        const offOld = (s * inDim + i) * nb1;
        const offNew = (s * inDim + i) * nb2;
        target.fill(0);
        for (let j = 0; j < nb1; j++) {
          const b = aOld[offOld + j];
          if (b === 0) continue;
          for (let q = 0; q < o; q++) target[q] += b * cOld[(i * nb1 + j) * o + q];
        }
        for (let j = 0; j < nb2; j++) {
          const b = aNew[offNew + j];
          if (b === 0) continue;
          for (let q = 0; q < nb2; q++) p[j * nb2 + q] += b * aNew[offNew + q];
          for (let q = 0; q < o; q++) r[j * o + q] += b * target[q];
        }
      }
      // Ridge 1e-10·tr/n: only matters for bases without data (empty intervals), which it sends to 0.
      cNew.set(solveSpd(p, r, nb2, o, 1e-10), i * nb2 * o);
    }
    replaceWeight(kernelVar, tf.tensor3d(cNew, [inDim, nb2, o]));
    replaceWeight(gridVar, newGrid);
  });
  // gridSize is read-only for users; extendGrid is the one place that changes it.
  (layer as unknown as {gridSize: number}).gridSize = g2;
}
