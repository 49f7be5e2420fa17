import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import * as tfa from '../../src';
import {TemperatureSchedule, temperatureSchedule} from '../../src/callbacks/temperature_schedule';
import {MoE, moe} from '../../src/layers/moe';
import {expectClose} from '../helpers/close';
import {gradientCheck} from '../helpers/gradcheck';
import {runLayerSuite} from '../helpers/layer_suite';
import {expectNoLeak} from '../helpers/leaks';
import {registeredByPlainTfjs} from '../helpers/registry';
import {roundTrip} from '../helpers/roundtrip';
import {moeRef} from '../reference/seeds';
import {buildModel, mixtureTask} from '../../scripts/experiments/moe_mixture';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Weights of a built MoE as flat arrays, in its weight order. */
function weightsOf(layer: MoE): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  layer.weights.forEach((w, i) => {
    const name = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
    out[name] = layer.getWeights()[i].dataSync() as Float32Array;
  });
  return out;
}

/** Random non-zero weights (biases too) so every term of the formula matters. */
function randomise(layer: MoE, seed: number): void {
  layer.setWeights(
    layer
      .getWeights()
      .map((w, i) => (w.rank === 0 ? w.clone() : tf.randomNormal(w.shape, 0, 0.7, 'float32', seed + i))),
  );
}

/** Per-sample gate entropy in nats (float64). */
function meanEntropy(g: ArrayLike<number>, nE: number): number {
  let h = 0;
  const n = g.length / nE;
  for (let r = 0; r < n; r++)
    for (let e = 0; e < nE; e++) {
      const p = g[r * nE + e];
      if (p > 0) h -= p * Math.log(p);
    }
  return h / n;
}

