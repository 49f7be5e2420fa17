/**
 * Issue 12 measurements: do the optimizers' defaults work as drop-ins?
 * Short runs on real MNIST (2000 training digits, fixed order, batch 64,
 * 3 epochs) of an MLP, an LSTM and a GRU over the 28 rows of each digit
 * (28 steps × 28 features), and a VAE built from encoder/decoder sub-models
 * trained with `optimizer.minimize` (as tfjs-examples/vae). Each run prints
 * one JSON line; `--summary` turns such lines into mean ± sd tables.
 *
 * Usage (long: wrap in `heavy`):
 *   tsx scripts/experiments/dropin_optimizers.ts --tasks mlp,lstm --opts adamw,spectra --seeds 0,1,2 [--backend wasm]
 *   tsx scripts/experiments/dropin_optimizers.ts --summary results.jsonl
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as fs from 'fs';

import {loadMnist} from '../../data/mnist';
import {patchWasm} from '../../src/backend/patch_wasm';
import {adamw, muon, muonExcludeDefaults, spectra} from '../../src/optimizers';

const EPOCHS = 3;
const BATCH = 64;
const TRAIN = 2000;

type Task = 'mlp' | 'lstm' | 'gru' | 'vae';

/** The optimizers compared, by label. */
const OPTIMIZERS: Record<string, (model: tf.LayersModel) => tf.Optimizer> = {
  adam: () => tf.train.adam(1e-3),
  adamw: () => adamw(),
  spectra: () => spectra(),
  'spectra-abs10': () => spectra({clipScale: 'absolute'}),
  'spectra-fan0.25': () => spectra({clipScale: 'sqrt-fan', clipThreshold: 0.25}),
  'spectra-fan0.5': () => spectra({clipScale: 'sqrt-fan', clipThreshold: 0.5}),
  'spectra-fan2': () => spectra({clipScale: 'sqrt-fan', clipThreshold: 2}),
  muon: model => muon({exclude: muonExcludeDefaults(model)}),
  'muon-split': model => muon({exclude: muonExcludeDefaults(model), splitFusedGates: true}),
  'muon-fused': model => muon({exclude: muonExcludeDefaults(model), splitFusedGates: false}),
};

function init(seed: number, k: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({seed: 1000 * seed + k});
}

function classifier(task: 'mlp' | 'lstm' | 'gru', seed: number): tf.LayersModel {
  if (task === 'mlp') {
    return tf.sequential({
      layers: [
        tf.layers.dense({units: 512, activation: 'relu', inputShape: [784], kernelInitializer: init(seed, 1)}),
        tf.layers.dense({units: 256, activation: 'relu', kernelInitializer: init(seed, 2)}),
        tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(seed, 3)}),
      ],
    });
  }
  const rnn = task === 'lstm' ? tf.layers.lstm : tf.layers.gru;
  return tf.sequential({
    layers: [
      rnn({
        units: 64,
        inputShape: [28, 28],
        kernelInitializer: init(seed, 1),
        recurrentInitializer: tf.initializers.orthogonal({seed: 1000 * seed + 2}),
      }),
      tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(seed, 3)}),
    ],
  });
}

