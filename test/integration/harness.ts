/**
 * Shared pieces of the integration suite (issue 12): the KAN variants that
 * replace a hidden Dense, the three optimizers, the callbacks used together,
 * and the checks every model kind must pass (finite and decreasing loss, no
 * leak, save → load identical, resume equal to uninterrupted training).
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {activationKurtosisMonitor, csvLogger, dseMonitor, weightSpectrumMonitor} from '../../src/callbacks';
import {afKAN, bsplineKAN, chebyshevKAN, fourierKAN, reluKAN, rbfKAN, selectableKAN} from '../../src/layers';
import {adamw, muon, spectra} from '../../src/optimizers';
import {tempDir} from '../helpers/roundtrip';

/** A hidden layer factory: a Dense (`'dense'`) or one of the KAN variants of the same width. */
export type Hidden = 'dense' | 'bspline' | 'rbf' | 'chebyshev' | 'fourier' | 'relu' | 'af' | 'selectable';
/** Rotated over the runs so each variant replaces a hidden Dense at least once. */
export const HIDDEN_ROTATION: Hidden[] = [
  'dense',
  'bspline',
  'rbf',
  'chebyshev',
  'fourier',
  'relu',
  'af',
  'selectable',
];

/** A hidden layer of `units` named `name` (Dense with `activation`, or a KAN layer, seeded). */
export function hiddenLayer(
  kind: Hidden,
  units: number,
  name: string,
  seed: number,
  activation: 'relu' | 'tanh' = 'relu',
): tf.layers.Layer {
  switch (kind) {
    case 'dense':
      return tf.layers.dense({units, activation, name, kernelInitializer: tf.initializers.glorotUniform({seed})});
    case 'bspline':
      return bsplineKAN({units, name, seed, gridSize: 4});
    case 'rbf':
      return rbfKAN({units, name, seed, numCenters: 6});
    case 'chebyshev':
      return chebyshevKAN({units, name, seed});
    case 'fourier':
      return fourierKAN({units, name, seed, gridSize: 3});
    case 'relu':
      return reluKAN({units, name, seed, gridSize: 3});
    case 'af':
      return afKAN({units, name, seed});
    case 'selectable':
      return selectableKAN({units, name, seed, bases: ['chebyshev', 'rbf']});
  }
}

export type OptName = 'adamw' | 'muon' | 'spectra';
export const OPTIMIZERS: OptName[] = ['adamw', 'muon', 'spectra'];

/**
 * The optimizer with its defaults, except the learning rate of the Adam-based two
 * (1e-2 instead of 1e-3, so that 4 epochs of 4 batches show a clear decrease);
 * Muon runs entirely on its defaults (lr 0.02, AdamW 1e-3 for what it excludes).
 */
export function makeOptimizer(name: OptName): tf.Optimizer {
  switch (name) {
    case 'adamw':
      return adamw({learningRate: 0.01});
    case 'muon':
      return muon();
    case 'spectra':
      return spectra({learningRate: 0.01});
  }
}

export interface CallbackSet {
  callbacks: tf.CustomCallbackArgs[] | tf.Callback[];
  csvFile: string;
}

/**
 * dseMonitor (defaults but σ), weightSpectrumMonitor, activationKurtosisMonitor,
 * csvLogger and tf earlyStopping, together.
 *
 * weightSpectrumMonitor runs with its defaults on every model: they cover RNN
 * gates, wrapped, nested and KAN kernels (issue 12 point 2).
 */
export function callbackSet(
  model: tf.LayersModel,
  probe: tf.Tensor | tf.Tensor[],
  kurtosisLayers: string[],
): CallbackSet {
  const csvFile = path.join(tempDir('tfa-int-'), 'log.csv');
  return {
    csvFile,
    callbacks: [
      dseMonitor({probe, sigma: 'median'}),
      weightSpectrumMonitor({warnings: false}),
      activationKurtosisMonitor({probe, layers: kurtosisLayers}),
      csvLogger({path: csvFile}),
      tf.callbacks.earlyStopping({monitor: 'loss', patience: 50}),
    ] as tf.Callback[],
  };
}

/** Asserts a loss curve is finite and ends below where it started. */
export function expectLearning(losses: number[], what: string): void {
  expect(losses.length, `${what}: epochs run`).to.be.greaterThan(1);
  for (const l of losses) expect(Number.isFinite(l), `${what}: loss ${l} finite`).to.equal(true);
  expect(
    losses[losses.length - 1],
    `${what}: loss ${losses.map(l => l.toPrecision(4)).join(' → ')} decreases`,
  ).to.be.lessThan(losses[0]);
}

/** Asserts the monitors wrote their keys and the CSV has one row per epoch. */
export function expectMonitored(history: tf.History, csvFile: string, kurtosisLayers: string[]): void {
  const h = history.history;
  const epochs = h.loss.length;
  expect(h.dse, 'dse recorded each epoch').to.have.length(epochs);
  for (const v of h.dse) expect(Number.isFinite(v as number), `dse ${v}`).to.equal(true);
  expect(h.alpha_mean, 'alpha_mean recorded each epoch').to.have.length(epochs);
  for (const name of kurtosisLayers) expect(h[`kurtosis/${name}`], `kurtosis/${name}`).to.have.length(epochs);
  const rows = fs.readFileSync(csvFile, 'utf8').trim().split('\n');
  expect(rows, 'csv header + one row per epoch').to.have.length(epochs + 1);
  expect(rows[0].split(',')).to.include.members(['epoch', 'loss', 'dse']);
}

/** All weights of a model as plain arrays (order of model.weights). */
export function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map(w => w.dataSync() as Float32Array);
}

/** Largest absolute difference between two weight lists (throws on a shape/count mismatch). */
export function maxWeightDiff(a: Float32Array[], b: Float32Array[]): number {
  expect(b.length, 'weight count').to.equal(a.length);
  let d = 0;
  a.forEach((w, i) => {
    expect(b[i].length, `weight ${i} size`).to.equal(w.length);
    for (let j = 0; j < w.length; j++) d = Math.max(d, Math.abs(w[j] - b[i][j]));
  });
  return d;
}

/** Saves with the optimizer into memory and loads back (same process: variables get `_1` suffixes). */
export async function saveAndLoad(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async a => {
      artifacts = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
    {includeOptimizer: true},
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}

/** Predictions of a model on x as flat arrays (one per output). */
export function predictions(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[]): Float32Array[] {
  const out = tf.tidy(() => [model.predict(x)].flat() as tf.Tensor[]);
  const data = out.map(t => t.dataSync() as Float32Array);
  tf.dispose(out);
  return data;
}

/** The tensor count must not grow between two runs of `fn` after a first warm-up run. */
export async function expectNoGrowth(fn: () => Promise<unknown>, what: string): Promise<void> {
  await fn();
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors, `${what}: tensors after a second run`).to.equal(before);
}