describe('MoE', () => {
  it('is exported as tfa.layers.moe / tfa.layers.MoE', () => {
    expect(tfa.layers.moe).to.equal(moe);
    expect(tfa.layers.MoE).to.equal(MoE);
  });

  const cases = [
    {gate: 'softmax', expertUnits: null, tau: 0.7, topK: null, act: 'linear'},
    {gate: 'activation-softmax', expertUnits: null, tau: 0.3, topK: null, act: 'tanh'},
    {gate: 'activation-softmax', expertUnits: 5, tau: 1.3, topK: null, act: 'relu'},
    {gate: 'softmax', expertUnits: 3, tau: 0.5, topK: 2, act: 'tanh'},
  ] as const;
  for (const c of cases) {
    it(`matches the float64 formula: gate ${c.gate}, expertUnits ${c.expertUnits}, τ ${c.tau}, topK ${c.topK}, φ ${c.act}${c.topK ? ' @wasm' : ''}`, () => {
      const [n, nIn, nE, nOut] = [6, 3, 4, 2];
      const layer = moe({
        numExperts: nE,
        units: nOut,
        gate: c.gate,
        expertUnits: c.expertUnits,
        temperature: c.tau,
        topK: c.topK,
        expertActivation: c.act,
        seed: 3,
      });
      const x = tf.randomNormal([n, nIn], 0, 1, 'float32', 9);
      tf.tidy(() => layer.apply(x) as tf.Tensor);
      randomise(layer, 40);
      const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
      const w = weightsOf(layer);
      const phi = c.act === 'linear' ? (z: number) => z : c.act === 'tanh' ? Math.tanh : (z: number) => Math.max(0, z);
      const ref = moeRef(
        x.dataSync(),
        n,
        nIn,
        nE,
        c.expertUnits ?? nOut,
        nOut,
        {
          wg: w.gate_kernel,
          bg: w.gate_bias,
          k: w.expert_kernel,
          c: w.expert_bias,
          v: w.expert_out_kernel,
          d: w.expert_out_bias,
        },
        {tau: c.tau, sigma: c.gate === 'activation-softmax' ? sigmoid : undefined, phi, topK: c.topK ?? undefined},
      );
      // One matmul chain of ≤ 5 terms and a softmax in float32: rtol 1e-4.
      expectClose(y.dataSync(), ref.y, {rtol: 1e-4, atol: 1e-5}, 'y');
      const g = layer.gateProbabilities(x);
      expectClose(g.dataSync(), ref.gates, {rtol: 1e-4, atol: 1e-6}, 'gates');
      tf.dispose([x, y, g]);
    });
  }

  it('uses every gate in training even with topK (top-k is inference only)', () => {
    const layer = moe({numExperts: 4, units: 1, topK: 1, seed: 2});
    const x = tf.randomNormal([5, 2], 0, 1, 'float32', 1);
    const yInf = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const yTrain = tf.tidy(() => layer.apply(x, {training: true}) as tf.Tensor);
    const w = weightsOf(layer);
    const dense = moeRef(
      x.dataSync(),
      5,
      2,
      4,
      1,
      1,
      {wg: w.gate_kernel, bg: w.gate_bias, k: w.expert_kernel, c: w.expert_bias},
      {tau: 1, phi: z => z},
    );
    const top1 = moeRef(
      x.dataSync(),
      5,
      2,
      4,
      1,
      1,
      {wg: w.gate_kernel, bg: w.gate_bias, k: w.expert_kernel, c: w.expert_bias},
      {tau: 1, phi: z => z, topK: 1},
    );
    expectClose(yTrain.dataSync(), dense.y, {rtol: 1e-4, atol: 1e-6}, 'training output (dense gates)');
    expectClose(yInf.dataSync(), top1.y, {rtol: 1e-4, atol: 1e-6}, 'inference output (top-1)');
    tf.dispose([x, yInf, yTrain]);
  });

  it('agrees with central finite differences for inputs and all weights', () => {
    const layer = moe({
      numExperts: 3,
      units: 2,
      expertUnits: 3,
      expertActivation: 'tanh',
      gate: 'activation-softmax',
      gateActivation: 'tanh',
      seed: 5,
    });
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 6);
    expect(gradientCheck(layer, x).checked).to.be.greaterThan(60);
    x.dispose();
  });

  it('adds the Switch Transformer loss α·E·Σ f_k·P_k in training only', async () => {
    const layer = moe({numExperts: 4, units: 1, loadBalance: 0.5, seed: 7});
    const input = tf.input({shape: [2]});
    const model = tf.model({inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor});
    const x = tf.randomNormal([16, 2], 0, 1, 'float32', 2);
    tf.tidy(() => layer.apply(x, {training: true}) as tf.Tensor);
    const g = layer.gateProbabilities(x);
    const gd = g.dataSync();
    const f = [0, 0, 0, 0];
    const p = [0, 0, 0, 0];
    for (let r = 0; r < 16; r++) {
      let best = 0;
      for (let e = 0; e < 4; e++) {
        p[e] += gd[r * 4 + e] / 16;
        if (gd[r * 4 + e] > gd[r * 4 + best]) best = e;
      }
      f[best] += 1 / 16;
    }
    const expected = 0.5 * 4 * f.reduce((s, v, e) => s + v * p[e], 0);
    const aux = tf.tidy(() => {
      layer.apply(x, {training: true});
      return (layer.losses[0] as unknown as () => tf.Scalar)();
    });
    expect(aux.dataSync()[0]).to.be.closeTo(expected, 1e-5);
    // fit loss minus the plain MSE equals the auxiliary term
    model.compile({optimizer: tf.train.sgd(0), loss: 'meanSquaredError'});
    const y = tf.zeros([16, 1]);
    const h = await model.fit(x, y, {epochs: 1, batchSize: 16, verbose: 0});
    const mse = tf.tidy(() => tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor).dataSync()[0]);
    expect((h.history['loss'] as number[])[0] - mse).to.be.closeTo(expected, 1e-5);
    tf.dispose([x, g, aux, y]);
    model.dispose();
  });

  it('passes the layer suite (rank-3 input, expert MLPs)', async () => {
    await runLayerSuite({
      make: () =>
        moe({numExperts: 3, units: 4, expertUnits: 5, topK: 2, loadBalance: 0.01, gate: 'activation-softmax', seed: 1}),
      inputShape: [2, 6],
      outputShape: [2, 4],
      weights: {
        gate_kernel: [6, 3],
        gate_bias: [3],
        expert_kernel: [3, 6, 5],
        expert_bias: [3, 5],
        expert_out_kernel: [3, 5, 4],
        expert_out_bias: [3, 4],
        temperature: [],
      },
    });
  });

  it('round-trips through tfa.io.fileSystem with an annealed τ kept in the weights', async () => {
    const layer = moe({
      numExperts: 3,
      units: 2,
      gate: 'activation-softmax',
      gateActivation: 'tanh',
      topK: 2,
      temperature: 0.8,
      seed: 4,
    });
    const model = tf.sequential({layers: [tf.layers.dense({units: 3, inputShape: [4]}), layer]});
    layer.setTemperature(0.05);
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 2);
    const loaded = await roundTrip(model, x);
    const l2 = loaded.layers[1] as MoE;
    expect(l2).to.be.instanceOf(MoE);
    expect(l2.temperature).to.be.closeTo(0.05, 1e-7);
    expect(l2.getConfig()).to.include({gate: 'activation-softmax', gateActivation: 'tanh', topK: 2, numExperts: 3});
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('leaks no tensors over 100 fit steps with the load-balancing loss', async () => {
    const model = tf.sequential({
      layers: [
        moe({numExperts: 3, units: 2, inputShape: [4], loadBalance: 0.1, topK: 1, seed: 1}),
        tf.layers.dense({units: 1}),
      ],
    });
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 2);
    await expectNoLeak(async () => {
      await model.fit(x, y, {epochs: 1, batchSize: 16, verbose: 0});
      tf.tidy(() => {
        model.predict(x); // the top-k inference path
      });
    }, 100);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad hyperparameters with errors naming them', () => {
    expect(() => moe({numExperts: 0, units: 1})).to.throw(/numExperts.*0/);
    expect(() => moe({numExperts: 2, units: 1.5})).to.throw(/units.*1\.5/);
    expect(() => moe({numExperts: 2, units: 1, gate: 'sparse' as never})).to.throw(/gate.*sparse/);
    expect(() => moe({numExperts: 2, units: 1, gateActivation: 'swish' as never})).to.throw(/gateActivation.*swish/);
    expect(() => moe({numExperts: 2, units: 1, temperature: 0})).to.throw(/temperature.*0/);
    expect(() => moe({numExperts: 2, units: 1, topK: 3})).to.throw(/topK.*3/);
    expect(() => moe({numExperts: 2, units: 1, loadBalance: -1})).to.throw(/loadBalance.*-1/);
    const l = moe({numExperts: 2, units: 1});
    expect(() => l.setTemperature(1)).to.throw(/built/);
    l.build([null, 3]);
    expect(() => l.setTemperature(-2)).to.throw(/temperature.*-2/);
  });

  it('@slow beats a Dense net of equal parameter count on a mixture of 4 linear regressions (3 seeds, 200 epochs)', async function () {
    this.timeout(120000);
    // Data: a Gaussian MoE (4 linear experts, sharp softmax gate on x ∈ R², noise sd 0.1); models: MoE with 4
    // linear experts (24 trainable parameters) vs Dense 2-6-1 ReLU (25). Adam 0.02, full batch. Full numbers:
    // scripts/experiments/moe_mixture.ts and docs/guide/seeds.md.
    const test = (kind: 'dense' | 'moe-softmax', seed: number) => async () => {
      const train = mixtureTask(512, 100 + seed);
      const held = mixtureTask(1024, 900 + seed);
      const model = buildModel(kind, 10 * seed + 1);
      model.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
      await model.fit(train.x, train.y, {epochs: 200, batchSize: 512, verbose: 0});
      const mse = tf.tidy(() => tf.losses.meanSquaredError(held.y, model.predict(held.x) as tf.Tensor).dataSync()[0]);
      tf.dispose([train.x, train.y, held.x, held.y]);
      model.dispose();
      return mse;
    };
    const moeMse: number[] = [];
    const denseMse: number[] = [];
    for (const seed of [0, 1, 2]) {
      moeMse.push(await test('moe-softmax', seed)());
      denseMse.push(await test('dense', seed)());
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(moeMse), `MoE ${moeMse} vs Dense ${denseMse}`).to.be.lessThan(mean(denseMse));
  });

  it('registers a class name plain tfjs does not, mapped to this class', () => {
    expect(registeredByPlainTfjs(['MoE'])).to.deep.equal([]);
    expect(tf.serialization.SerializationMap.getMap().classNameMap['MoE'][0]).to.equal(MoE);
  });
});