/** z = μ + exp(½·logσ²)·ε with a per-call seed (deterministic runs). */
class BenchSampling extends tf.layers.Layer {
  static className = 'BenchVaeSampling';
  private calls = 0;
  constructor(private readonly seed: number) {
    super({});
  }
  override computeOutputShape(shapes: tf.Shape[]): tf.Shape {
    return shapes[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [mu, logVar] = inputs as tf.Tensor[];
    const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', this.seed * 100003 + this.calls++);
    return tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
  }
}

function vae(seed: number): {vae: tf.LayersModel; encoder: tf.LayersModel} {
  const latent = 16;
  const x = tf.input({shape: [784]});
  const h = tf.layers
    .dense({units: 512, activation: 'relu', kernelInitializer: init(seed, 1)})
    .apply(x) as tf.SymbolicTensor;
  const mu = tf.layers
    .dense({units: latent, name: `z_mean_${seed}`, kernelInitializer: init(seed, 2)})
    .apply(h) as tf.SymbolicTensor;
  const logVar = tf.layers
    .dense({units: latent, name: `z_log_var_${seed}`, kernelInitializer: init(seed, 3)})
    .apply(h) as tf.SymbolicTensor;
  const z = new BenchSampling(seed).apply([mu, logVar]) as tf.SymbolicTensor;
  const encoder = tf.model({inputs: x, outputs: [mu, logVar, z], name: `encoder_${seed}`});
  const zi = tf.input({shape: [latent]});
  const dh = tf.layers
    .dense({units: 512, activation: 'relu', kernelInitializer: init(seed, 4)})
    .apply(zi) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({units: 784, activation: 'sigmoid', kernelInitializer: init(seed, 5)})
    .apply(dh) as tf.SymbolicTensor;
  const decoder = tf.model({inputs: zi, outputs: out, name: `decoder_${seed}`});
  const vi = tf.input({shape: [784]});
  const [, , zz] = encoder.apply(vi) as tf.SymbolicTensor[];
  return {vae: tf.model({inputs: vi, outputs: decoder.apply(zz) as tf.SymbolicTensor, name: `vae_${seed}`}), encoder};
}

async function runClassifier(task: 'mlp' | 'lstm' | 'gru', opt: string, seed: number): Promise<number[]> {
  const data = loadMnist({trainSize: TRAIN, seed: 0}).train;
  const shape = task === 'mlp' ? [data.n, 784] : [data.n, 28, 28];
  const x = tf.tensor(data.x, shape);
  const y = tf.oneHot(tf.tensor1d(data.y, 'int32'), 10);
  const model = classifier(task, seed);
  const optimizer = OPTIMIZERS[opt](model);
  model.compile({optimizer, loss: 'categoricalCrossentropy'});
  const h = await model.fit(x, y, {epochs: EPOCHS, batchSize: BATCH, shuffle: false, verbose: 0});
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return h.history.loss as number[];
}

async function runVae(opt: string, seed: number): Promise<number[]> {
  const data = loadMnist({trainSize: TRAIN, seed: 0}).train;
  const x = tf.tensor2d(data.x, [data.n, 784]);
  const {vae: model, encoder} = vae(seed);
  // 'muon-subheads': the heads of both sub-models (z_mean, z_log_var and the decoder's output).
  const decoder = model.layers[model.layers.length - 1] as tf.LayersModel;
  const optimizer =
    opt === 'muon-subheads' ? muon({exclude: muonExcludeDefaults([encoder, decoder])}) : OPTIMIZERS[opt](model);
  const vars = model.trainableWeights.map(w => w.read() as tf.Variable);
  const losses: number[] = [];
  for (let e = 0; e < EPOCHS; e++) {
    let sum = 0;
    let batches = 0;
    for (let b = 0; b < data.n; b += BATCH) {
      const xb = tf.slice(x, [b, 0], [Math.min(BATCH, data.n - b), 784]);
      const cost = optimizer.minimize(
        () => {
          const [mu, logVar, z] = encoder.apply(xb) as tf.Tensor[];
          // The decoder is the vae's last layer; apply it to the same z.
          const recon = (model.layers[model.layers.length - 1] as tf.LayersModel).apply(z) as tf.Tensor;
          const p = tf.clipByValue(recon, 1e-7, 1 - 1e-7);
          const bce = tf.neg(tf.sum(tf.add(tf.mul(xb, tf.log(p)), tf.mul(tf.sub(1, xb), tf.log(tf.sub(1, p)))), -1));
          const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar))), -1));
          return tf.mean(tf.add(bce, kl)) as tf.Scalar;
        },
        true,
        vars,
      );
      sum += (await cost!.data())[0];
      batches++;
      tf.dispose([cost!, xb]);
    }
    losses.push(sum / batches);
  }
  x.dispose();
  optimizer.dispose();
  model.dispose();
  return losses;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

function summary(file: string): void {
  const rows = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(l => l.startsWith('{'))
    .map(l => JSON.parse(l) as {task: string; opt: string; seed: number; loss: number[]; seconds: number});
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const k = `${r.task}\t${r.opt}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  console.log('task\toptimizer\tn\tfinal loss mean ± sd\tfirst-epoch loss mean\ts/run');
  for (const [k, rs] of groups) {
    const fin = rs.map(r => r.loss[r.loss.length - 1]);
    const mean = fin.reduce((a, b) => a + b, 0) / fin.length;
    const sd = Math.sqrt(fin.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, fin.length - 1));
    const first = rs.reduce((a, r) => a + r.loss[0], 0) / rs.length;
    const secs = rs.reduce((a, r) => a + r.seconds, 0) / rs.length;
    console.log(`${k}\t${fin.length}\t${mean.toFixed(4)} ± ${sd.toFixed(4)}\t${first.toFixed(4)}\t${secs.toFixed(0)}`);
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--summary')) return summary(arg('summary', ''));
  await tf.setBackend(arg('backend', 'wasm'));
  await tf.ready();
  patchWasm(); // what tfa.backend.useFastest() does on wasm; a no-op on other backends
  const tasks = arg('tasks', 'mlp,lstm,gru,vae').split(',') as Task[];
  const opts = arg('opts', 'adamw,spectra').split(',');
  const seeds = arg('seeds', '0,1,2').split(',').map(Number);
  for (const task of tasks) {
    for (const seed of seeds) {
      for (const opt of opts) {
        if (OPTIMIZERS[opt] == null && opt !== 'muon-subheads') throw new Error(`unknown optimizer ${opt}`);
        const t0 = Date.now();
        const loss = task === 'vae' ? await runVae(opt, seed) : await runClassifier(task, opt, seed);
        console.log(
          JSON.stringify({task, opt, seed, loss, seconds: (Date.now() - t0) / 1000, backend: tf.getBackend()}),
        );
      }
    }
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
