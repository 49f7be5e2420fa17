import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {ChebyshevKAN, chebyshevKAN} from '../../../src/layers/kan/chebyshev';
import {withBackend} from '../../helpers/backends';
import {expectClose} from '../../helpers/close';
import {gradientCheck} from '../../helpers/gradcheck';
import {runLayerSuite, trainableParamCount} from '../../helpers/layer_suite';
import {registeredByPlainTfjs} from '../../helpers/registry';
import {roundTrip} from '../../helpers/roundtrip';
import {expectNoLeak} from '../../helpers/leaks';
import {chebyKanForward} from '../../reference/kan';

const rand = (shape: number[], lo: number, hi: number, seed: number) =>
  tf.randomUniform(shape, lo, hi, 'float32', seed);
const kernelOf = (layer: tf.layers.Layer) => layer.weights[0].read().arraySync() as number[][][];

describe('ChebyshevKAN', () => {
  for (const [inDim, units, degree] of [
    [3, 5, 4],
    [5, 3, 0],
    [2, 2, 7],
  ] as Array<[number, number, number]>) {
    it(`matches the float64 ChebyKAN forward (cos·acos form) to 1e-5 for I=${inDim}, O=${units}, D=${degree} @wasm`, () => {
      const layer = chebyshevKAN({units, degree});
      const x = rand([6, inDim], -3, 3, 5);
      layer.apply(x);
      layer.weights[0].write(rand(layer.weights[0].shape as number[], -1, 1, 6));
      const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][];
      const want = chebyKanForward(x.arraySync() as number[][], kernelOf(layer), degree);
      // Recurrence in float32 vs the reference's closed form in float64: rtol 1e-5, atol 1e-5.
      expectClose(y.flat(), want.flat(), {rtol: 1e-5, atol: 1e-5}, 'y');
      x.dispose();
    });
  }

  it('initialises cheby_kernel ~ N(0, (1/(I·(D+1)))²) as the reference', () => {
    const layer = chebyshevKAN({units: 64, degree: 3, seed: 1});
    layer.apply(tf.zeros([1, 32]));
    const v = kernelOf(layer).flat(2);
    const std = Math.sqrt(v.reduce((p, q) => p + q * q, 0) / v.length);
    expect(std).to.be.closeTo(1 / 128, (1 / 128) * 0.03); // 8192 samples: relative std error ≈ 0.8%
  });

  it('has finite outputs and gradients for saturated inputs (|x| = 30, tanh = ±1 in float32)', () => {
    const layer = chebyshevKAN({units: 2, degree: 5, seed: 1});
    const x = tf.tensor2d([
      [30, -30],
      [0.5, 12],
    ]);
    const g = tf.grad(t => tf.sum(layer.apply(t) as tf.Tensor))(x);
    for (const v of g.dataSync()) expect(Number.isFinite(v)).to.equal(true);
    tf.dispose([x, g]);
  });

  it('has gradients matching finite differences for inputs and weights', () => {
    const layer = chebyshevKAN({units: 2, degree: 4, seed: 2});
    const x = rand([3, 3], -1.5, 1.5, 4);
    layer.apply(x);
    const report = gradientCheck(layer, x, {maxEntries: 16});
    expect(report.checked).to.equal(9 + 16);
    x.dispose();
  });

  it('is registered under ChebyshevKAN, a name plain tfjs does not register', () => {
    expect(registeredByPlainTfjs(['ChebyshevKAN'])).to.deep.equal([]);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.ChebyshevKAN[0]).to.equal(ChebyshevKAN);
  });

  it('has I·O·(D+1) trainable parameters, 203,264 for [784, 64, 10]', () => {
    const a = chebyshevKAN({units: 64, seed: 1});
    const b = chebyshevKAN({units: 10, seed: 1});
    a.build([null, 784]);
    b.build([null, 64]);
    expect(trainableParamCount(a) + trainableParamCount(b)).to.equal(203264);
  });

  it('saves and reloads through tfa.io.fileSystem with the same config and predictions', async () => {
    const model = tf.sequential({layers: [chebyshevKAN({units: 3, degree: 4, seed: 1, inputShape: [4]})]});
    const x = rand([5, 4], -2, 2, 8);
    const loaded = await roundTrip(model, x); // asserts configs, weights and predictions
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('passes the layer suite (shapes, weights, config, save/load, fit step)', async () => {
    await runLayerSuite({
      make: () => chebyshevKAN({units: 3, degree: 2, seed: 1}),
      inputShape: [4],
      outputShape: [3],
      weights: {cheby_kernel: [4, 3, 3]},
    });
  });

  it('does not leak tensors across fit steps', async () => {
    const model = tf.sequential({layers: [chebyshevKAN({units: 4, inputShape: [3], seed: 1})]});
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    const x = rand([16, 3], -1, 1, 1);
    const t = rand([16, 4], -1, 1, 2);
    await expectNoLeak(() => model.fit(x, t, {epochs: 1, batchSize: 8, verbose: 0}), 4);
    tf.dispose([x, t]);
    model.dispose();
  });

  it('rejects bad configuration with errors naming the argument and value @wasm', () => {
    expect(() => chebyshevKAN({units: 0})).to.throw(/units.*0/);
    expect(() => chebyshevKAN({units: 2, degree: -1})).to.throw(/degree.*-1/);
    expect(() => chebyshevKAN({units: 2, degree: 1.5})).to.throw(/degree.*1\.5/);
  });

  it('learns sin(πx)·exp(y) on [-1, 1]² as a [2, 8, LayerNorm, 1] network (wasm)', async () => {
    await withBackend('wasm', async () => {
      const n = 256;
      const x = rand([n, 2], -1, 1, 21);
      const y = tf.tidy(() => {
        const [a, b] = tf.split(x, 2, 1);
        return tf.mul(tf.sin(tf.mul(a, Math.PI)), tf.exp(b));
      });
      // LayerNorm between layers, as the ChebyKAN README recommends.
      const model = tf.sequential({
        layers: [
          chebyshevKAN({units: 8, degree: 5, inputShape: [2], seed: 1}),
          tf.layers.layerNormalization(),
          chebyshevKAN({units: 1, degree: 5, seed: 2}),
        ],
      });
      model.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
      await model.fit(x, y, {epochs: 200, batchSize: n, verbose: 0});
      const mse = (model.evaluate(x, y) as tf.Scalar).dataSync()[0];
      expect(mse).to.be.lessThan(1e-2); // target variance ≈ 1.06
      tf.dispose([x, y]);
      model.dispose();
    });
  });
});
