import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {CRReLU, CRReLUActivation, crrelu} from '../../src/layers/crrelu';
import {expectClose} from '../helpers/close';
import {gradientCheck} from '../helpers/gradcheck';
import {runLayerSuite} from '../helpers/layer_suite';
import {expectNoLeak} from '../helpers/leaks';
import {registeredByPlainTfjs} from '../helpers/registry';
import {roundTrip} from '../helpers/roundtrip';
import {crreluRef} from '../reference/layers';

/** Evenly spaced values in [lo, hi]. */
const grid = (n: number, lo: number, hi: number) => Array.from({length: n}, (_, i) => lo + ((hi - lo) * i) / (n - 1));

describe('CRReLU', () => {
  it('matches relu(x) + ε·x·exp(−x²/2) in float64 for ε = 0.3 on x in [-4, 4] @wasm', () => {
    const xs = grid(41, -4, 4);
    const layer = crrelu({epsilonInitializer: 0.3});
    const y = tf.tidy(() => layer.apply(tf.tensor2d(xs, [1, 41])) as tf.Tensor);
    // Elementwise float32 maths: rtol 1e-5, atol 1e-6.
    expectClose(
      y.dataSync(),
      xs.map(x => crreluRef(x, 0.3).y),
      {rtol: 1e-5, atol: 1e-6},
      'y',
    );
    expect(layer.getWeights()[0].shape).to.deep.equal([]);
    expect(layer.getWeights()[0].dataSync()[0]).to.be.closeTo(0.3, 1e-7);
    y.dispose();
  });

  it('initialises ε to 0.01 by default, as the EAFO re-implementations', () => {
    const layer = crrelu();
    layer.build([null, 3]);
    expect(layer.getWeights()[0].dataSync()[0]).to.be.closeTo(0.01, 1e-9);
  });

  it('has the analytic gradients ∂y/∂x = 1[x>0] + ε(1−x²)e^{−x²/2} and ∂y/∂ε = x·e^{−x²/2}', () => {
    const xs = grid(20, -3.1, 2.9); // no point at 0, the ReLU kink
    const layer = crrelu({epsilonInitializer: 0.7});
    const x = tf.tensor2d(xs, [4, 5]);
    const gx = tf.grad((t: tf.Tensor) => tf.sum(layer.apply(t) as tf.Tensor))(x);
    expectClose(
      gx.dataSync(),
      xs.map(v => crreluRef(v, 0.7).dx),
      {rtol: 1e-5, atol: 1e-6},
      'dy/dx',
    );
    const eps = layer.trainableWeights[0].read() as tf.Variable;
    const {grads, value} = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, [eps]);
    // A sum of 20 float32 terms: rtol 1e-5.
    expectClose(
      [grads[eps.name].dataSync()[0]],
      [xs.reduce((a, v) => a + crreluRef(v, 0.7).deps, 0)],
      {rtol: 1e-5},
      'dy/dε',
    );
    tf.dispose([x, gx, value, ...Object.values(grads)]);
  });

  it('agrees with central finite differences for inputs and ε', () => {
    const layer = crrelu({epsilonInitializer: 0.4});
    // Inputs away from 0 so the ±1e-3 probes never cross the kink.
    const x = tf.tidy(() => {
      const u = tf.randomUniform([3, 4], 0.2, 2.5, 'float32', 3);
      return tf.mul(u, tf.sign(tf.randomUniform([3, 4], -1, 1, 'float32', 4)));
    });
    const report = gradientCheck(layer, x);
    expect(report.checked).to.be.greaterThan(12);
    x.dispose();
  });

  it('gives a per-channel ε [1, 1, C] with sharedAxes [1, 2] on NHWC input (our extension)', () => {
    const layer = new CRReLU({sharedAxes: [1, 2]});
    const x = tf.randomNormal([2, 3, 4, 2], 0, 1.5, 'float32', 5);
    tf.tidy(() => layer.apply(x) as tf.Tensor);
    expect(layer.getWeights()[0].shape).to.deep.equal([1, 1, 2]);
    layer.setWeights([tf.tensor([0.2, -0.5], [1, 1, 2])]);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const xd = x.dataSync();
    expectClose(
      y.dataSync(),
      Array.from(xd, (v, i) => crreluRef(v, i % 2 === 0 ? 0.2 : -0.5).y),
      {rtol: 1e-5, atol: 1e-6},
      'y',
    );
    tf.dispose([x, y]);
  });

  it('passes the layer suite (scalar ε and per-channel ε)', async () => {
    await runLayerSuite({
      make: () => crrelu(),
      inputShape: [5],
      outputShape: [5],
      weights: {epsilon: []},
      range: [-3, 3],
    });
    await runLayerSuite({
      make: () => crrelu({sharedAxes: 1}),
      inputShape: [4, 3],
      outputShape: [4, 3],
      weights: {epsilon: [1, 3]},
      range: [-3, 3],
    });
  });

  it("registers the activation string 'crrelu' (fixed ε = 0.01) for built-in layers @wasm", () => {
    const dense = tf.layers.dense({units: 3, activation: 'crrelu' as never, useBias: false, kernelInitializer: 'ones'});
    const xs = [
      [1.5, -0.25],
      [-2, 0.5],
    ];
    const y = tf.tidy(() => dense.apply(tf.tensor2d(xs)) as tf.Tensor);
    const pre = xs.map(r => r[0] + r[1]); // ones kernel: every unit sees x0 + x1
    expectClose(
      y.dataSync(),
      pre.flatMap(p => [p, p, p].map(v => crreluRef(v, 0.01).y)),
      {rtol: 1e-5, atol: 1e-7},
      'y',
    );
    y.dispose();
  });

  it('round-trips a model with the layer and the activation string through tfa.io.fileSystem', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({units: 4, inputShape: [3], activation: 'crrelu' as never}),
        crrelu({epsilonInitializer: tf.initializers.randomNormal({mean: 0, stddev: 0.1, seed: 2}), sharedAxes: [1]}),
      ],
    });
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 9);
    const loaded = await roundTrip(model, x);
    expect(loaded.layers[0].getConfig().activation).to.equal('crrelu');
    expect(loaded.layers[1].getConfig()).to.deep.include({sharedAxes: [1]});
    expect((loaded.layers[1].getConfig().epsilonInitializer as {className: string}).className).to.equal('RandomNormal');
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('leaks no tensors over 100 fit steps', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({units: 6, inputShape: [4], activation: 'crrelu' as never}),
        crrelu(),
        tf.layers.dense({units: 1}),
      ],
    });
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 2);
    await expectNoLeak(() => model.fit(x, y, {epochs: 1, batchSize: 16, verbose: 0}), 100);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad configurations with errors naming the argument and value', () => {
    expect(() => crrelu({epsilonInitializer: 'abc' as never})).to.throw(/epsilonInitializer.*'abc'/);
    expect(() => crrelu({epsilonInitializer: NaN})).to.throw(/epsilonInitializer.*NaN/);
    expect(() => crrelu({sharedAxes: 0})).to.throw(/sharedAxes.*0/);
    expect(() => crrelu({sharedAxes: [3]}).apply(tf.input({shape: [4, 2]}))).to.throw(/sharedAxes.*\[3\]/);
  });
  it('registers class names that plain tfjs does not, mapped to these classes', () => {
    expect(registeredByPlainTfjs(['CRReLU', 'crrelu'])).to.deep.equal([]);
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const [name, cls] of Object.entries({CRReLU: CRReLU, crrelu: CRReLUActivation} as Record<string, unknown>))
      expect(map[name][0]).to.equal(cls);
  });
});
