import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {FourierKAN, fourierKAN} from '../../../src/layers/kan/fourier';
import {withBackend} from '../../helpers/backends';
import {expectClose} from '../../helpers/close';
import {gradientCheck} from '../../helpers/gradcheck';
import {runLayerSuite, trainableParamCount} from '../../helpers/layer_suite';
import {registeredByPlainTfjs} from '../../helpers/registry';
import {roundTrip} from '../../helpers/roundtrip';
import {expectNoLeak} from '../../helpers/leaks';
import {fourierKanForward} from '../../reference/kan';

const rand = (shape: number[], lo: number, hi: number, seed: number) =>
  tf.randomUniform(shape, lo, hi, 'float32', seed);
const arr = (layer: tf.layers.Layer, name: string) =>
  layer.weights
    .find(w => w.name.endsWith(`/${name}`))
    ?.read()
    .arraySync();

describe('FourierKAN', () => {
  for (const [inDim, units, gridSize, useBias] of [
    [3, 5, 4, true],
    [5, 3, 1, false],
  ] as Array<[number, number, number, boolean]>) {
    it(`matches the float64 FourierKAN forward to 1e-5 for I=${inDim}, O=${units}, G=${gridSize}, useBias=${useBias} @wasm`, () => {
      const layer = fourierKAN({units, gridSize, useBias});
      const x = rand([6, inDim], -4, 4, 5);
      layer.apply(x);
      layer.trainableWeights.forEach((w, i) => w.write(rand(w.shape as number[], -1, 1, 20 + i)));
      const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][];
      const want = fourierKanForward(
        x.arraySync() as number[][],
        arr(layer, 'cos_kernel') as number[][][],
        arr(layer, 'sin_kernel') as number[][][],
        (arr(layer, 'bias') as number[] | undefined) ?? null,
        gridSize,
      );
      // cos/sin of k·x up to |kx| = 16 in float32 (argument error ~1e-6) summed over ~40 terms.
      expectClose(y.flat(), want.flat(), {rtol: 1e-5, atol: 2e-5}, 'y');
      x.dispose();
    });
  }

  it('initialises kernels with std 1/(√I·√G), or 1/(√I·k²) with smoothInit, and a zero bias', () => {
    const std = (v: number[]) => Math.sqrt(v.reduce((p, q) => p + q * q, 0) / v.length);
    const plain = fourierKAN({units: 64, gridSize: 4, seed: 1});
    plain.apply(tf.zeros([1, 16]));
    const c = (arr(plain, 'cos_kernel') as number[][][]).flat(2);
    expect(std(c)).to.be.closeTo(1 / (4 * 2), 0.125 * 0.04); // 4096 samples: ~1.1% std error
    expect(arr(plain, 'bias')).to.deep.equal(new Array(64).fill(0));
    const smooth = fourierKAN({units: 64, gridSize: 4, seed: 1, smoothInit: true});
    smooth.apply(tf.zeros([1, 16]));
    const s = arr(smooth, 'sin_kernel') as number[][][];
    const k3 = s.flatMap(row => row[2]); // frequency 3: std 1/(4·9)
    expect(std(k3)).to.be.closeTo(1 / 36, (1 / 36) * 0.08); // 1024 samples: ~2.2% std error
  });

  it('has gradients matching finite differences for inputs and weights', () => {
    const layer = fourierKAN({units: 2, gridSize: 3, seed: 2});
    const x = rand([3, 3], -2, 2, 4);
    layer.apply(x);
    const report = gradientCheck(layer, x, {maxEntries: 12});
    expect(report.checked).to.equal(9 + 12 + 12 + 2);
    x.dispose();
  });

  it('is registered under FourierKAN, a name plain tfjs does not register', () => {
    expect(registeredByPlainTfjs(['FourierKAN'])).to.deep.equal([]);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.FourierKAN[0]).to.equal(FourierKAN);
  });

  it('has 2·I·O·G + O trainable parameters, 508,234 for [784, 64, 10]', () => {
    const a = fourierKAN({units: 64, seed: 1});
    const b = fourierKAN({units: 10, seed: 1});
    a.build([null, 784]);
    b.build([null, 64]);
    expect(trainableParamCount(a) + trainableParamCount(b)).to.equal(508234);
  });

  it('saves and reloads through tfa.io.fileSystem with the same config and predictions', async () => {
    const model = tf.sequential({
      layers: [fourierKAN({units: 3, gridSize: 2, useBias: false, smoothInit: true, seed: 1, inputShape: [4]})],
    });
    const x = rand([5, 4], -2, 2, 8);
    const loaded = await roundTrip(model, x); // asserts configs, weights and predictions
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('passes the layer suite (shapes, weights, config, save/load, fit step)', async () => {
    await runLayerSuite({
      make: () => fourierKAN({units: 3, gridSize: 2, seed: 1}),
      inputShape: [4],
      outputShape: [3],
      weights: {cos_kernel: [4, 2, 3], sin_kernel: [4, 2, 3], bias: [3]},
    });
  });

  it('does not leak tensors across fit steps', async () => {
    const model = tf.sequential({layers: [fourierKAN({units: 4, inputShape: [3], seed: 1})]});
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    const x = rand([16, 3], -1, 1, 1);
    const t = rand([16, 4], -1, 1, 2);
    await expectNoLeak(() => model.fit(x, t, {epochs: 1, batchSize: 8, verbose: 0}), 4);
    tf.dispose([x, t]);
    model.dispose();
  });

  it('rejects bad configuration with errors naming the argument and value @wasm', () => {
    expect(() => fourierKAN({units: 0})).to.throw(/units.*0/);
    expect(() => fourierKAN({units: 2, gridSize: 0})).to.throw(/gridSize.*0/);
    expect(() => fourierKAN({units: 2, gridSize: 2.5})).to.throw(/gridSize.*2\.5/);
    expect(() => fourierKAN({units: 2, useBias: 'yes' as any})).to.throw(/useBias.*yes/);
  });

  it('learns sin(πx)·exp(y) on [-1, 1]² as a [2, 8, 1] network (wasm)', async () => {
    await withBackend('wasm', async () => {
      const n = 256;
      const x = rand([n, 2], -1, 1, 21);
      const y = tf.tidy(() => {
        const [a, b] = tf.split(x, 2, 1);
        return tf.mul(tf.sin(tf.mul(a, Math.PI)), tf.exp(b));
      });
      const model = tf.sequential({
        layers: [
          fourierKAN({units: 8, gridSize: 4, inputShape: [2], seed: 1}),
          fourierKAN({units: 1, gridSize: 4, seed: 2}),
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
