/**
 * Issue 6 benchmarks (wasm): per-step time of Adam, AdamW, Muon and SPECTRA
 * on the MLP 784-256-256-10 at batch 128 and 1024, as ratios to tfjs' Adam
 * measured in the same run; and Newton–Schulz throughput as a fraction of
 * plain matMul throughput on the same shapes.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import {newtonSchulz} from '../src/linalg';
import {adamw, muon, muonExcludeDefaults, spectra} from '../src/optimizers';
import {type BenchContext, type BenchRow, ratioRow, timeIt} from './harness';

const AREA = 'optimizers';

function mlp(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        units: 256,
        activation: 'relu',
        inputShape: [784],
        kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
      }),
      tf.layers.dense({units: 256, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
      tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
    ],
  });
}

/**
 * Median ms of one `trainOnBatch` step per optimizer. The optimizers are timed
 * in turn within each repetition, so load from other processes hits all alike.
 */
async function stepTimes(
  makers: Array<(model: tf.LayersModel) => tf.Optimizer>,
  batch: number,
  reps: number,
  warmup: number,
): Promise<number[]> {
  const x = tf.randomUniform([batch, 784], 0, 1, 'float32', 5);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 6), 10).toFloat());
  const runs = makers.map(make => {
    const model = mlp();
    const opt = make(model);
    model.compile({optimizer: opt, loss: 'categoricalCrossentropy'});
    return {model, opt};
  });
  const times: number[][] = runs.map(() => []);
  for (let r = -warmup; r < reps; r++) {
    for (let i = 0; i < runs.length; i++) {
      // trainOnBatch resolves after the loss is read: the step has finished.
      const ms = await timeIt(() => runs[i].model.trainOnBatch(x, y), {warmup: 0, reps: 1});
      if (r >= 0) times[i].push(ms);
    }
  }
  tf.dispose([x, y]);
  for (const {model, opt} of runs) {
    opt.dispose();
    model.dispose();
  }
  return times.map(median);
}

function median(v: number[]): number {
  return [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];
}

/** NS on an m×n matrix vs the same matMuls done plainly (3 per step: m×n·n×m, m×m·m×m, m×m·m×n). */
async function nsThroughput(m: number, n: number, reps: number): Promise<{ns: number; plain: number; gflop: number}> {
  const steps = 5;
  const gflop = (steps * (4 * m * m * n + 2 * m * m * m)) / 1e9;
  const g = tf.randomNormal([n, m], 0, 1, 'float32', 1) as tf.Tensor2D; // tfjs layout [fanIn, fanOut], tall
  const a = tf.randomNormal([m, n], 0, 1, 'float32', 2);
  const at = tf.randomNormal([n, m], 0, 1, 'float32', 3);
  const sq = tf.randomNormal([m, m], 0, 1, 'float32', 4);
  // The tidy bodies return nothing: tf.tidy walks a returned TypedArray
  // element by element looking for tensors (200 ms for 200k entries).
  const runNs = () =>
    tf.tidy(() => {
      newtonSchulz(g).dataSync();
    });
  const runPlain = () =>
    tf.tidy(() => {
      let acc = tf.zeros([m, m]);
      for (let t = 0; t < steps; t++) {
        acc = tf.add(acc, tf.matMul(a, at));
        acc = tf.add(acc, tf.matMul(sq, sq));
        acc = tf.add(acc, tf.sum(tf.matMul(sq, a)));
      }
      acc.dataSync();
    });
  // Interleaved, so that load from other processes hits both alike.
  runNs();
  runPlain();
  const tNs: number[] = [];
  const tPlain: number[] = [];
  for (let r = 0; r < reps; r++) {
    tNs.push(await timeIt(runNs, {warmup: 0, reps: 1}));
    tPlain.push(await timeIt(runPlain, {warmup: 0, reps: 1}));
  }
  const ns = median(tNs);
  const plain = median(tPlain);
  tf.dispose([g, a, at, sq]);
  return {ns, plain, gflop};
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const previous = tf.getBackend();
  await tf.setBackend('wasm');
  const rows: BenchRow[] = [];
  try {
    const reps = ctx.quick ? 3 : 5;
    const batches = ctx.quick ? [128] : [128, 1024];
    const optimizers: Array<[string, (model: tf.LayersModel) => tf.Optimizer]> = [
      ['AdamW', () => adamw()],
      ['Muon (hidden matrices)', model => muon({exclude: muonExcludeDefaults(model)})],
      ['SPECTRA', () => spectra()],
    ];
    for (const batch of batches) {
      const [adam, ...others] = await stepTimes(
        [() => tf.train.adam(1e-3), ...optimizers.map(([, make]) => make)],
        batch,
        reps,
        ctx.quick ? 1 : 2,
      );
      optimizers.forEach(([name], i) => {
        rows.push(
          ratioRow({
            area: AREA,
            what: `${name} train step, MLP 784-256-256-10, batch ${batch}`,
            baseline: 'tf.train.adam step',
            value: others[i],
            baselineValue: adam,
            unit: 'ms',
          }),
        );
      });
    }
    const shapes: Array<[number, number]> = ctx.quick
      ? [[256, 784]]
      : [
          [256, 784],
          [256, 256],
        ];
    for (const [m, n] of shapes) {
      const {ns, plain, gflop} = await nsThroughput(m, n, reps);
      rows.push(
        ratioRow({
          area: AREA,
          what: `newtonSchulz throughput, ${n}x${m} kernel (5 steps)`,
          baseline: 'the same matMuls done plainly',
          value: gflop / (ns / 1e3),
          baselineValue: gflop / (plain / 1e3),
          unit: 'GFLOP/s',
          minRatio: 0.6,
        }),
      );
    }
  } finally {
    await tf.setBackend(previous);
  }
  return rows;
}
