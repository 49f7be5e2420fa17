import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {DeltaActivation, DeltaActivationArgs, deltaActivation} from '../../src/layers/delta_activation';
import {withBackend} from '../helpers/backends';
import {expectClose} from '../helpers/close';
import {runLayerSuite} from '../helpers/layer_suite';
import {expectNoLeak} from '../helpers/leaks';
import {registeredByPlainTfjs} from '../helpers/registry';
import {roundTrip} from '../helpers/roundtrip';
import {DeltaRefOptions, deltaBackwardRef, deltaForwardRef, deltaLossGradRef} from '../reference/layers';

/** A seeded LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}
function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = lcg(seed);
  return Float32Array.from({length: n}, () => scale * gauss(r));
}
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Builds a layer on `shape`, sets its weights, and returns it. */
function makeLayer(args: DeltaActivationArgs, shape: number[], threshold: number[], bias?: number[]): DeltaActivation {
  const layer = new DeltaActivation(args);
  layer.build(shape);
  const ws = [tf.tensor(threshold, layer.getWeights()[0].shape)];
  if (bias) ws.push(tf.tensor(bias));
  layer.setWeights(ws);
  tf.dispose(ws);
  return layer;
}

/** Frees a layer that was only used on concrete tensors (Layer.dispose needs a symbolic call). */
function release(layer: DeltaActivation): void {
  layer.resetStates();
  layer.resetTemporalDensity();
  layer.weights.forEach(w => w.dispose());
}

/** Reference options matching the layer arguments. */
function refOpts(args: DeltaActivationArgs, shape: number[], threshold: number[], bias?: number[]): DeltaRefOptions {
  return {
    shape,
    threshold,
    level: args.thresholdLevel ?? 'channel',
    bias: bias ?? null,
    activation: args.activation ?? null,
    integrate: args.integrate ?? false,
    output: args.output ?? 'value',
    sparsityRate: args.sparsityRate ?? 1,
    nOutputs: args.nOutputs ?? 1,
  };
}

