/**
 * cpu vs wasm on the two things every model here is made of: a matMul and a
 * Dense layer's forward+backward pass. Both backends are measured in the same
 * run; the ratio is wasm time / cpu time (below 1 means wasm is faster).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import {ratioRow, timeIt, type BenchContext, type BenchRow} from './harness';

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

async function matMulMs(n: number, reps: number): Promise<number> {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  try {
    return await timeIt(
      async () => {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      },
      {warmup: 1, reps},
    );
  } finally {
    tf.dispose([a, b]);
  }
}

async function denseStepMs(batch: number, reps: number): Promise<number> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 256,
        inputShape: [784],
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
      }),
      tf.layers.dense({units: 10, kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
    ],
  });
  const x = tf.randomUniform([batch, 784], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 4), 10).toFloat();
  const optimizer = tf.train.sgd(0.01);
  try {
    return await timeIt(
      async () => {
        const loss = optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
          true,
        );
        await loss?.data();
        loss?.dispose();
      },
      {warmup: 2, reps},
    );
  } finally {
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const reps = ctx.quick ? 3 : 7;
  const n = ctx.quick ? 256 : 512;
  const batch = 128;
  const rows: BenchRow[] = [];
  const mmCpu = await onBackend('cpu', () => matMulMs(n, reps));
  const mmWasm = await onBackend('wasm', () => matMulMs(n, reps));
  rows.push({
    ...ratioRow({
      area: 'backends',
      what: `wasm matMul ${n}x${n}`,
      baseline: 'cpu matMul',
      value: mmWasm,
      baselineValue: mmCpu,
      unit: 'ms',
    }),
    backend: 'wasm vs cpu',
  });
  const dCpu = await onBackend('cpu', () => denseStepMs(batch, reps));
  const dWasm = await onBackend('wasm', () => denseStepMs(batch, reps));
  rows.push({
    ...ratioRow({
      area: 'backends',
      what: `wasm Dense 784-256-10 fwd+bwd+SGD, batch ${batch}`,
      baseline: 'cpu, same step',
      value: dWasm,
      baselineValue: dCpu,
      unit: 'ms',
    }),
    backend: 'wasm vs cpu',
  });
  return rows;
}