describe('callbacks.temperatureSchedule', () => {
  it('is exported as tfa.callbacks.temperatureSchedule', () => {
    expect(tfa.callbacks.temperatureSchedule).to.equal(temperatureSchedule);
  });

  it('follows τ = from + (to−from)t (linear) and from·(to/from)^t (exponential), t = min(1, e/(epochs−1))', () => {
    const lin = temperatureSchedule({layer: 'm', from: 2, to: 0.5, epochs: 4, kind: 'linear'});
    expect([0, 1, 2, 3, 9].map(e => lin.temperatureAt(e))).to.deep.equal([2, 1.5, 1, 0.5, 0.5]);
    const ex = temperatureSchedule({layer: 'm', from: 1, to: 0.01, epochs: 3});
    // 1·0.01^(0/2) = 1, 0.01^(1/2) = 0.1, 0.01^1 = 0.01
    [1, 0.1, 0.01, 0.01].forEach((v, e) => expect(ex.temperatureAt(e)).to.be.closeTo(v, 1e-12));
  });

  it('anneals τ during fit to near one-hot gates: probe entropy falls from ~ln E to < 0.05 nats @wasm', async () => {
    const nE = 4;
    const layer = moe({
      numExperts: nE,
      units: 1,
      gate: 'activation-softmax',
      gateActivation: 'tanh',
      seed: 3,
      name: 'moe',
    });
    const model = tf.sequential({
      layers: [
        tf.layers.dense({units: 2, inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({seed: 1})}),
        layer,
      ],
    });
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([64, 2], 0, 1, 'float32', 5);
    const y = tf.abs(tf.sum(x, 1, true));
    const sched = temperatureSchedule({layer: 'moe', from: 1, to: 0.005, epochs: 6, probe: x});
    const h = await model.fit(x, y, {epochs: 6, batchSize: 64, verbose: 0, callbacks: [sched]});
    const ent = h.history['gate_entropy'] as number[];
    const temps = h.history['temperature'] as number[];
    expect(temps[0]).to.equal(1);
    expect(temps[5]).to.be.closeTo(0.005, 1e-12);
    expect(layer.temperature).to.be.closeTo(0.005, 1e-9);
    // tanh gate at τ = 1: logits in [−1, 1], so gates stay dense: entropy > 0.8·ln 4 = 1.11.
    expect(ent[0]).to.be.greaterThan(0.8 * Math.log(nE));
    // Independent check of the logged entropy from the gates themselves (float64).
    const hidden = tf.tidy(() => model.layers[0].apply(x) as tf.Tensor);
    const g = layer.gateProbabilities(hidden);
    expect(ent[5]).to.be.closeTo(meanEntropy(g.dataSync(), nE), 1e-4);
    expect(ent[5]).to.be.lessThan(0.05);
    const load = [0, 1, 2, 3].map(k => (h.history[`expert_load/${k}`] as number[])[5]);
    expect(load.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-6);
    expect((h.history['expert_load_max'] as number[])[5]).to.equal(Math.max(...load));
    tf.dispose([x, y, hidden, g]);
    model.dispose();
  });

  it('leaks no tensors over fits with a probe', async () => {
    const layer = moe({numExperts: 3, units: 1, inputShape: [2], seed: 1});
    const model = tf.sequential({layers: [layer]});
    model.compile({optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([8, 2], 0, 1, 'float32', 1);
    const y = tf.zeros([8, 1]);
    const cb = temperatureSchedule({layer, epochs: 3, probe: x});
    await expectNoLeak(() => model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [cb]}), 10);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad arguments and non-MoE layers with errors naming them', async () => {
    expect(() => temperatureSchedule({layer: 'm', epochs: 0})).to.throw(/epochs.*0/);
    expect(() => temperatureSchedule({layer: 'm', epochs: 2, to: 0})).to.throw(/to.*0/);
    expect(() => temperatureSchedule({layer: 'm', epochs: 2, kind: 'cosine' as never})).to.throw(/kind.*cosine/);
    expect(() => temperatureSchedule({layer: 3 as never, epochs: 2})).to.throw(/layer.*3/);
    const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2], name: 'd'})]});
    model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
    const x = tf.zeros([2, 2]);
    for (const [name, re] of [
      ['d', /MoE.*'d'.*Dense/],
      ['nope', /'nope'.*available/],
    ] as const) {
      let err: unknown = null;
      try {
        await model.fit(x, tf.zeros([2, 1]), {
          epochs: 1,
          verbose: 0,
          callbacks: [new TemperatureSchedule({layer: name, epochs: 2})],
        });
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(re);
    }
    x.dispose();
    model.dispose();
  });
});
