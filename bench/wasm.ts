/**
 * Stock vs patched tfjs-backend-wasm (tfa.backend.patchWasm, issue 11), on
 * the wasm backend, in the same run: Dense 784→640 forward+backward (batch
 * 256) against the sum of its three plain matMuls (the done-criterion:
 * patched Dense <= 1.5x that sum), Conv2D and Embedding+LSTM training steps
 * (stock: kernel missing), and one epoch of an MNIST MLP.
 *
 * Stock numbers come from undoing the patch (the internal `unpatchWasm()`)
 * and re-applying it afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import {loadMnist, toTensors} from '../data/mnist';
import {patchWasm, unpatchWasm, wasmPatched} from '../src/backend/patch_wasm';
import {ratioRow, timeIt, type BenchContext, type BenchRow} from './harness';

const AREA = 'wasm';

async function onBackend<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
}

/** Runs `fn` with the wasm kernels stock (`patched` false) or patched; restores the patch state. */
async function withPatch<T>(patched: boolean, fn: () => Promise<T>): Promise<T> {
  const was = wasmPatched();
  if (patched) patchWasm();
  else unpatchWasm();
  try {
    return await fn();
  } finally {
    if (was) patchWasm();
    else unpatchWasm();
  }
}

/** ms per call, or null when a kernel is missing (stock wasm). */
async function timeOrMissing(fn: () => Promise<unknown>, reps: number, warmup = 1): Promise<number | null> {
  try {
    return await timeIt(fn, {warmup, reps});
  } catch (e) {
    if (/not registered for backend/.test((e as Error).message)) return null;
    throw e;
  }
}

/** Dense 784→640 forward + backward (dX, dW, db) at batch 256; and its three plain matMuls. */
async function denseMs(reps: number): Promise<{dense: number; matMuls: number}> {
  const layer = tf.layers.dense({
    units: 640,
    inputShape: [784],
    kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
  });
  const x = tf.variable(tf.randomUniform([256, 784], -1, 1, 'float32', 2));
  const dy = tf.randomUniform([256, 640], -1, 1, 'float32', 3);
  layer.apply(x);
  const vars = [...layer.trainableWeights.map(w => (w as unknown as {val: tf.Variable}).val), x];
  const step = async () => {
    const {value, grads} = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, dy)) as tf.Scalar, vars);
    await Promise.all(Object.values(grads).map(g => g.data()));
    tf.dispose([value, ...Object.values(grads)]);
  };
  const w = vars[0];
  const wT = tf.transpose(w);
  const xT = tf.transpose(x);
  const plain = async () => {
    const outs = [tf.matMul(x, w), tf.matMul(dy, wT), tf.matMul(xT, dy)];
    await Promise.all(outs.map(o => o.data()));
    tf.dispose(outs);
  };
  try {
    const dense = await timeIt(step, {warmup: 2, reps});
    const matMuls = await timeIt(plain, {warmup: 2, reps});
    return {dense, matMuls};
  } finally {
    tf.dispose([x, dy, wT, xT]);
    layer.dispose();
  }
}

/** One training step (trainOnBatch) of `model` on (x, y). */
async function stepMs(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, reps: number): Promise<number | null> {
  return timeOrMissing(async () => {
    const loss = await model.trainOnBatch(x, y);
    return loss;
  }, reps);
}

function convModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({seed: 1}),
      }),
      tf.layers.maxPooling2d({poolSize: 2}),
      tf.layers.conv2d({
        filters: 32,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({seed: 2}),
      }),
      tf.layers.maxPooling2d({poolSize: 2}),
      tf.layers.flatten(),
      tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
    ],
  });
}

function embeddingLstmModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.embedding({
        inputDim: 2000,
        outputDim: 64,
        inputLength: 32,
        embeddingsInitializer: tf.initializers.randomUniform({minval: -0.05, maxval: 0.05, seed: 1}),
      }),
      tf.layers.lstm({
        units: 64,
        kernelInitializer: tf.initializers.glorotUniform({seed: 2}),
        recurrentInitializer: tf.initializers.orthogonal({seed: 3}),
      }),
      tf.layers.dense({units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({seed: 4})}),
    ],
  });
}

function mlpModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        units: 256,
        inputShape: [784],
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
      }),
      tf.layers.dense({units: 128, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
      tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
    ],
  });
}

/** Time of a training step of a fresh model from `build`, compiled with Adam. */
async function modelStepMs(
  build: () => tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  loss: string,
  reps: number,
): Promise<number | null> {
  const model = build();
  model.compile({optimizer: tf.train.adam(1e-3), loss});
  try {
    return await stepMs(model, x, y, reps);
  } finally {
    model.dispose();
  }
}

