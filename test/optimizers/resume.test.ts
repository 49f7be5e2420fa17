import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {fileSystem} from '../../src/io';
import {adamw, muon, schedules, spectra} from '../../src/optimizers';
import {tempDir} from '../helpers/roundtrip';

function makeModel(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({seed});
  return tf.sequential({
    layers: [
      tf.layers.dense({units: 8, activation: 'tanh', inputShape: [6], kernelInitializer: init(1)}),
      tf.layers.dense({units: 7, activation: 'tanh', kernelInitializer: init(2)}),
      tf.layers.dense({units: 3, name: 'Out_Layer', kernelInitializer: init(3)}),
    ],
  });
}

/** Embedding + LSTM + Dense: routes embeddings, fused gates and the head. */
function makeSeqModel(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({seed});
  return tf.sequential({
    layers: [
      tf.layers.embedding({
        inputDim: 10,
        outputDim: 4,
        inputLength: 6,
        name: 'Tok_Embed',
        embeddingsInitializer: tf.initializers.randomUniform({minval: -0.5, maxval: 0.5, seed: 4}),
      }),
      tf.layers.lstm({units: 3, name: 'Enc_LSTM', kernelInitializer: init(5), recurrentInitializer: init(6)}),
      tf.layers.dense({units: 3, name: 'Out_Layer', kernelInitializer: init(3)}),
    ],
  });
}

const OPTIMIZERS: Array<[string, () => tf.Optimizer]> = [
  [
    'AdamW',
    () => adamw({learningRate: schedules.linearWarmup({learningRate: 0.01, warmupSteps: 6}), weightDecay: 0.05}),
  ],
  // exclude: a name with '_' and capitals, which tfjs' config case conversion would mangle.
  [
    'Muon',
    () => muon({learningRate: 0.02, weightDecay: 0.01, exclude: ['Out_Layer/kernel'], adamw: {learningRate: 3e-3}}),
  ],
  [
    'Spectra',
    () =>
      spectra({
        learningRate: schedules.cosine({learningRate: 5e-3, decaySteps: 20, warmupSteps: 4}),
        clipScale: 'absolute',
        clipThreshold: 1,
        warmupSteps: 4,
        applyTo: 'all',
        preClipThreshold: 2,
      }),
  ],
];

// Issue 12 options on a sequence model: embeddings to AdamW, per-gate LSTM
// Newton–Schulz (inferred, and listed by name, which a reload renames),
// SPECTRA's default 'sqrt-fan' scale.
const SEQ_OPTIMIZERS: Array<[string, string, () => tf.Optimizer]> = [
  [
    'Muon',
    'fusedGates listed, embeddings to AdamW',
    () =>
      muon({
        learningRate: 0.02,
        exclude: ['Out_Layer/kernel'],
        excludeEmbeddings: true,
        splitFusedGates: false,
        fusedGates: [
          {name: 'Enc_LSTM/kernel', gates: 4},
          {name: 'Enc_LSTM/recurrent_kernel', gates: 4},
        ],
      }),
  ],
  [
    'Muon',
    'splitFusedGates inferred, embeddings on Muon',
    () => muon({learningRate: 0.02, excludeEmbeddings: false, splitFusedGates: true}),
  ],
  [
    'Spectra',
    "clipScale 'sqrt-fan', applyTo 'all'",
    () => spectra({learningRate: 5e-3, clipThreshold: 0.3, applyTo: 'all'}),
  ],
];

const CASES: Array<{name: string; label: string; make: () => tf.Optimizer; model: () => tf.Sequential; seq: boolean}> =
  [
    ...OPTIMIZERS.map(([name, make]) => ({name, label: name, make, model: makeModel, seq: false})),
    ...SEQ_OPTIMIZERS.map(([name, what, make]) => ({
      name,
      label: `${name} on Embedding+LSTM (${what})`,
      make,
      model: makeSeqModel,
      seq: true,
    })),
  ];

