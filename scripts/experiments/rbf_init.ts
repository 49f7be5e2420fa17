// Issue 12 point 5: initial and early loss of a wide rbfKAN dropped in for a hidden Dense,
// fast-kan's spline scale 0.1 vs the 'glorot' scale, on (a) a regression and (b) a 784→512
// encoder of a Fashion-MNIST autoencoder. Run: heavy npx tsx scripts/experiments/rbf_init.ts (wasm; TFA_BACKEND=cpu for cpu)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as fs from 'fs';
import * as zlib from 'zlib';

import {rbfKAN} from '../../src/layers/kan/rbf';

type Hidden = 'dense' | 'rbf-0.1' | 'rbf-glorot';
function hidden(kind: Hidden, units: number, inDim: number, seed: number): tf.layers.Layer {
  if (kind === 'dense')
    return tf.layers.dense({
      units,
      activation: 'relu',
      inputShape: [inDim],
      kernelInitializer: tf.initializers.glorotUniform({seed}),
    });
  return rbfKAN({units, inputShape: [inDim], seed, splineInitScale: kind === 'rbf-0.1' ? 0.1 : 'glorot'});
}

function fashion(n: number): tf.Tensor2D {
  const buf = zlib.gunzipSync(fs.readFileSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz'));
  const px = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) px[i] = buf[16 + i] / 255;
  return tf.tensor2d(px, [n, 784]);
}

const QUICK = process.argv.includes('--quick'); // autoencoder initial loss only, 512 images, no training

/** Loss at init and after `epochs` of Adam 1e-3 (none when 0) for a model per seed. */
async function lossBeforeAfter(
  seeds: number[],
  makeModel: (seed: number) => tf.Sequential,
  data: {x: tf.Tensor; y: tf.Tensor; loss: string; epochs: number; batchSize: number},
): Promise<{init: number[]; after: number[]}> {
  const init: number[] = [];
  const after: number[] = [];
  for (const seed of seeds) {
    const m = makeModel(seed);
    m.compile({optimizer: tf.train.adam(1e-3), loss: data.loss});
    init.push((m.evaluate(data.x, data.y) as tf.Scalar).dataSync()[0]);
    if (data.epochs > 0) {
      const {epochs, batchSize} = data;
      const h = await m.fit(data.x, data.y, {epochs, batchSize, verbose: 0, shuffle: false});
      after.push(h.history.loss[epochs - 1] as number);
    }
    m.dispose();
  }
  return {init, after};
}

async function main(): Promise<void> {
  await tf.setBackend(process.env.TFA_BACKEND ?? 'wasm');
  const kinds: Hidden[] = ['dense', 'rbf-0.1', 'rbf-glorot'];
  const seeds = [1, 2, 3];
  const ms = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
    return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
  };
  const head = (units: number, seed: number, activation?: 'sigmoid') =>
    tf.layers.dense({units, activation, kernelInitializer: tf.initializers.glorotUniform({seed: seed + 100})});
  // (a) regression: 64 inputs → hidden 256 → 1, y = sin(x·w) smooth target of unit scale.
  if (!QUICK) {
    const x = tf.randomNormal([512, 64], 0, 1, 'float32', 7);
    const y = tf.tidy(() => tf.sin(tf.matMul(x, tf.randomNormal([64, 1], 0, 0.2, 'float32', 8))));
    for (const kind of kinds) {
      const model = (seed: number) => tf.sequential({layers: [hidden(kind, 256, 64, seed), head(1, seed)]});
      const data = {x, y, loss: 'meanSquaredError', epochs: 5, batchSize: 64};
      const {init, after} = await lossBeforeAfter(seeds, model, data);
      console.log(`regression 64→256→1  ${kind.padEnd(10)} initial MSE ${ms(init)}  after 5 epochs ${ms(after)}`);
    }
    tf.dispose([x, y]);
  }
  // (b) autoencoder 784 → 512 (hidden under test) → 784 sigmoid, BCE, Fashion-MNIST 1024 images.
  {
    const x = fashion(QUICK ? 512 : 1024);
    const epochs = QUICK ? 0 : 3;
    for (const kind of kinds) {
      const model = (seed: number) =>
        tf.sequential({layers: [hidden(kind, 512, 784, seed), head(784, seed, 'sigmoid')]});
      const data = {x, y: x, loss: 'binaryCrossentropy', epochs, batchSize: 128};
      const {init, after} = await lossBeforeAfter(seeds, model, data);
      console.log(
        `autoencoder 784→512→784 (${x.shape[0]} images) ${kind.padEnd(10)} initial BCE ${ms(init)}${epochs > 0 ? `  after ${epochs} epochs ${ms(after)}` : ''}`,
      );
    }
    x.dispose();
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
