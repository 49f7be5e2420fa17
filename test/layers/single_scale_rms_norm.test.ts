import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {SingleScaleRMSNorm, singleScaleRMSNorm} from '../../src/layers/single_scale_rms_norm';
import {expectClose} from '../helpers/close';
import {gradientCheck} from '../helpers/gradcheck';
import {runLayerSuite} from '../helpers/layer_suite';
import {expectNoLeak} from '../helpers/leaks';
import {registeredByPlainTfjs} from '../helpers/registry';
import {roundTrip} from '../helpers/roundtrip';
import {ssRmsNormRef} from '../reference/layers';

describe('SingleScaleRMSNorm', () => {
  for (const shape of [
    [2, 3, 5],
    [5, 3],
  ]) {
    it(`matches γ·x/√(mean(x²)+ε) in float64 on input [${shape}] with γ = 1.7${shape.length === 2 ? ' @wasm' : ''}`, () => {
      const layer = singleScaleRMSNorm({epsilon: 1e-3});
      const x = tf.randomNormal(shape, 0, 2, 'float32', 4);
      tf.tidy(() => layer.apply(x) as tf.Tensor);
      layer.setWeights([tf.scalar(1.7)]);
      const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
      // A mean over ≤ 5 squares and one rsqrt in float32: rtol 1e-5.
      expectClose(
        y.dataSync(),
        ssRmsNormRef(x.dataSync(), shape[shape.length - 1], 1.7, 1e-3),
        {rtol: 1e-5, atol: 1e-6},
        'y',
      );
      tf.dispose([x, y]);
    });
  }

  it('has one scalar weight scale [] initialised to 1 and ε = 1e-6 by default', () => {
    const layer = singleScaleRMSNorm();
    layer.build([null, 4]);
    expect(layer.weights.map(w => w.shape)).to.deep.equal([[]]);
    expect(layer.getWeights()[0].dataSync()[0]).to.equal(1);
    expect(layer.getConfig().epsilon).to.equal(1e-6);
  });

  it('is invariant to rescaling the input row (ε negligible)', () => {
    const layer = singleScaleRMSNorm();
    const x = tf.randomNormal([3, 6], 0, 1, 'float32', 8);
    const a = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const b = tf.tidy(() => layer.apply(tf.mul(x, 1000)) as tf.Tensor);
    expectClose(b.dataSync(), a.dataSync(), {rtol: 1e-4, atol: 1e-5}, 'y(1000x) vs y(x)');
    tf.dispose([x, a, b]);
  });

  it('agrees with central finite differences for inputs and scale', () => {
    const layer = singleScaleRMSNorm({epsilon: 1e-2});
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 6);
    expect(gradientCheck(layer, x).checked).to.be.greaterThan(12);
    x.dispose();
  });

  it('passes the layer suite', async () => {
    await runLayerSuite({
      make: () => singleScaleRMSNorm(),
      inputShape: [3, 5],
      outputShape: [3, 5],
      weights: {scale: []},
    });
  });

  it('round-trips through tfa.io.fileSystem with a trained scale and ε', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({units: 4, inputShape: [3]}), singleScaleRMSNorm({epsilon: 1e-4})],
    });
    model.layers[1].setWeights([tf.scalar(0.37)]);
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
    const loaded = await roundTrip(model, x);
    expect(loaded.layers[1]).to.be.instanceOf(SingleScaleRMSNorm);
    expect(loaded.layers[1].getConfig().epsilon).to.equal(1e-4);
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('leaks no tensors over 100 fit steps', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({units: 8, inputShape: [4]}), singleScaleRMSNorm(), tf.layers.dense({units: 1})],
    });
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 2);
    await expectNoLeak(() => model.fit(x, y, {epochs: 1, batchSize: 16, verbose: 0}), 100);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects a non-positive or non-finite epsilon with an error naming it', () => {
    expect(() => singleScaleRMSNorm({epsilon: 0})).to.throw(/epsilon.*0/);
    expect(() => singleScaleRMSNorm({epsilon: -1})).to.throw(/epsilon.*-1/);
    expect(() => singleScaleRMSNorm({epsilon: NaN})).to.throw(/epsilon.*NaN/);
  });
  it('registers class names that plain tfjs does not, mapped to these classes', () => {
    expect(registeredByPlainTfjs(['SingleScaleRMSNorm'])).to.deep.equal([]);
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const [name, cls] of Object.entries({SingleScaleRMSNorm} as Record<string, unknown>))
      expect(map[name][0]).to.equal(cls);
  });
});
