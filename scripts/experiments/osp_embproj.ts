/**
 * `npx tsx scripts/experiments/osp_embproj.ts [--seeds 3] [--epochs 30] [--n 1024]`:
 * OSP's embedding projection on a tiny next-token model trained with Muon
 * (AdamW on the embedding and the head, as OSP does), cpu backend (the
 * Embedding gradient needs UnsortedSegmentSum, missing on stock wasm).
 * Data: a random bigram chain over V = 64 tokens with Zipf-skewed
 * transitions; windows of 8 tokens → the next token. Model:
 * Embedding(64, 32) → [EmbeddingProjection] → Flatten → Dense(64, relu,
 * 'hidden') → Dense(64, softmax). Excess kurtosis (activationKurtosisMonitor)
 * of the representation entering the network ('emb' or 'proj') and of
 * 'hidden', after training; mean ± sd over seeds.
 */
import * as tf from '@tensorflow/tfjs';

import * as tfa from '../../src';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** A seeded LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Windows `[n, T]` of a Zipf-skewed random bigram chain and their next tokens `[n, V]` one-hot. */
export function tokenTask(n: number, seed: number, vocab = 64, window = 8): {x: tf.Tensor2D; y: tf.Tensor2D} {
  const rand = lcg(seed);
  // Each token has 4 likely successors; successors are drawn Zipf-skewed (rank r with weight 1/r).
  const zipf = Array.from({length: vocab}, (_, r) => 1 / (r + 1));
  const z = zipf.reduce((a, b) => a + b, 0);
  const drawZipf = () => {
    let u = rand() * z;
    for (let r = 0; r < vocab; r++) {
      u -= zipf[r];
      if (u <= 0) return r;
    }
    return vocab - 1;
  };
  const next = Array.from({length: vocab}, () => Array.from({length: 4}, drawZipf));
  const seq: number[] = [drawZipf()];
  for (let i = 1; i < n + window; i++) seq.push(rand() < 0.9 ? next[seq[i - 1]][Math.floor(rand() * 4)] : drawZipf());
  const xs = new Float32Array(n * window);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < window; t++) xs[i * window + t] = seq[i + t];
    ys[i] = seq[i + window];
  }
  return tf.tidy(() => ({
    x: tf.tensor2d(xs, [n, window]),
    y: tf.oneHot(tf.tensor1d(ys, 'int32'), vocab) as tf.Tensor2D,
  }));
}

export function tokenModel(withProj: boolean, seed: number, vocab = 64, window = 8, dim = 32): tf.LayersModel {
  const layers: tf.layers.Layer[] = [
    tf.layers.embedding({
      inputDim: vocab,
      outputDim: dim,
      inputLength: window,
      name: 'emb',
      embeddingsInitializer: tf.initializers.randomNormal({stddev: 1, seed}),
    }),
  ];
  if (withProj) layers.push(tfa.layers.embeddingProjection({name: 'proj', seed: seed + 1}));
  layers.push(
    tf.layers.flatten(),
    tf.layers.dense({
      units: 64,
      activation: 'relu',
      name: 'hidden',
      kernelInitializer: tf.initializers.glorotUniform({seed: seed + 2}),
    }),
    tf.layers.dense({
      units: vocab,
      activation: 'softmax',
      name: 'head',
      kernelInitializer: tf.initializers.glorotUniform({seed: seed + 3}),
    }),
  );
  return tf.sequential({layers});
}

/** Trains with Muon (AdamW on embedding and head) and returns the kurtosis of the input representation and of 'hidden'. */
export async function trainAndMeasure(
  withProj: boolean,
  seed: number,
  epochs: number,
  n = 1024,
): Promise<{input: number; hidden: number; loss: number}> {
  const {x, y} = tokenTask(n, seed);
  const model = tokenModel(withProj, seed);
  const opt = tfa.optimizers.muon({
    learningRate: 0.02,
    exclude: tfa.optimizers.muonExcludeDefaults(model),
    adamw: {learningRate: 3e-3, weightDecay: 0},
  });
  model.compile({optimizer: opt, loss: 'categoricalCrossentropy'});
  const inputLayer = withProj ? 'proj' : 'emb';
  const mon = tfa.callbacks.activationKurtosisMonitor({probe: x, layers: [inputLayer, 'hidden'], every: epochs});
  const h = await model.fit(x, y, {epochs, batchSize: 128, verbose: 0, callbacks: [mon]});
  const last = (k: string) => (h.history[k] as number[]).slice(-1)[0]; // logged once, at the last epoch
  const out = {input: last(`kurtosis/${inputLayer}`), hidden: last('kurtosis/hidden'), loss: last('loss')};
  tf.dispose([x, y]);
  model.dispose();
  opt.dispose();
  return out;
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const seeds = arg('seeds', 3);
  const epochs = arg('epochs', 30);
  const rows: Record<string, {input: number[]; hidden: number[]; loss: number[]}> = {
    plain: {input: [], hidden: [], loss: []},
    proj: {input: [], hidden: [], loss: []},
  };
  for (let s = 0; s < seeds; s++) {
    for (const withProj of [false, true]) {
      const r = await trainAndMeasure(withProj, 10 * s + 1, epochs, arg('n', 1024));
      const row = rows[withProj ? 'proj' : 'plain'];
      row.input.push(r.input);
      row.hidden.push(r.hidden);
      row.loss.push(r.loss);
    }
  }
  const ms = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
    return `${m.toFixed(3)} ± ${sd.toFixed(3)} [${v.map(p => p.toFixed(2)).join(', ')}]`;
  };
  console.log(`seeds ${seeds}, epochs ${epochs}, n ${arg('n', 1024)}`);
  for (const k of ['plain', 'proj']) {
    console.log(
      `${k.padEnd(6)} input κ ${ms(rows[k].input)}  hidden κ ${ms(rows[k].hidden)}  loss ${ms(rows[k].loss)}`,
    );
  }
}

if (require.main === module) void main();
