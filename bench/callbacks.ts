/**
 * Callback overhead (issue 7): the time each callback adds to one epoch of the
 * MNIST MLP (784-256-128-10, Adam, batch 128; 4000 training samples, quick:
 * 2000) with a 1000-sample probe, as a fraction of that epoch's time, on wasm.
 *
 * Measured as the median time of the callback's own per-epoch hook
 * (onEpochEnd; onEpochBegin for kanGridUpdate) after onTrainBegin, against
 * the median time of `model.fit(..., {epochs: 1})` without callbacks, in the
 * same run. spectralTruncation runs once (at train end), so its row is the
 * one-off `apply()` cost (train probe 1000, validation 500) against one epoch.
 * kanGridUpdate uses the same MLP with its first hidden layer replaced by a
 * BSplineKAN(64) (784 inputs), its epoch time as the baseline.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as os from 'os';
import * as path from 'path';

import {
  activationKurtosisMonitor,
  csvLogger,
  dseMonitor,
  kanGridUpdate,
  spectralTruncation,
  weightSpectrumMonitor,
} from '../src/callbacks';
import {bsplineKAN} from '../src/layers/kan/bspline';
import {loadMnist, toTensors} from '../data/mnist';
import {type BenchContext, type BenchRow, ratioRow, timeIt} from './harness';

function mlp(kan: boolean): tf.LayersModel {
  // Functional, so that the model is the one callbacks receive (a Sequential hands them its inner model).
  const init = (s: number) => tf.initializers.glorotUniform({seed: s});
  const input = tf.input({shape: [784]});
  const first = kan
    ? bsplineKAN({units: 64, seed: 1, name: 'kan1'})
    : tf.layers.dense({units: 256, activation: 'relu', kernelInitializer: init(1), name: 'fc1'});
  let h = first.apply(input) as tf.SymbolicTensor;
  h = tf.layers
    .dense({units: 128, activation: 'relu', kernelInitializer: init(2), name: 'fc2'})
    .apply(h) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({units: 10, activation: 'softmax', kernelInitializer: init(3), name: 'head'})
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({inputs: input, outputs: out});
  model.compile({optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  return model;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const previous = tf.getBackend();
  await tf.setBackend('wasm');
  await tf.ready();
  const rows: BenchRow[] = [];
  const {train, test} = loadMnist({trainSize: ctx.quick ? 2000 : 4000, testSize: 1500, seed: 3});
  const tr = toTensors(train);
  const te = toTensors(test);
  const probe = te.x.slice([0, 0], [1000, 784]);
  const probeLabels = te.labels.slice([0], [1000]);
  const xVal = te.x.slice([1000, 0], [500, 784]);
  const yVal = te.y.slice([1000, 0], [500, 10]);
  const trainProbe = tr.x.slice([0, 0], [1000, 784]);
  const reps = ctx.quick ? 1 : 3;
  const baseline = `one epoch of fit, ${train.n} samples`;
  try {
    const model = mlp(false);
    await model.fit(tr.x, tr.y, {epochs: 2, batchSize: 128, verbose: 0}); // warm up and move off the init
    const epoch = await timeIt(() => model.fit(tr.x, tr.y, {epochs: 1, batchSize: 128, verbose: 0}), {warmup: 0, reps});
    const cases: Array<{what: string; cb: tf.Callback; hook?: 'begin' | 'end'}> = [
      {what: 'dseMonitor (probe 1000, sigma 10, with dsmi)', cb: dseMonitor({probe, labels: probeLabels})},
      {what: 'dseMonitor (probe 1000, no labels)', cb: dseMonitor({probe})},
      {what: "dseMonitor (probe 1000, no labels, method 'lanczos')", cb: dseMonitor({probe, method: 'lanczos'})},
      {what: 'weightSpectrumMonitor (3 kernels)', cb: weightSpectrumMonitor({warnings: false})},
      {
        what: 'activationKurtosisMonitor (probe 1000, 2 layers)',
        cb: activationKurtosisMonitor({probe, layers: ['fc1', 'fc2']}),
      },
      {what: 'csvLogger', cb: csvLogger({path: path.join(os.tmpdir(), `tfa-bench-${process.pid}.csv`)})},
    ];
    for (const {what, cb} of cases) {
      cb.setModel(model);
      await cb.onTrainBegin();
      const t = await timeIt(() => cb.onEpochEnd(0, {loss: 1}), {warmup: 1, reps});
      await cb.onTrainEnd();
      rows.push(
        ratioRow({area: 'callbacks', what: `${what} per epoch`, baseline, value: t, baselineValue: epoch, unit: 'ms'}),
      );
    }
    // spectralTruncation: one-off, on a copy so the timed model is not changed between repetitions.
    const cut = spectralTruncation({trainProbe, validation: [xVal, yVal], at: 'manual'});
    const tCut = await timeIt(
      async () => {
        const copy = mlp(false);
        copy.setWeights(model.getWeights());
        await cut.apply(copy);
        copy.dispose();
      },
      {warmup: 0, reps},
    );
    rows.push(
      ratioRow({
        area: 'callbacks',
        what: 'spectralTruncation apply() once (D=128, scan 1..128)',
        baseline,
        value: tCut,
        baselineValue: epoch,
        unit: 'ms',
      }),
    );
    model.dispose();

    const kan = mlp(true);
    await kan.fit(tr.x, tr.y, {epochs: 1, batchSize: 128, verbose: 0});
    const kanEpoch = await timeIt(() => kan.fit(tr.x, tr.y, {epochs: 1, batchSize: 128, verbose: 0}), {
      warmup: 0,
      reps,
    });
    const grid = kanGridUpdate({data: probe});
    grid.setModel(kan);
    await grid.onTrainBegin();
    const tGrid = await timeIt(() => grid.onEpochBegin(0), {warmup: 0, reps});
    await grid.onTrainEnd();
    rows.push(
      ratioRow({
        area: 'callbacks',
        what: 'kanGridUpdate (data 1000, BSplineKAN 784->64) per update',
        baseline: `one epoch of fit (KAN variant), ${train.n} samples`,
        value: tGrid,
        baselineValue: kanEpoch,
        unit: 'ms',
      }),
    );
    kan.dispose();
  } finally {
    tf.dispose([tr.x, tr.y, tr.labels, te.x, te.y, te.labels, probe, probeLabels, xVal, yVal, trainProbe]);
    if (previous != null && previous !== 'wasm') await tf.setBackend(previous);
  }
  return rows;
}
