import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {expectClose} from './close';
import {gradientCheck, gradientCheckFn} from './gradcheck';
import {expectNoLeak} from './leaks';
import {roundTrip} from './roundtrip';

// The helpers are the test suite's instruments: each must fail when it should.
describe('test helpers', () => {
  it('expectNoLeak passes a tidy step and catches one leaked tensor per step', async () => {
    await expectNoLeak(() => tf.tidy(() => tf.add(tf.ones([2]), 1)).dispose(), 10);
    const leaked: tf.Tensor[] = [];
    let error: Error | null = null;
    try {
      await expectNoLeak(() => leaked.push(tf.ones([2])), 10);
    } catch (e) {
      error = e as Error;
    }
    tf.dispose(leaked);
    expect(error?.message).to.match(/tensor leak: \d+ tensors after step 1, \d+ after step 10 \(1\.00 per step\)/);
  });

  it('gradientCheck accepts a correct layer gradient and catches a wrong custom gradient', () => {
    const dense = tf.layers.dense({
      units: 2,
      activation: 'tanh',
      kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
    });
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
    const report = gradientCheck(dense, x);
    expect(report.checked).to.be.greaterThan(12);
    // sin with the gradient of 1.1·sin: off by 10%.
    const wrongSin = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const a = args[0] as tf.Tensor;
      (args[1] as tf.GradSaveFunc)([a]);
      return {
        value: tf.sin(a),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(tf.cos(saved[0]), 1.1)),
      };
    });
    expect(() => gradientCheckFn(xs => wrongSin(xs[0]) as tf.Tensor, [x])).to.throw(/gradient mismatch for input 0/);
    expect(() => gradientCheckFn(xs => tf.sin(xs[0]), [x])).to.not.throw();
    x.dispose();
    dense.dispose();
  });

  it('roundTrip accepts an exact reload and catches a changed weight', async () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [3]})]});
    const x = tf.ones([2, 3]);
    (await roundTrip(model, x)).dispose();
    // A model whose saved weights differ from the live ones must be caught:
    // save once, then change the live weights through a save hook.
    const origSave = model.save.bind(model);
    model.save = async (handler, config) => {
      const result = await origSave(handler, config);
      const w = model.getWeights()[0];
      model.layers[0].setWeights([tf.add(w, 1e-3), model.getWeights()[1]]);
      return result;
    };
    let error: Error | null = null;
    try {
      await roundTrip(model, x);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/roundTrip: weight 0 .* entry 0/);
    x.dispose();
  });

  it('roundTrip catches a layer config that does not survive the reload', async () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [3]})]});
    const x = tf.ones([2, 3]);
    const origSave = model.save.bind(model);
    model.save = async (handler, config) => {
      const result = await origSave(handler, config);
      const layer = model.layers[0];
      const own = layer.getConfig.bind(layer);
      layer.getConfig = () => ({...own(), units: 3}); // the live layer now claims another config
      return result;
    };
    let error: Error | null = null;
    try {
      await roundTrip(model, x);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/roundTrip: config of layer 0 \(Dense\) changed/);
    x.dispose();
  });

  it('expectClose reports the worst entry', () => {
    expectClose([1, 2.000001], [1, 2], {rtol: 1e-5});
    expect(() => expectClose([1, 2.1], [1, 2], {rtol: 1e-3}, 'y')).to.throw(/y\[1\]: got 2.1, expected 2/);
  });
});
