/**
 * Every KAN variant: forward+backward time at batch 256 on the wasm backend
 * against a tf.layers.dense with the same parameter count (wider output) and
 * one of the same width, measured in the same run; plus peak tensor memory of
 * one forward+backward (tf.profile) against the equal-parameter Dense.
 * Targets (issue 3): BSplineKAN <= 2.5x the equal-parameter Dense; RBFKAN,
 * ChebyshevKAN, FourierKAN and ReLUKAN <= 2x; AFKAN and SelectableKAN have none.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import {afKAN} from '../src/layers/kan/af';
import {bsplineKAN} from '../src/layers/kan/bspline';
import {chebyshevKAN} from '../src/layers/kan/chebyshev';
import {fourierKAN} from '../src/layers/kan/fourier';
import {rbfKAN} from '../src/layers/kan/rbf';
import {reluKAN} from '../src/layers/kan/relu';
import {selectableKAN} from '../src/layers/kan/selectable';
import {ratioRow, timeIt} from './harness';
import type {BenchContext, BenchRow} from './harness';

const AREA = 'kan';
const BATCH = 256;

/** One forward+backward of `mean(y²)` w.r.t. the input and every trainable weight; returns when done. */
function fwdBwd(layer: tf.layers.Layer, x: tf.Tensor): void {
  tf.tidy(() => {
    const vars = layer.trainableWeights.map(w => w.read() as tf.Variable);
    const {value, grads} = tf.variableGrads(() => tf.mean(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, vars);
    value.dataSync(); // wasm kernels are synchronous; this also forces the whole graph
    for (const g of Object.values(grads)) g.dataSync();
  });
}

function trainableCount(layer: tf.layers.Layer): number {
  return layer.trainableWeights.reduce((s, w) => s + tf.util.sizeFromShape(w.shape as number[]), 0);
}

async function peakMB(layer: tf.layers.Layer, x: tf.Tensor): Promise<number> {
  const info = await tf.profile(() => fwdBwd(layer, x));
  return info.peakBytes / (1024 * 1024);
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const previous = tf.getBackend() as string | undefined; // undefined before any backend is chosen
  if (!(await tf.setBackend('wasm'))) throw new Error('kan bench: wasm backend failed');
  const width = ctx.quick ? 64 : 128; // I = O
  const timing = ctx.quick ? {warmup: 1, reps: 3} : {warmup: 2, reps: 5};
  const rows: BenchRow[] = [];
  try {
    // Inputs inside each variant's domain: [-1, 1] for the grids, [0, 1] for ReLU-KAN.
    const xSym = tf.randomUniform([BATCH, width], -1, 1, 'float32', 1);
    const xPos = tf.randomUniform([BATCH, width], 0, 1, 'float32', 1);
    const variants: Array<{name: string; make: () => tf.layers.Layer; x: tf.Tensor; maxRatio?: number}> = [
      {name: 'BSplineKAN (G=5, k=3)', make: () => bsplineKAN({units: width, seed: 1}), x: xSym, maxRatio: 2.5},
      {name: 'RBFKAN (n=8, LayerNorm)', make: () => rbfKAN({units: width, seed: 1}), x: xSym, maxRatio: 2},
      {name: 'ChebyshevKAN (D=3)', make: () => chebyshevKAN({units: width, seed: 1}), x: xSym, maxRatio: 2},
      {name: 'FourierKAN (G=5)', make: () => fourierKAN({units: width, seed: 1}), x: xSym, maxRatio: 2},
      {name: 'ReLUKAN (g=5, k=3)', make: () => reluKAN({units: width, seed: 1}), x: xPos, maxRatio: 2},
      {name: 'AFKAN (g=3, k=3, global-attn)', make: () => afKAN({units: width, seed: 1}), x: xSym},
      {name: 'SelectableKAN (4 bases)', make: () => selectableKAN({units: width, seed: 1}), x: xSym},
    ];
    const sameWidth = tf.layers.dense({units: width});
    sameWidth.build([null, width]);
    const sameWidthMs = await timeIt(() => fwdBwd(sameWidth, xSym), timing);
    for (const v of variants) {
      const x = v.x;
      const layer = v.make();
      layer.build([null, width]);
      const params = trainableCount(layer);
      const denseUnits = Math.max(1, Math.round(params / (width + 1)));
      const dense = tf.layers.dense({units: denseUnits});
      dense.build([null, width]);
      const kanMs = await timeIt(() => fwdBwd(layer, x), timing);
      const denseMs = await timeIt(() => fwdBwd(dense, x), timing);
      const what = `${v.name} fwd+bwd, batch ${BATCH}, I=O=${width}, ${params} params`;
      rows.push(ratioRow({
        area: AREA, what, baseline: `Dense ${width}->${denseUnits} (equal params, ${trainableCount(dense)})`,
        value: kanMs, baselineValue: denseMs, unit: 'ms', maxRatio: v.maxRatio,
      }));
      rows.push(ratioRow({
        area: AREA, what, baseline: `Dense ${width}->${width} (same width)`,
        value: kanMs, baselineValue: sameWidthMs, unit: 'ms',
      }));
      rows.push(ratioRow({
        area: AREA, what: `${v.name} peak tensor memory, fwd+bwd, batch ${BATCH}, I=O=${width}`,
        baseline: `Dense ${width}->${denseUnits} (equal params)`,
        value: await peakMB(layer, x), baselineValue: await peakMB(dense, x), unit: 'MB',
      }));
      layer.weights.forEach(w => w.dispose()); // built, never applied: Layer.dispose() refuses
      dense.weights.forEach(w => w.dispose());
    }
    sameWidth.weights.forEach(w => w.dispose());
    tf.dispose([xSym, xPos]);
  } finally {
    if (previous != null) await tf.setBackend(previous);
  }
  return rows;
}