describe('optimizer resume', () => {
  for (const {name, label, make, model: makeModel, seq} of CASES) {
    it(`${label}: 3 epochs, save with the optimizer, reload, 2 more epochs equals 5 straight epochs (1e-6)${name === 'Muon' && !seq ? ' @wasm' : ''}`, async () => {
      const x = seq
        ? tf.floor(tf.randomUniform([24, 6], 0, 10, 'float32', 11))
        : tf.randomNormal([24, 6], 0, 1, 'float32', 11);
      const y = tf.randomNormal([24, 3], 0, 1, 'float32', 12);
      const fit = (m: tf.LayersModel, epochs: number) =>
        m.fit(x, y, {epochs, batchSize: 8, shuffle: false, verbose: 0});

      const straight = makeModel();
      const resumed = makeModel();
      resumed.setWeights(straight.getWeights());
      straight.compile({optimizer: make(), loss: 'meanSquaredError'});
      resumed.compile({optimizer: make(), loss: 'meanSquaredError'});
      await fit(straight, 5);
      await fit(resumed, 3);

      const dir = tempDir();
      await resumed.save(fileSystem(dir), {includeOptimizer: true});
      const loaded = await tf.loadLayersModel(fileSystem(path.join(dir, 'model.json')));
      fs.rmSync(dir, {recursive: true, force: true});
      expect(loaded.optimizer.getClassName()).to.equal(name);
      expect(loaded.optimizer.getConfig()).to.deep.equal(resumed.optimizer.getConfig());
      expect(loaded.optimizer.iterations).to.equal(9);
      // Same process: tfjs renamed the reloaded variables, e.g. Out_Layer/kernel_1.
      expect(loaded.trainableWeights.some(w => /_\d+$/.test(w.name))).to.equal(true);
      await fit(loaded, 2);

      expect(loaded.optimizer.iterations).to.equal(15);
      const a = straight.getWeights();
      const b = loaded.getWeights();
      a.forEach((w, i) => {
        const [p, q] = [w.dataSync(), b[i].dataSync()];
        let worst = 0;
        for (let j = 0; j < p.length; j++) worst = Math.max(worst, Math.abs(p[j] - q[j]));
        // Same float32 operations in the same order: 1e-6 (measured: 0).
        expect(worst, `weight ${i} (${straight.weights[i].name})`).to.be.at.most(1e-6);
      });
      // The reloaded optimizer's state is bound to the renamed variables, not duplicated.
      const stateNames = (await loaded.optimizer.getWeights()).map(w => w.name);
      expect(stateNames.length).to.equal((await straight.optimizer.getWeights()).length);
      tf.dispose([x, y]);
      for (const m of [straight, resumed, loaded]) {
        m.optimizer.dispose();
        m.dispose();
      }
    });
  }

  it('a resumed model without the restored state diverges (the test above can fail)', async () => {
    const x = tf.randomNormal([24, 6], 0, 1, 'float32', 11);
    const y = tf.randomNormal([24, 3], 0, 1, 'float32', 12);
    const straight = makeModel();
    const fresh = makeModel();
    fresh.setWeights(straight.getWeights());
    straight.compile({optimizer: muon({learningRate: 0.02}), loss: 'meanSquaredError'});
    fresh.compile({optimizer: muon({learningRate: 0.02}), loss: 'meanSquaredError'});
    await straight.fit(x, y, {epochs: 5, batchSize: 8, shuffle: false, verbose: 0});
    await fresh.fit(x, y, {epochs: 3, batchSize: 8, shuffle: false, verbose: 0});
    const dir = tempDir();
    await fresh.save(fileSystem(dir)); // weights only
    const loaded = await tf.loadLayersModel(fileSystem(path.join(dir, 'model.json')));
    fs.rmSync(dir, {recursive: true, force: true});
    loaded.compile({optimizer: muon({learningRate: 0.02}), loss: 'meanSquaredError'});
    await loaded.fit(x, y, {epochs: 2, batchSize: 8, shuffle: false, verbose: 0});
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(straight.getWeights()[0], loaded.getWeights()[0]))).dataSync()[0]);
    expect(diff).to.be.greaterThan(1e-4);
    tf.dispose([x, y]);
    for (const m of [straight, fresh, loaded]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });
});

describe('SlotOptimizer state binding', () => {
  it('binds restored state by name across tfjs renames, also for names that end in _<digits>', async () => {
    const mk = (names: string[]) => names.map((n, i) => tf.variable(tf.fill([2], i + 1), true, n));
    const saved = mk(['bind1/w_0', 'bind1/w_1', 'bind1/kernel']);
    const opt = adamw({learningRate: 0.1, weightDecay: 0});
    opt.applyGradients(saved.map((v, i) => ({name: v.name, tensor: tf.fill([2], i + 1)})));
    const state = await opt.getWeights();
    // As tfjs names them on a same-process reload, then on a reload of that reload.
    for (const names of [
      ['bind1/w_0_1', 'bind1/w_1_1', 'bind1/kernel_1'],
      ['bind1/w_0_2', 'bind1/w_1_2', 'bind1/kernel_2'],
    ]) {
      const live = mk(names);
      const restored = adamw({learningRate: 0.1, weightDecay: 0});
      await restored.setWeights(state);
      const grads = live.map(v => ({name: v.name, tensor: tf.zeros([2])}));
      restored.applyGradients(grads);
      const w = await restored.getWeights();
      // m of variable i was (1 − β₁)·(i+1) after one step and is β₁ times that now.
      names.forEach((n, i) => {
        const m = w.find(x => x.name === `${n}/m`)!.tensor.dataSync();
        expect(m[0], n).to.be.closeTo(0.9 * 0.1 * (i + 1), 1e-6);
      });
      tf.dispose([...live, ...grads.map(g => g.tensor)]);
      restored.dispose();
    }
    tf.dispose(saved);
    opt.dispose();
  });
});
