import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {RBFKAN, rbfKAN} from '../../../src/layers/kan/rbf';
import {withBackend} from '../../helpers/backends';
import {expectClose} from '../../helpers/close';
import {gradientCheck} from '../../helpers/gradcheck';
import {runLayerSuite, trainableParamCount} from '../../helpers/layer_suite';
import {registeredByPlainTfjs} from '../../helpers/registry';
import {roundTrip} from '../../helpers/roundtrip';
import {expectNoLeak} from '../../helpers/leaks';
import {rbfKanForward} from '../../reference/kan';

const rand = (shape: number[], lo: number, hi: number, seed: number) =>
  tf.randomUniform(shape, lo, hi, 'float32', seed);
const arr = (layer: tf.layers.Layer, name: string) =>
  layer.weights
    .find(w => w.name.endsWith(`/${name}`))
    ?.read()
    .arraySync();

function randomiseWeights(layer: tf.layers.Layer, seed: number): void {
  layer.trainableWeights.forEach((w, i) => w.write(rand(w.shape as number[], -0.8, 0.8, seed + i)));
}

describe('RBFKAN', () => {
  for (const [inDim, units, useLayerNorm, useBase] of [
    [3, 5, true, true],
    [5, 3, false, true],
    [4, 2, true, false],
  ] as Array<[number, number, boolean, boolean]>) {
    it(`matches the float64 FastKAN forward to 1e-5 for I=${inDim}, O=${units}, useLayerNorm=${useLayerNorm}, useBase=${useBase} @wasm`, () => {
      const layer = rbfKAN({units, useLayerNorm, useBase, numCenters: 6, gridMin: -1.5, gridMax: 2.5});
      const x = rand([6, inDim], -3, 3, 3);
      layer.apply(x);
      randomiseWeights(layer, 10);
      const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][];
      const want = rbfKanForward(
        x.arraySync() as number[][],
        {
          gamma: arr(layer, 'ln_gamma') as number[] | undefined,
          beta: arr(layer, 'ln_beta') as number[] | undefined,
          spline: arr(layer, 'spline_kernel') as number[][][],
          base: arr(layer, 'base_kernel') as number[][] | undefined,
          baseBias: arr(layer, 'base_bias') as number[] | undefined,
        },
        -1.5,
        2.5,
        6,
      );
      // float32 LayerNorm + exp + sums of ~30 products: rtol 1e-5, atol 1e-5.
      expectClose(y.flat(), want.flat(), {rtol: 1e-5, atol: 1e-5}, 'y');
      x.dispose();
    });
  }

  it("with splineInitScale 'glorot' (default) starts at a glorot Dense's output scale; fast-kan's 0.1 does not (I = 784, O = 512)", () => {
    const x = tf.randomNormal([256, 784], 0, 1, 'float32', 4);
    const std = (t: tf.Tensor) => Math.sqrt(tf.moments(t).variance.dataSync()[0]);
    const dense = tf.layers.dense({units: 512, kernelInitializer: tf.initializers.glorotUniform({seed: 5})});
    const ref = std(dense.apply(x) as tf.Tensor); // ≈ √(2·784/1296) ≈ 1.10
    const ratio = (layer: tf.layers.Layer) => std(layer.apply(x) as tf.Tensor) / ref;
    const r = ratio(rbfKAN({units: 512, seed: 6}));
    expect(r, `default rbfKAN / Dense output std = ${r.toFixed(3)}`).to.be.within(0.8, 1.25);
    const old = ratio(rbfKAN({units: 512, seed: 6, splineInitScale: 0.1}));
    expect(old, `fast-kan init / Dense output std = ${old.toFixed(3)}`).to.be.above(2.5);
    x.dispose();
  });

  it("'glorot' sets σ² = 2/((I+O)·m₂), m₂ = E[Σ_j b_j(z)²] matching a quadrature over N(0, 1)", () => {
    // Independent m₂: trapezoid quadrature of Σ_j exp(−2((z − c_j)/h)²)·φ(z) on [−10, 10].
    const centers = Array.from({length: 8}, (_, j) => -2 + (4 / 7) * j);
    const h = 4 / 7;
    let m2 = 0;
    const dz = 1e-3;
    for (let z = -10; z <= 10; z += dz) {
      const pdf = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
      m2 += centers.reduce((a, c) => a + Math.exp(-2 * ((z - c) / h) ** 2), 0) * pdf * dz;
    }
    const layer = rbfKAN({units: 16, seed: 1});
    expect(layer.splineStd(48)).to.be.closeTo(Math.sqrt(2 / (64 * m2)), 1e-6);
    layer.apply(tf.zeros([1, 48]));
    const s = (arr(layer, 'spline_kernel') as number[][][]).flat(2);
    const sd = Math.sqrt(s.reduce((p, v) => p + v * v, 0) / s.length);
    expect(sd).to.be.closeTo(layer.splineStd(48), 0.02 * layer.splineStd(48)); // 6144 samples: rel. std error ≈ 0.9%
    expect(layer.getConfig().splineInitScale).to.equal('glorot');
  });

  it('initialises spline_kernel ~ N(0, 0.1²) with splineInitScale 0.1 and the base as nn.Linear U(±1/√I)', () => {
    const layer = rbfKAN({units: 32, seed: 1, splineInitScale: 0.1});
    layer.apply(tf.zeros([1, 64]));
    const s = (arr(layer, 'spline_kernel') as number[][][]).flat(2);
    const std = Math.sqrt(s.reduce((p, v) => p + v * v, 0) / s.length);
    expect(std).to.be.closeTo(0.1, 0.005); // 16384 samples: std error ~0.1/√(2·16384) ≈ 5.5e-4
    const b = (arr(layer, 'base_kernel') as number[][]).flat().concat(arr(layer, 'base_bias') as number[]);
    for (const v of b) expect(Math.abs(v)).to.be.at.most(1 / 8);
    expect(arr(layer, 'ln_gamma')).to.deep.equal(new Array(64).fill(1));
  });

  it('has gradients matching finite differences for inputs and weights', () => {
    const layer = rbfKAN({units: 2, numCenters: 4, seed: 2});
    const x = rand([3, 3], -1, 1, 4);
    layer.apply(x);
    randomiseWeights(layer, 30);
    const report = gradientCheck(layer, x, {maxEntries: 12});
    expect(report.checked).to.equal(9 + 3 + 3 + 12 + 6 + 2); // x, gamma, beta, spline, base, bias
    x.dispose();
  });

  it('is registered under RBFKAN, a name plain tfjs does not register', () => {
    expect(registeredByPlainTfjs(['RBFKAN'])).to.deep.equal([]);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.RBFKAN[0]).to.equal(RBFKAN);
  });

  it('has I·O·n + I·O + O + 2I trainable parameters, 459,114 for [784, 64, 10]', () => {
    const a = rbfKAN({units: 64, seed: 1});
    const b = rbfKAN({units: 10, seed: 1});
    a.build([null, 784]);
    b.build([null, 64]);
    expect(trainableParamCount(a) + trainableParamCount(b)).to.equal(459114);
  });

  it('saves and reloads through tfa.io.fileSystem with the same config and predictions', async () => {
    const model = tf.sequential({layers: [rbfKAN({units: 3, numCenters: 5, seed: 1, inputShape: [4]})]});
    const x = rand([5, 4], -2, 2, 8);
    const loaded = await roundTrip(model, x); // asserts configs, weights and predictions
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('passes the layer suite (shapes, weights, config, save/load, fit step)', async () => {
    await runLayerSuite({
      make: () => rbfKAN({units: 3, numCenters: 5, seed: 1}),
      inputShape: [4],
      outputShape: [3],
      weights: {ln_gamma: [4], ln_beta: [4], spline_kernel: [4, 5, 3], base_kernel: [4, 3], base_bias: [3]},
    });
  });

  it('does not leak tensors across fit steps', async () => {
    const model = tf.sequential({layers: [rbfKAN({units: 4, inputShape: [3], seed: 1})]});
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    const x = rand([16, 3], -1, 1, 1);
    const t = rand([16, 4], -1, 1, 2);
    await expectNoLeak(() => model.fit(x, t, {epochs: 1, batchSize: 8, verbose: 0}), 4);
    tf.dispose([x, t]);
    model.dispose();
  });

  it('rejects bad configuration with errors naming the argument and value @wasm', () => {
    expect(() => rbfKAN({units: 0})).to.throw(/units.*0/);
    expect(() => rbfKAN({units: 2, numCenters: 1})).to.throw(/numCenters.*1/);
    expect(() => rbfKAN({units: 2, splineInitScale: 'he' as unknown as number})).to.throw(/splineInitScale.*he/);
    expect(() => rbfKAN({units: 2, numCenters: 2.5})).to.throw(/numCenters.*2\.5/);
    expect(() => rbfKAN({units: 2, gridMin: 2, gridMax: -2})).to.throw(/gridMin.*\[2,-2\]/);
    expect(() => rbfKAN({units: 2, baseActivation: 'swish' as any})).to.throw(/baseActivation.*swish/);
    expect(() => rbfKAN({units: 2}).apply(tf.zeros([2, 1]))).to.throw(/useLayerNorm.*\[2,1\]|useLayerNorm.*1\]/);
    expect(() => rbfKAN({units: 2, useLayerNorm: false}).apply(tf.zeros([2, 1]))).to.not.throw();
  });

  it('learns sin(πx)·exp(y) on [-1, 1]² as a [2, 8, 1] network (wasm)', async () => {
    await withBackend('wasm', async () => {
      const n = 256;
      const x = rand([n, 2], -1, 1, 21);
      const y = tf.tidy(() => {
        const [a, b] = tf.split(x, 2, 1);
        return tf.mul(tf.sin(tf.mul(a, Math.PI)), tf.exp(b));
      });
      // No LayerNorm on the 2-D input (it would collapse it to ±1), as FastKAN's function fits do.
      const model = tf.sequential({
        layers: [
          rbfKAN({units: 8, inputShape: [2], seed: 1, useLayerNorm: false, gridMin: -1, gridMax: 1}),
          rbfKAN({units: 1, seed: 2}),
        ],
      });
      model.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
      await model.fit(x, y, {epochs: 200, batchSize: n, verbose: 0});
      const mse = (model.evaluate(x, y) as tf.Scalar).dataSync()[0];
      // Target variance ≈ 1.06; measured MSE 3.9e-4 (docs/guide/kan.md).
      expect(mse).to.be.lessThan(1e-2);
      tf.dispose([x, y]);
      model.dispose();
    });
  });
});
