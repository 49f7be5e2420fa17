/**
 * Shared pieces of the claim experiments (`npm run claims`): seeding, data,
 * training loops, statistics. Everything goes through the public API
 * (`src/index.ts`) and plain tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import {loadFashionMnist} from '../../data/fashion_mnist';
import {MnistArrays, mulberry32} from '../../data/mnist';
import * as tfa from '../../src';

export {tf, tfa};

/** mean ± sd summary of one metric over seeds (sd: sample standard deviation, n − 1). */
export interface Stat {
  mean: number;
  sd: number;
  values: number[];
}

/** One ledger row as stored in docs/claims.json. */
export interface ClaimRow {
  name: string;
  order: number;
  title: string;
  /** The paper's claim in one sentence, with its number and source. */
  claim: string;
  /** Our setup: data, model, parameters, epochs, optimizer, seeds. */
  setup: string;
  /** Our result, mean ± sd over seeds, in words and numbers. */
  result: string;
  verdict: Verdict;
  /** One sentence why. */
  why: string;
  metrics: Record<string, Stat>;
  seeds: number[];
  seconds: number;
  backend: string;
  patchedKernels: string[];
  date: string;
}

export type Verdict = 'replicates' | 'partially' | 'does not replicate at this scale';

/** What an experiment returns; the runner adds name, timing and backend. */
export type ClaimOutcome = Pick<ClaimRow, 'setup' | 'result' | 'verdict' | 'why' | 'metrics' | 'seeds'>;

/** One claim experiment (one file under scripts/claims/). */
export interface ClaimExperiment {
  name: string;
  order: number;
  title: string;
  claim: string;
  run(): Promise<ClaimOutcome>;
}

export const SEEDS = [1, 2, 3];

/** CLAIMS_SMOKE=1: tiny sizes to catch crashes quickly; results go to a temp file, never to docs/. */
export const SMOKE = process.env.CLAIMS_SMOKE === '1';

export function stat(values: number[]): Stat {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return {mean, sd, values};
}

/**
 * The ledger's rule for "a beats b": the mean margin exceeds the larger of the
 * two seed sds. `lowerIsBetter` for losses and errors.
 */
export function beats(a: Stat, b: Stat, lowerIsBetter = false): boolean {
  return (lowerIsBetter ? b.mean - a.mean : a.mean - b.mean) > Math.max(a.sd, b.sd);
}

