/** KAN/MLP model builders at a parameter budget, shared by the KAN rows. */
import {glorot, paramCount, tf, tfa} from './common';

export type KanKind =
  | 'bspline'
  | 'rbf'
  | 'chebyshev'
  | 'fourier'
  | 'relu'
  | 'af'
  | 'selectable'
  | 'selectable-bspline'
  | 'selectable-chebyshev'
  | 'selectable-rbf'
  | 'selectable-fourier';

/** One KAN layer of `units` outputs of the given kind (library defaults otherwise). */
export function kanLayer(kind: KanKind, units: number, inputShape?: number[]): tf.layers.Layer {
  const base = inputShape ? {units, inputShape} : {units};
  switch (kind) {
    case 'bspline':
      return tfa.layers.bsplineKAN(base);
    case 'rbf':
      return tfa.layers.rbfKAN(base);
    case 'chebyshev':
      return tfa.layers.chebyshevKAN(base);
    case 'fourier':
      return tfa.layers.fourierKAN(base);
    case 'relu':
      return tfa.layers.reluKAN(base);
    case 'af':
      return tfa.layers.afKAN(base);
    case 'selectable':
      return tfa.layers.selectableKAN(base);
    default:
      return tfa.layers.selectableKAN({...base, bases: [kind.slice('selectable-'.length) as 'bspline']});
  }
}

/** A two-layer KAN `[inputs, hidden, outputs]`, optional softmax head. */
export function kanModel(
  kind: KanKind,
  inputs: number,
  hidden: number,
  outputs: number,
  softmax: boolean,
): tf.Sequential {
  // LayerNorm between the two KAN layers: part of the library's MNIST recipe
  // (docs/sections/kan.md), it keeps the hidden activations inside the grid range.
  const layers = [kanLayer(kind, hidden, [inputs]), tf.layers.layerNormalization(), kanLayer(kind, outputs)];
  if (softmax) layers.push(tf.layers.activation({activation: 'softmax'}));
  return tf.sequential({layers});
}

/** An MLP `inputs → hidden×depth → outputs` with seeded Glorot kernels. */
export function mlpModel(
  inputs: number,
  hidden: number,
  outputs: number,
  opts: {depth?: number; activation?: string; softmax: boolean; seed: number},
): tf.Sequential {
  const act = (opts.activation ?? 'relu') as 'relu';
  const layers: tf.layers.Layer[] = [];
  for (let d = 0; d < (opts.depth ?? 1); d++) {
    layers.push(
      tf.layers.dense({
        units: hidden,
        activation: act,
        kernelInitializer: glorot(opts.seed + d),
        ...(d === 0 ? {inputShape: [inputs]} : {}),
      }),
    );
  }
  layers.push(
    tf.layers.dense({
      units: outputs,
      activation: opts.softmax ? 'softmax' : 'linear',
      kernelInitializer: glorot(opts.seed + 99),
    }),
  );
  return tf.sequential({layers});
}

/** The width whose model has the parameter count closest to `target` (models built and counted, then freed). */
export function widthFor(
  build: (h: number) => tf.LayersModel,
  target: number,
  maxWidth = 512,
): {width: number; params: number} {
  let best = {width: 2, params: 0, gap: Infinity};
  for (let h = 2; h <= maxWidth; h++) {
    const m = build(h);
    const p = paramCount(m);
    m.dispose();
    if (Math.abs(p - target) < best.gap) best = {width: h, params: p, gap: Math.abs(p - target)};
    if (p > target) break;
  }
  return {width: best.width, params: best.params};
}

/**
 * The symbolic-regression task of the KAN paper (Liu et al. 2024, eq. 2.1
 * example): f(x, y) = exp(sin(πx) + y²) on [-1, 1]², 1000 train / 1000 test
 * points from a seeded generator.
 */
export const EXP_SIN = (a: number, b: number) => Math.exp(Math.sin(Math.PI * a) + b * b);
/** The toy target of the library's KAN fitting tests: sin(πx)·exp(y). */
export const SIN_EXP = (a: number, b: number) => Math.sin(Math.PI * a) * Math.exp(b);

export function symbolicTask(
  seed: number,
  f: (a: number, b: number) => number = EXP_SIN,
  n = 1000,
): {xTrain: tf.Tensor2D; yTrain: tf.Tensor2D; xTest: tf.Tensor2D; yTest: tf.Tensor2D} {
  let s = seed >>> 0;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  const make = (n: number) => {
    const x = new Float32Array(2 * n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[2 * i] = r();
      x[2 * i + 1] = r();
      y[i] = f(x[2 * i], x[2 * i + 1]);
    }
    return {x: tf.tensor2d(x, [n, 2]), y: tf.tensor2d(y, [n, 1])};
  };
  const tr = make(n);
  const te = make(n);
  return {xTrain: tr.x, yTrain: tr.y, xTest: te.x, yTest: te.y};
}

/** Trains a regressor (MSE, Adam, full batch) and returns the test RMSE. */
export async function fitRegression(
  model: tf.LayersModel,
  task: ReturnType<typeof symbolicTask>,
  steps: number,
  lr: number,
): Promise<number> {
  return Math.sqrt(await fitRegressionMse(model, task, steps, lr));
}

/** Same, returning the test MSE. */
export async function fitRegressionMse(
  model: tf.LayersModel,
  task: ReturnType<typeof symbolicTask>,
  steps: number,
  lr: number,
): Promise<number> {
  const opt = tf.train.adam(lr);
  model.compile({optimizer: opt, loss: 'meanSquaredError'});
  await model.fit(task.xTrain, task.yTrain, {
    epochs: steps,
    batchSize: task.xTrain.shape[0],
    shuffle: false,
    verbose: 0,
  });
  const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(model.predict(task.xTest) as tf.Tensor, task.yTest))));
  const v = (await mse.data())[0];
  mse.dispose();
  opt.dispose();
  return v;
}
