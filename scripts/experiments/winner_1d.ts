/**
 * `npx tsx scripts/experiments/winner_1d.ts [--seeds 3] [--steps 300] [--width 64] [--n 1024]`:
 * SIREN vs WINNER (SIREN²) on a high-frequency-dominated 1-D signal, equal
 * steps, cpu. Network: sine(first, ω0=30) → sine → sine → dense(1), Adam 1e-3,
 * full batch. PSNR = 10·log10(range² / MSE), range = max − min of the target.
 */
import * as tf from '@tensorflow/tfjs';

import * as tfa from '../../src';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** x ∈ [−1, 1] (n samples) and a signal dominated by 150–400 rad/unit components plus a slow one. */
export function highFrequencySignal(n: number): {x: tf.Tensor2D; y: tf.Tensor2D} {
  return tf.tidy(() => {
    const t = tf.linspace(-1, 1, n);
    const y = tf.addN([
      tf.mul(0.3, tf.sin(tf.mul(t, 5))),
      tf.sin(tf.mul(t, 150)),
      tf.mul(0.8, tf.sin(tf.add(tf.mul(t, 260), 1))),
      tf.mul(0.6, tf.cos(tf.mul(t, 400))),
    ]);
    return {x: tf.reshape(t, [n, 1]) as tf.Tensor2D, y: tf.reshape(y, [n, 1]) as tf.Tensor2D};
  });
}

export function sirenModel(width: number, seed: number, target: tf.Tensor | null): tf.LayersModel {
  const init = (isFirst: boolean, s: number) =>
    target == null ? undefined : tfa.initializers.winner({target, isFirst, seed: s});
  return tf.sequential({
    layers: [
      tfa.layers.sine({units: width, isFirst: true, inputShape: [1], seed, kernelInitializer: init(true, seed + 100)}),
      tfa.layers.sine({units: width, seed: seed + 2, kernelInitializer: init(false, seed + 200)}),
      tfa.layers.sine({units: width, seed: seed + 4}),
      tf.layers.dense({units: 1, kernelInitializer: tf.initializers.glorotUniform({seed: seed + 6})}),
    ],
  });
}

/** PSNR of the model on (x, y): 10·log10(range²/MSE). */
export function psnr(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => {
    const mse = tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor).dataSync()[0];
    const range = tf.sub(tf.max(y), tf.min(y)).dataSync()[0];
    return 10 * Math.log10((range * range) / mse);
  });
}

export async function psnrAfter(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  steps: number,
  lr = 1e-3,
): Promise<number> {
  model.compile({optimizer: tf.train.adam(lr), loss: 'meanSquaredError'});
  await model.fit(x, y, {epochs: steps, batchSize: x.shape[0], verbose: 0});
  return psnr(model, x, y);
}

async function main(): Promise<void> {
  await tf.setBackend(process.argv.includes('--wasm') ? 'wasm' : 'cpu');
  const seeds = arg('seeds', 3);
  const steps = arg('steps', 300);
  const width = arg('width', 64);
  const n = arg('n', 1024);
  const {x, y} = highFrequencySignal(n);
  const psi = tfa.initializers.spectralCentroid(tf.reshape(y, [-1]));
  const res: Record<string, number[]> = {siren: [], winner: [], sirenMid: [], winnerMid: []};
  // Held-out midpoints between the training samples (interpolation, not what the paper reports).
  const mid = tf.tidy(() => {
    const full = highFrequencySignal(2 * n - 1);
    const idx = tf.range(1, 2 * n - 1, 2, 'int32');
    return {x: tf.gather(full.x, idx), y: tf.gather(full.y, idx)};
  });
  for (let s = 0; s < seeds; s++) {
    for (const kind of ['siren', 'winner'] as const) {
      const model = sirenModel(width, 10 * s + 1, kind === 'winner' ? tf.reshape(y, [-1]) : null);
      res[kind].push(await psnrAfter(model, x, y, steps));
      res[`${kind}Mid`].push(psnr(model, mid.x, mid.y));
      model.dispose();
    }
  }
  const ms = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
    return `${m.toFixed(2)} ± ${sd.toFixed(2)} dB  [${v.map(p => p.toFixed(1)).join(', ')}]`;
  };
  console.log(`n ${n}, width ${width}, steps ${steps}, seeds ${seeds}, ψ ${psi.toFixed(4)}`);
  console.log(`SIREN  PSNR ${ms(res.siren)}`);
  console.log(`WINNER PSNR ${ms(res.winner)}`);
  console.log(`held-out midpoints: SIREN ${ms(res.sirenMid)}; WINNER ${ms(res.winnerMid)}`);
}

if (require.main === module) void main();