/** `0.852 ± 0.004` (digits after the point). */
export function pm(s: Stat, digits = 3): string {
  return `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
}

/** Same in percent points: `85.2 ± 0.4 %`. */
export function pct(s: Stat, digits = 1): string {
  return `${(100 * s.mean).toFixed(digits)} ± ${(100 * s.sd).toFixed(digits)} %`;
}

/**
 * Seeds every source of randomness tfjs uses without an explicit seed:
 * initializers, dropout and `fit`'s shuffle all fall back to `Math.random`.
 */
export function seedEverything(seed: number): void {
  Math.random = mulberry32(seed * 7919 + 17);
}

/** wasm, with the library's kernel patch (`tfa.backend.patchWasm()`: fast matMul backward, conv backprop kernels). */
export async function setupBackend(): Promise<{backend: string; patched: string[]}> {
  if (!(await tf.setBackend('wasm'))) throw new Error('claims: the wasm backend failed to initialise');
  await tf.ready();
  const patched = tfa.backend.patchWasm();
  return {backend: tf.getBackend(), patched};
}

export interface ImageData {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  labelsTrain: Int32Array;
  xTest: tf.Tensor2D;
  yTest: tf.Tensor2D;
  labelsTest: Int32Array;
}

/** Tensors for arrays (x `[n, 784]`, one-hot y). */
export function tensors(part: MnistArrays): {x: tf.Tensor2D; y: tf.Tensor2D} {
  return tf.tidy(() => ({
    x: tf.tensor2d(part.x, [part.n, 784]),
    y: tf.oneHot(tf.tensor1d(part.y, 'int32'), 10).toFloat() as tf.Tensor2D,
  }));
}

/**
 * A fixed Fashion-MNIST subset whose test part is split into a clean
 * validation set (its first `val` images) and a test set (the next `test`):
 * tensors for both inputs and the validation one-hots, label arrays for both.
 * The caller disposes xVal, yVal and xTest.
 */
export function noisyLabelSplit(
  trainSize: number,
  val: number,
  test: number,
): {train: MnistArrays; xVal: tf.Tensor2D; yVal: tf.Tensor2D; xTest: tf.Tensor2D; lVal: Int32Array; lTest: Int32Array} {
  const {train, test: held} = loadFashionMnist({trainSize, testSize: val + test, seed: 0});
  const te = tensors(held);
  const split = {
    xVal: tf.slice(te.x, [0, 0], [val, 784]),
    yVal: tf.slice(te.y, [0, 0], [val, 10]),
    xTest: tf.slice(te.x, [val, 0], [test, 784]),
  };
  tf.dispose([te.x, te.y]);
  return {train, ...split, lVal: held.y.slice(0, val), lTest: held.y.slice(val)};
}

/** A fixed Fashion-MNIST subset (same for every seed; seeds change init and batch order). */
export function fashion(
  trainSize: number,
  testSize: number,
  opts: {labels?: Int32Array; symmetric?: boolean; pool?: boolean} = {},
): ImageData {
  const {train, test} = loadFashionMnist({trainSize, testSize, seed: 0});
  const y = opts.labels ?? train.y;
  const tr = tensors({...train, y});
  const te = tensors(test);
  if (opts.symmetric) {
    // Pixels mapped to [-1, 1] (x·2 − 1), the KAN grid range.
    const [a, b] = tf.tidy(() => [tf.sub(tf.mul(tr.x, 2), 1), tf.sub(tf.mul(te.x, 2), 1)]);
    tf.dispose([tr.x, te.x]);
    tr.x = a as tf.Tensor2D;
    te.x = b as tf.Tensor2D;
  }
  if (opts.pool) {
    // 2×2 average pooling: 14×14 = 196 inputs (for the heavier KAN layers).
    const pool = (x: tf.Tensor2D) =>
      tf.tidy(
        () =>
          tf.reshape(
            tf.avgPool(tf.reshape(x, [-1, 28, 28, 1]) as tf.Tensor4D, 2, 2, 'valid'),
            [-1, 196],
          ) as tf.Tensor2D,
      );
    const [a, b] = [pool(tr.x), pool(te.x)];
    tf.dispose([tr.x, te.x]);
    tr.x = a;
    te.x = b;
  }
  return {xTrain: tr.x, yTrain: tr.y, labelsTrain: y, xTest: te.x, yTest: te.y, labelsTest: test.y};
}

export function disposeData(d: ImageData): void {
  tf.dispose([d.xTrain, d.yTrain, d.xTest, d.yTest]);
}

/** Symmetric label noise: with probability `rate` a label becomes one of the 9 other classes. */
export function noisyLabels(y: Int32Array, rate: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const out = Int32Array.from(y);
  for (let i = 0; i < out.length; i++) {
    if (rand() < rate) {
      let c = Math.floor(rand() * 9);
      if (c >= out[i]) c++;
      out[i] = c;
    }
  }
  return out;
}

/** Accuracy of `model` on x against integer labels (batched predict). */
export async function accuracy(model: tf.LayersModel, x: tf.Tensor, labels: Int32Array): Promise<number> {
  const pred = tf.tidy(() => tf.argMax(model.predict(x, {batchSize: 500}) as tf.Tensor, -1));
  const p = await pred.data();
  pred.dispose();
  let ok = 0;
  for (let i = 0; i < labels.length; i++) if (p[i] === labels[i]) ok++;
  return ok / labels.length;
}

export const glorot = (seed: number) => tf.initializers.glorotUniform({seed});

/** Trains a classifier with categorical cross-entropy; returns test accuracy, seconds per epoch and the history. */
export async function trainClassifier(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  data: ImageData,
  opts: {epochs: number; batchSize?: number; callbacks?: Array<tf.Callback | tf.CustomCallback>},
): Promise<{acc: number; secPerEpoch: number; history: tf.History}> {
  model.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const t0 = Date.now();
  const history = await model.fit(data.xTrain, data.yTrain, {
    epochs: opts.epochs,
    batchSize: opts.batchSize ?? 64,
    shuffle: true,
    verbose: 0,
    callbacks: opts.callbacks as tf.Callback[] | undefined,
  });
  const secPerEpoch = (Date.now() - t0) / 1000 / opts.epochs;
  const acc = await accuracy(model, data.xTest, data.labelsTest);
  return {acc, secPerEpoch, history};
}

/** Trainable parameter count. */
export function paramCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((p, s) => p * s, 1), 0);
}

/** Logs one line to stderr (progress; stdout stays clean). */
export function log(msg: string): void {
  process.stderr.write(`[claims ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Frees a model and its optimizer. */
export function release(model: tf.LayersModel, opt?: tf.Optimizer): void {
  opt?.dispose();
  model.dispose();
}