/** Wall time of one `fit` epoch of the MNIST MLP (batch 128) over `x`. */
async function mnistEpochMs(x: tf.Tensor, y: tf.Tensor, reps: number): Promise<number> {
  return timeIt(
    async () => {
      const model = mlpModel();
      model.compile({optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy'});
      await model.fit(x, y, {epochs: 1, batchSize: 128, shuffle: false, verbose: 0});
      model.dispose();
    },
    {warmup: 1, reps},
  );
}

const fmt = (v: number | null): string => (v == null ? 'n/a (kernel missing)' : `${v.toFixed(1)} ms`);

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const reps = ctx.quick ? 3 : 7;
  return onBackend('wasm', async () => {
    const rows: BenchRow[] = [];
    const say = (line: string) => console.log(`\n  [wasm] ${line}`);

    // Dense 784→640 fwd+bwd, batch 256.
    const stockDense = await withPatch(false, () => denseMs(reps));
    const patchedDense = await withPatch(true, () => denseMs(reps));
    say(
      `Dense 784→640 fwd+bwd: stock ${fmt(stockDense.dense)}, patched ${fmt(patchedDense.dense)} ` +
        `(speed-up ${(stockDense.dense / patchedDense.dense).toFixed(1)}x); its 3 plain matMuls ${fmt(patchedDense.matMuls)}`,
    );
    rows.push(
      ratioRow({
        area: AREA,
        what: 'Dense 784→640 fwd+bwd b256, patched',
        baseline: 'its 3 plain matMuls (same run)',
        value: patchedDense.dense,
        baselineValue: patchedDense.matMuls,
        unit: 'ms',
        maxRatio: 1.5,
      }),
      ratioRow({
        area: AREA,
        what: 'Dense 784→640 fwd+bwd b256, patched',
        baseline: 'stock wasm',
        value: patchedDense.dense,
        baselineValue: stockDense.dense,
        unit: 'ms',
        target: 'speed-up (info)',
      }),
    );

    // Conv2D and Embedding+LSTM training steps (stock: missing kernels); baseline the cpu backend.
    const conv = tf.tidy(() => ({
      x: tf.randomUniform([32, 28, 28, 1], 0, 1, 'float32', 5),
      y: tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 6), 10).toFloat(),
    }));
    const seq = tf.tidy(() => ({
      x: tf.randomUniform([32, 32], 0, 2000, 'int32', 7),
      y: tf.randomUniform([32, 1], 0, 1, 'float32', 8).round(),
    }));
    try {
      for (const [name, build, data, loss] of [
        ['Conv2D CNN (28x28x1, 16+32 filters) train step b32', convModel, conv, 'categoricalCrossentropy'],
        ['Embedding(2000x64)+LSTM(64) train step b32 len32', embeddingLstmModel, seq, 'binaryCrossentropy'],
      ] as const) {
        const stock = await withPatch(false, () => modelStepMs(build, data.x, data.y, loss, reps));
        const patched = await withPatch(true, () => modelStepMs(build, data.x, data.y, loss, reps));
        if (patched == null) throw new Error(`${name}: a kernel is missing even with the patch`);
        // The cpu backend gets its own copies of the inputs.
        const xv = data.x.arraySync();
        const yv = data.y.arraySync();
        const cpu = await onBackend('cpu', async () => {
          const x = tf.tensor(xv as number[], data.x.shape, data.x.dtype);
          const y = tf.tensor(yv as number[], data.y.shape);
          try {
            return await modelStepMs(build, x, y, loss, Math.max(2, Math.floor(reps / 2)));
          } finally {
            tf.dispose([x, y]);
          }
        });
        say(`${name}: stock ${fmt(stock)}, patched ${fmt(patched)}, cpu backend ${fmt(cpu)}`);
        rows.push(
          ratioRow({
            area: AREA,
            what: `${name}, patched (stock: ${stock == null ? 'n/a (kernel missing)' : `${stock.toFixed(1)} ms`})`,
            baseline: 'cpu backend',
            value: patched,
            baselineValue: cpu ?? NaN,
            unit: 'ms',
          }),
        );
      }
    } finally {
      tf.dispose([conv.x, conv.y, seq.x, seq.y]);
    }

    // One epoch of an MNIST MLP 784-256-128-10 (batch 128).
    const data = loadMnist({trainSize: ctx.quick ? 2000 : 7996, testSize: 0, seed: 1});
    const {x, y, labels} = toTensors(data.train);
    labels.dispose();
    try {
      const epochReps = ctx.quick ? 1 : 3;
      const stock = await withPatch(false, () => mnistEpochMs(x, y, epochReps));
      const patched = await withPatch(true, () => mnistEpochMs(x, y, epochReps));
      say(
        `MNIST MLP epoch (${x.shape[0]} digits): stock ${fmt(stock)}, patched ${fmt(patched)} (speed-up ${(stock / patched).toFixed(1)}x)`,
      );
      rows.push(
        ratioRow({
          area: AREA,
          what: `MNIST MLP 784-256-128-10 epoch (${x.shape[0]} digits, b128), patched`,
          baseline: 'stock wasm',
          value: patched,
          baselineValue: stock,
          unit: 'ms',
          target: 'speed-up (info)',
        }),
      );
    } finally {
      tf.dispose([x, y]);
    }
    return rows;
  });
}