describe('DeltaActivation', () => {
  // Forward: every mode against the float64 reference. Quantisation is
  // discontinuous, so the inputs are seeded and checked to sit away from
  // rounding ties; the values then agree to float32 rounding (atol 1e-5).
  const cases: Array<{title: string; args: DeltaActivationArgs; shape: number[]; theta: number[]; bias?: number[]}> = [
    {
      title: "channel thresholds (one negative raw value), output 'value'",
      args: {},
      shape: [2, 5, 3],
      theta: [0.3, -0.5, 0.2],
    },
    {
      title: "output 'delta' with a zero background frame",
      args: {output: 'delta'},
      shape: [2, 5, 3],
      theta: [0.3, 0.5, 0.2],
    },
    {
      title: "output 'delta-no-background' (first delta repeated)",
      args: {output: 'delta-no-background'},
      shape: [3, 4, 2],
      theta: [0.4, 0.25],
    },
    {
      title: 'neuron thresholds on rank-4 input [2,4,3,2]',
      args: {thresholdLevel: 'neuron'},
      shape: [2, 4, 3, 2],
      theta: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    },
    {
      title: 'a layer threshold with bias, relu and integrate',
      args: {thresholdLevel: 'layer', useBias: true, activation: 'relu', integrate: true},
      shape: [2, 6, 3],
      theta: [0.35],
      bias: [0.1, -0.2, 0.05],
    },
    {
      title: 'softmax before quantisation',
      args: {activation: 'softmax'},
      shape: [2, 3, 4],
      theta: [0.07, 0.11, 0.05, 0.13],
    },
  ];
  for (const c of cases) {
    it(`matches the float64 reference for ${c.title}${c.title.startsWith('channel') ? ' @wasm' : ''}`, () => {
      const xs = randn(size(c.shape), 11);
      const layer = makeLayer(c.args, c.shape, c.theta, c.bias);
      const ref = deltaForwardRef(xs, refOpts(c.args, c.shape, c.theta, c.bias));
      const y = tf.tidy(() => layer.apply(tf.tensor(xs, c.shape)) as tf.Tensor);
      expect(y.shape).to.deep.equal(c.shape);
      expectClose(y.dataSync(), ref.out, {rtol: 1e-5, atol: 1e-5}, 'y');
      y.dispose();
      release(layer);
    });
  }

  it('has the reference custom gradients: dy for x (straight-through) and −Σ dy·round(s/θ)·sign(θ_raw) for θ', () => {
    const shape = [2, 5, 3];
    const theta = [0.3, -0.45, 0.2];
    const bias = [0.05, -0.1, 0.2];
    const args: DeltaActivationArgs = {useBias: true, activation: 'relu', integrate: true};
    const xs = randn(size(shape), 5);
    const dy = randn(size(shape), 6);
    const layer = makeLayer(args, shape, theta, bias);
    const x = tf.tensor(xs, shape);
    const proj = tf.tensor(dy, shape);
    const f = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, proj)) as tf.Scalar;
    const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, proj)))(x);
    const vars = layer.trainableWeights.map(w => w.read() as tf.Variable);
    const {grads, value} = tf.variableGrads(f, vars);
    const ref = deltaBackwardRef(xs, refOpts(args, shape, theta, bias), dy);
    // Sums of ≤ 10 float32 products: rtol 1e-4.
    expectClose(gx.dataSync(), ref.dx, {rtol: 1e-4, atol: 1e-5}, 'dx');
    expectClose(grads[vars[0].name].dataSync(), ref.dThreshold, {rtol: 1e-4, atol: 1e-5}, 'dθ');
    expectClose(grads[vars[1].name].dataSync(), ref.dBias!, {rtol: 1e-4, atol: 1e-5}, 'dbias');
    tf.dispose([gx, x, proj, value, ...Object.values(grads)]);
    release(layer);
  });

  it('reduces the θ gradient to the neuron threshold shape on rank-4 input', () => {
    const shape = [2, 3, 2, 2];
    const theta = [0.2, 0.3, -0.25, 0.15];
    const args: DeltaActivationArgs = {thresholdLevel: 'neuron'};
    const xs = randn(size(shape), 8);
    const dy = randn(size(shape), 9);
    const layer = makeLayer(args, shape, theta);
    const x = tf.tensor(xs, shape);
    const proj = tf.tensor(dy, shape);
    const v = layer.trainableWeights[0].read() as tf.Variable;
    const {grads, value} = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, proj)) as tf.Scalar, [v]);
    expect(grads[v.name].shape).to.deep.equal([2, 2]);
    expectClose(
      grads[v.name].dataSync(),
      deltaBackwardRef(xs, refOpts(args, shape, theta), dy).dThreshold,
      {rtol: 1e-4, atol: 1e-5},
      'dθ',
    );
    tf.dispose([x, proj, value, ...Object.values(grads)]);
    release(layer);
  });

  it('adds sparsityRate·nOutputs·mean|y_t − y_{t+1}| only while training, with its gradient', () => {
    const shape = [2, 6, 3];
    const theta = [0.3, 0.2, 0.4];
    const args: DeltaActivationArgs = {sparsityRate: 0.7, nOutputs: 9};
    const xs = randn(size(shape), 21);
    const layer = makeLayer(args, shape, theta);
    const x = tf.tensor(xs, shape);
    const ref = deltaForwardRef(xs, refOpts(args, shape, theta));
    // Inference call: nothing pending.
    tf.tidy(() => layer.apply(x) as tf.Tensor);
    const none = layer.calculateLosses();
    expect(none[0].dataSync()[0]).to.equal(0);
    tf.dispose(none);
    // Training call: the loss value and its gradients (through the custom ones).
    const v = layer.trainableWeights[0].read() as tf.Variable;
    const {value, grads} = tf.variableGrads(() => {
      layer.apply(x, {training: true});
      return layer.calculateLosses()[0];
    }, [v]);
    expectClose([value.dataSync()[0]], [ref.loss], {rtol: 1e-5}, 'loss');
    const dy = deltaLossGradRef(ref.y, shape, 0.7, 9);
    const back = deltaBackwardRef(xs, refOpts(args, shape, theta), dy);
    expectClose(grads[v.name].dataSync(), back.dThreshold, {rtol: 1e-4, atol: 1e-6}, 'dθ of the loss');
    const gx = tf.grad((t: tf.Tensor) => {
      layer.apply(t, {training: true});
      return layer.calculateLosses()[0];
    })(x);
    expectClose(gx.dataSync(), back.dx, {rtol: 1e-4, atol: 1e-6}, 'dx of the loss');
    tf.dispose([x, value, gx, ...Object.values(grads)]);
    release(layer);
  });

  it('counts the loss of a shared layer once per call in fit (drain pattern)', async () => {
    const shape = [4, 3];
    const make = (rate: number) => {
      const delta = new DeltaActivation({sparsityRate: rate, thresholdInit: 0.25});
      const a = tf.input({shape});
      const b = tf.input({shape});
      const sum = tf.layers
        .add()
        .apply([delta.apply(a) as tf.SymbolicTensor, delta.apply(b) as tf.SymbolicTensor]) as tf.SymbolicTensor;
      const out = tf.layers.flatten().apply(sum) as tf.SymbolicTensor;
      const model = tf.model({inputs: [a, b], outputs: out});
      model.compile({optimizer: tf.train.sgd(0), loss: 'meanSquaredError'});
      return model;
    };
    const xa = randn(8 * 12, 31);
    const xb = randn(8 * 12, 32);
    const inputs = [tf.tensor(xa, [8, 4, 3]), tf.tensor(xb, [8, 4, 3])];
    const target = tf.zeros([8, 12]);
    const lossOf = async (rate: number) => {
      const model = make(rate);
      const h = await model.fit(inputs, target, {epochs: 1, batchSize: 8, verbose: 0});
      model.dispose();
      return h.history.loss[0] as number;
    };
    const base = await lossOf(0);
    const withLoss = await lossOf(2);
    const opts: DeltaRefOptions = {shape: [8, 4, 3], threshold: [0.25, 0.25, 0.25], level: 'channel', sparsityRate: 2};
    const expected = deltaForwardRef(xa, opts).loss + deltaForwardRef(xb, opts).loss;
    // The fit loss is a float32 mean plus the two layer losses: rtol 1e-5.
    expectClose([withLoss - base], [expected], {rtol: 1e-4, atol: 1e-5}, 'fit loss increase');
    tf.dispose([...inputs, target]);
  });

  it('measures temporal density count_nonzero(Δy)/numel(Δy) over predict calls', async () => {
    const shape = [3, 7, 4];
    const theta = [0.5, 0.3, 0.8, 0.2];
    const layer = makeLayer({}, shape, theta);
    expect(await layer.temporalDensity()).to.equal(null);
    const x1 = randn(size(shape), 41);
    const x2 = randn(size(shape), 42);
    const r1 = deltaForwardRef(x1, refOpts({}, shape, theta));
    const r2 = deltaForwardRef(x2, refOpts({}, shape, theta));
    tf.tidy(() => layer.apply(tf.tensor(x1, shape)) as tf.Tensor);
    expect(await layer.temporalDensity()).to.be.closeTo(r1.density, 1e-9);
    tf.tidy(() => layer.apply(tf.tensor(x2, shape)) as tf.Tensor);
    expect(await layer.temporalDensity()).to.be.closeTo((r1.density + r2.density) / 2, 1e-9);
    layer.resetTemporalDensity();
    expect(await layer.temporalDensity()).to.equal(null);
    release(layer);
  });

  it('streams frame by frame (stateful) exactly as it processes the whole sequence, and resets', async () => {
    const shape = [2, 6, 3];
    const theta = [0.3, 0.2, 0.4];
    const xs = randn(size(shape), 51);
    for (const output of ['value', 'delta', 'delta-no-background'] as const) {
      const args: DeltaActivationArgs = {output, integrate: true};
      const whole = deltaForwardRef(xs, refOpts(args, shape, theta));
      const layer = makeLayer({...args, stateful: true}, [2, 1, 3], theta);
      const x = tf.tensor(xs, shape);
      for (let pass = 0; pass < 2; pass++) {
        const frames: number[][] = [];
        for (let t = 0; t < 6; t++) {
          const y = tf.tidy(() => layer.apply(tf.slice(x, [0, t, 0], [2, 1, 3])) as tf.Tensor);
          frames.push(Array.from(y.dataSync()));
          y.dispose();
        }
        // Reassemble [B, T, C] from the per-frame [B, 1, C] outputs.
        const got = new Float64Array(size(shape));
        frames.forEach((f, t) => f.forEach((v, i) => (got[(Math.floor(i / 3) * 6 + t) * 3 + (i % 3)] = v)));
        const expected = Float64Array.from(whole.out);
        // A fresh stream cannot look ahead: 'delta-no-background' emits zeros at t = 0.
        if (output === 'delta-no-background')
          for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) expected[b * 18 + c] = 0;
        expectClose(got, expected, {rtol: 1e-5, atol: 1e-5}, `${output} pass ${pass}`);
        layer.resetStates();
      }
      x.dispose();
      release(layer);
    }
  });

  it('streams inside a stateful model: model.resetStates() restarts, density counts frame-to-frame changes', async () => {
    const theta = [0.3, 0.2, 0.4];
    const xs = randn(2 * 5 * 3, 61);
    const delta = new DeltaActivation({
      stateful: true,
      output: 'delta',
      thresholdInit: 0.3,
      batchInputShape: [2, 1, 3],
    });
    const model = tf.sequential({layers: [delta]});
    delta.setWeights([tf.tensor(theta)]);
    expect(model.stateful).to.equal(true);
    const x = tf.tensor(xs, [2, 5, 3]);
    const run = () => {
      const out: number[] = [];
      for (let t = 0; t < 5; t++) {
        const y = tf.tidy(() => model.predict(tf.slice(x, [0, t, 0], [2, 1, 3])) as tf.Tensor);
        out.push(...y.dataSync());
        y.dispose();
      }
      return out;
    };
    const first = run();
    model.resetStates();
    delta.resetTemporalDensity();
    const second = run();
    expect(second).to.deep.equal(first);
    const ref = deltaForwardRef(xs, {shape: [2, 5, 3], threshold: theta, level: 'channel'});
    expect(await delta.temporalDensity()).to.be.closeTo(ref.density, 1e-9);
    expect(() => tf.tidy(() => model.predict(tf.zeros([3, 1, 3])))).to.throw(/batch of 2 .* batch of 3/);
    x.dispose();
    model.dispose();
  });

  // Synthetic video-like task: 8 classes, each a fixed 12-d pattern whose
  // amplitude flickers slowly over T = 8 frames, plus i.i.d. frame noise
  // (σ 1.5). The same seeded model is trained with and without the sparsity
  // loss. Measured (wasm, 25 epochs): rate 0 → accuracy 0.973, density 0.739;
  // rate 1 → accuracy 0.969, density 0.431 (×0.58); mean |θ| 0.054 → 0.314.
  // Asserted with margins: density at most 0.75×, accuracy within 0.03,
  // mean |θ| more than doubled.
  it('lowers the measured temporal density on a video-like task at similar accuracy (wasm)', async () =>
    withBackend('wasm', async () => {
      const T = 8,
        F = 12,
        K = 8;
      const makeVideo = (n: number, seed: number) => {
        const r = lcg(seed);
        const protoR = lcg(12345);
        const protos = Array.from({length: K}, () => Array.from({length: F}, () => gauss(protoR)));
        const x = new Float32Array(n * T * F);
        const y = new Float32Array(n * K);
        for (let i = 0; i < n; i++) {
          const c = Math.floor(r() * K);
          y[i * K + c] = 1;
          const phase = r() * 2 * Math.PI;
          const amp = 0.5 + r();
          for (let t = 0; t < T; t++) {
            for (let f = 0; f < F; f++) {
              x[(i * T + t) * F + f] = amp * protos[c][f] * (1 + 0.2 * Math.sin(0.5 * t + phase + f)) + 1.5 * gauss(r);
            }
          }
        }
        return {x: tf.tensor3d(x, [n, T, F]), y: tf.tensor2d(y, [n, K])};
      };
      const train = makeVideo(256, 1);
      const test = makeVideo(256, 2);
      const run = async (rate: number) => {
        const delta = deltaActivation({sparsityRate: rate, thresholdInit: 0.1});
        const model = tf.sequential({
          layers: [
            tf.layers.dense({
              units: 16,
              activation: 'relu',
              inputShape: [T, F],
              kernelInitializer: tf.initializers.glorotUniform({seed: 3}),
            }),
            delta,
            tf.layers.globalAveragePooling1d({}),
            tf.layers.dense({
              units: K,
              activation: 'softmax',
              kernelInitializer: tf.initializers.glorotUniform({seed: 4}),
            }),
          ],
        });
        model.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
        await model.fit(train.x, train.y, {epochs: 25, batchSize: 32, verbose: 0, shuffle: false});
        delta.resetTemporalDensity();
        const ev = model.evaluate(test.x, test.y) as tf.Scalar[];
        const accuracy = (await ev[1].data())[0];
        const density = (await delta.temporalDensity())!;
        const theta = Array.from(delta.getWeights()[0].dataSync(), Math.abs);
        const meanTheta = theta.reduce((a, b) => a + b, 0) / theta.length;
        tf.dispose(ev);
        model.dispose();
        return {accuracy, density, meanTheta};
      };
      const dense = await run(0);
      const sparse = await run(1);
      expect(sparse.density, `density ${sparse.density} vs ${dense.density}`).to.be.below(0.75 * dense.density);
      expect(sparse.accuracy, `accuracy ${sparse.accuracy} vs ${dense.accuracy}`).to.be.above(dense.accuracy - 0.03);
      // The mechanism: the sign-flipped θ gradient makes the sparsity loss raise θ.
      expect(sparse.meanTheta, `mean |θ| ${sparse.meanTheta} vs ${dense.meanTheta}`).to.be.above(2 * dense.meanTheta);
      tf.dispose([train.x, train.y, test.x, test.y]);
    }));

  it('passes the layer suite (shapes, weights, save/load, one fit step) @wasm', async () => {
    await runLayerSuite({
      make: () => deltaActivation({thresholdInit: 0.2}),
      inputShape: [4, 3],
      outputShape: [4, 3],
      weights: {threshold: [3]},
    });
    await runLayerSuite({
      make: () =>
        deltaActivation({
          thresholdLevel: 'neuron',
          useBias: true,
          activation: 'relu',
          output: 'delta',
          thresholdInit: 0.2,
        }),
      inputShape: [5, 2, 3],
      outputShape: [5, 2, 3],
      weights: {threshold: [2, 3], bias: [3]},
    });
  });

  it('keeps θ out of training with thresholdTrainable false (still saved as a weight)', async () => {
    const delta = deltaActivation({thresholdTrainable: false, thresholdInit: 0.3});
    const model = tf.sequential({layers: [tf.layers.dense({units: 3, inputShape: [4, 2]}), delta]});
    expect(delta.trainableWeights).to.have.length(0);
    expect(delta.nonTrainableWeights.map(w => w.shape)).to.deep.equal([[3]]);
    model.compile({optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError'});
    const x = tf.tensor(randn(8 * 4 * 2, 91), [8, 4, 2]);
    const y = tf.tensor(randn(8 * 4 * 3, 92), [8, 4, 3]);
    await model.fit(x, y, {epochs: 2, verbose: 0});
    expect(Array.from(delta.getWeights()[0].dataSync())).to.deep.equal([
      0.30000001192092896, 0.30000001192092896, 0.30000001192092896,
    ]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('round-trips through tfa.io.fileSystem with hyphenated enum values intact', async () => {
    const delta = deltaActivation({
      output: 'delta-no-background',
      thresholdLevel: 'layer',
      integrate: true,
      sparsityRate: 0.01,
      nOutputs: 49,
    });
    const model = tf.sequential({layers: [tf.layers.dense({units: 3, inputShape: [4, 2]}), delta]});
    const x = tf.tensor(randn(2 * 4 * 2, 71), [2, 4, 2]);
    const loaded = await roundTrip(model, x);
    const cfg = loaded.layers[1].getConfig();
    expect(cfg.output).to.equal('delta-no-background');
    expect(cfg.thresholdLevel).to.equal('layer');
    expect(cfg.nOutputs).to.equal(49);
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('leaks no tensors over 100 fit steps with the loss on, nor over streaming predicts', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({units: 4, inputShape: [5, 3], kernelInitializer: tf.initializers.glorotUniform({seed: 1})}),
        deltaActivation({sparsityRate: 0.5, useBias: true}),
        tf.layers.globalAveragePooling1d({}),
        tf.layers.dense({units: 2}),
      ],
    });
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.tensor(randn(8 * 15, 81), [8, 5, 3]);
    const y = tf.zeros([8, 2]);
    await expectNoLeak(() => model.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0}), 100);
    // The delta layer is an intermediate here: tfjs keeps outputs of stateful layers, check nothing piles up.
    const stream = tf.sequential({
      layers: [
        deltaActivation({stateful: true, integrate: true, output: 'delta', batchInputShape: [8, 1, 3]}),
        tf.layers.dense({units: 2}),
      ],
    });
    const frame = tf.ones([8, 1, 3]);
    tf.dispose([stream.predict(frame) as tf.Tensor, stream.predict(frame) as tf.Tensor]); // first frames allocate the state and density counter
    await expectNoLeak(() => tf.dispose(stream.predict(frame) as tf.Tensor), 50);
    tf.dispose([x, y, frame]);
    model.dispose();
    stream.dispose();
  });

  it('rejects rank-2 input with an error naming the rank', () => {
    expect(() => deltaActivation().apply(tf.input({shape: [4]}))).to.throw(/rank >= 3.*got rank 2/);
    expect(() => tf.tidy(() => deltaActivation().apply(tf.zeros([2, 4])) as tf.Tensor)).to.throw(/got rank 2/);
  });

  it('rejects bad configurations with errors naming the argument and value', () => {
    expect(() => deltaActivation({thresholdLevel: 'channel-wise' as never})).to.throw(/thresholdLevel.*'channel-wise'/);
    expect(() => deltaActivation({thresholdInit: 0})).to.throw(/thresholdInit.*0/);
    expect(() => deltaActivation({sparsityRate: -1})).to.throw(/sparsityRate.*-1/);
    expect(() => deltaActivation({nOutputs: 0})).to.throw(/nOutputs.*0/);
    expect(() => deltaActivation({output: 'spikes' as never})).to.throw(/output.*'spikes'/);
    expect(() => deltaActivation({activation: 'tanh' as never})).to.throw(/activation.*'tanh'/);
    expect(() => deltaActivation({stateful: 'yes' as never})).to.throw(/stateful.*'yes'/);
    expect(() =>
      tf.tidy(() => deltaActivation({output: 'delta-no-background'}).apply(tf.zeros([2, 1, 3])) as tf.Tensor),
    ).to.throw(/time length.*1/);
  });
  it('registers class names that plain tfjs does not, mapped to these classes', () => {
    expect(registeredByPlainTfjs(['DeltaActivation'])).to.deep.equal([]);
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const [name, cls] of Object.entries({DeltaActivation} as Record<string, unknown>))
      expect(map[name][0]).to.equal(cls);
  });
});
