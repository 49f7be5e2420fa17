/**
 * `npx tsx scripts/experiments/moe_mixture.ts [--seeds 5] [--epochs 300]`:
 * the mixture-of-regressions comparison of docs/sections/seeds.md. Data: a
 * Gaussian MoE with 4 linear experts and a sharp softmax gate on x ∈ R²
 * (noise sd 0.1). Models of ~equal parameter count: MoE (4 linear experts,
 * softmax gate), MoE (activation-softmax gate), Dense 2-6-1 ReLU (25 params).
 * Adam 0.02, full batch, cpu. Prints test MSE mean ± sd over seeds and the
 * first epoch whose train MSE < --thr (default 0.1; noise floor 0.01).
 */
import * as tf from '@tensorflow/tfjs';

import * as tfa from '../../src';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** Samples from the true MoE: gates softmax(x·G/0.1), experts a_k·x + b_k. */
export function mixtureTask(n: number, seed: number): {x: tf.Tensor2D; y: tf.Tensor2D} {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 2], 0, 1, 'float32', seed) as tf.Tensor2D;
    const g = tf.tensor2d([
      [1, -1, 0.5, -0.5],
      [0.3, 0.6, -1, -0.2],
    ]);
    const gates = tf.softmax(tf.div(tf.matMul(x, g), 0.1));
    const a = tf.tensor2d([
      [2, -1.5, 0.5, -2],
      [1, 2, -2.5, 0.3],
    ]);
    const b = tf.tensor1d([0.5, -1, 1, 0]);
    const experts = tf.add(tf.matMul(x, a), b); // [n, 4]
    const noise = tf.randomNormal([n, 1], 0, 0.1, 'float32', seed + 1000);
    return {x, y: tf.add(tf.sum(tf.mul(gates, experts), 1, true), noise) as tf.Tensor2D};
  });
}

type Kind =
  'dense' | 'moe-softmax' | 'moe-activation' | 'moe-softmax-anneal' | 'moe-activation-anneal' | 'moe-act-tanh-anneal';

export function buildModel(kind: Kind, seed: number): tf.LayersModel {
  if (kind === 'dense') {
    return tf.sequential({
      layers: [
        tf.layers.dense({
          units: 6,
          activation: 'relu',
          inputShape: [2],
          kernelInitializer: tf.initializers.glorotUniform({seed}),
        }),
        tf.layers.dense({units: 1, kernelInitializer: tf.initializers.glorotUniform({seed: seed + 1})}),
      ],
    });
  }
  const gate = kind.startsWith('moe-softmax') ? 'softmax' : 'activation-softmax';
  const gateActivation = kind.includes('tanh') ? 'tanh' : 'sigmoid';
  const input = tf.input({shape: [2]});
  const out = tfa.layers
    .moe({numExperts: 4, units: 1, gate, gateActivation, seed, name: 'moe'})
    .apply(input) as tf.SymbolicTensor;
  return tf.model({inputs: input, outputs: out});
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const seeds = arg('seeds', 5);
  const epochs = arg('epochs', 300);
  const kinds: Kind[] = [
    'dense',
    'moe-softmax',
    'moe-activation',
    'moe-softmax-anneal',
    'moe-activation-anneal',
    'moe-act-tanh-anneal',
  ];
  const tauTo = arg('tau', 0.05);
  const thr = arg('thr', 0.1);
  const res: Record<string, {mse: number[]; hit: number[]; fin: number[]; params: number}> = {};
  for (const k of kinds) res[k] = {mse: [], hit: [], fin: [], params: 0};
  for (let s = 0; s < seeds; s++) {
    const train = mixtureTask(512, 100 + s);
    const test = mixtureTask(2048, 900 + s);
    for (const k of kinds) {
      const model = buildModel(k, 10 * s + 1);
      res[k].params = model.countParams() - (k === 'dense' ? 0 : 1); // minus the non-trainable τ
      model.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
      const callbacks = k.endsWith('anneal')
        ? [tfa.callbacks.temperatureSchedule({layer: 'moe', from: 1, to: tauTo, epochs: Math.round(epochs / 2)})]
        : [];
      const h = await model.fit(train.x, train.y, {epochs, batchSize: 512, verbose: 0, callbacks});
      const losses = h.history['loss'] as number[];
      const hit = losses.findIndex(l => l < thr);
      res[k].hit.push(hit < 0 ? Infinity : hit + 1);
      const mse = tf.tidy(() => tf.losses.meanSquaredError(test.y, model.predict(test.x) as tf.Tensor).dataSync()[0]);
      res[k].mse.push(mse);
      res[k].fin.push(losses[losses.length - 1]);
      model.dispose();
    }
    tf.dispose([train.x, train.y, test.x, test.y]);
  }
  const ms = (v: number[]) => {
    const f = v.filter(Number.isFinite);
    const m = f.reduce((a, b) => a + b, 0) / f.length;
    const sd = Math.sqrt(f.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, f.length - 1));
    return `${m.toFixed(4)} ± ${sd.toFixed(4)}${f.length < v.length ? ` (${v.length - f.length} never)` : ''}`;
  };
  console.log(`seeds ${seeds}, epochs ${epochs}, anneal τ 1 → ${tauTo} over the first half`);
  for (const k of kinds) {
    console.log(
      `${k.padEnd(22)} params ${res[k].params}  train ${ms(res[k].fin)} test MSE ${ms(res[k].mse)}  epochs to train MSE<thr ${ms(res[k].hit)}  raw ${res[k].hit.join(',')}`,
    );
  }
}

if (require.main === module) void main();
