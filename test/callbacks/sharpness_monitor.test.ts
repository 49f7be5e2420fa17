import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import * as tfa from '../../src';
import {sharpnessMonitor} from '../../src/callbacks/sharpness_monitor';
import {expectNoLeak} from '../helpers/leaks';
import {jacobiEigenvalues} from '../reference/seeds';

describe('callbacks.sharpnessMonitor', () => {
  it('is exported as tfa.callbacks.sharpnessMonitor', () => {
    expect(tfa.callbacks.sharpnessMonitor).to.equal(sharpnessMonitor);
  });

  it('logs λmax = top eigenvalue of 2XᵀX/N and 2/λmax for linear regression during fit @wasm', async () => {
    const [nRows, nIn] = [32, 4];
    const x = tf.mul(tf.randomNormal([nRows, nIn], 0, 1, 'float32', 3), tf.tensor1d([2, 1, 0.5, 0.3]));
    const y = tf.randomNormal([nRows, 1], 0, 1, 'float32', 4);
    const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [nIn], useBias: false})]});
    model.compile({optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError'});
    const mon = sharpnessMonitor({x, y, every: 2});
    const h = await model.fit(x, y, {epochs: 4, batchSize: nRows, verbose: 0, callbacks: [mon]});
    const xd = x.dataSync();
    const hm = new Float64Array(nIn * nIn);
    for (let r = 0; r < nRows; r++)
      for (let i = 0; i < nIn; i++)
        for (let j = 0; j < nIn; j++) hm[i * nIn + j] += (2 * xd[r * nIn + i] * xd[r * nIn + j]) / nRows;
    const top = jacobiEigenvalues(hm, nIn)[0];
    expect(mon.history.map(r => r.epoch)).to.deep.equal([1, 3]); // every 2 epochs
    for (const r of mon.history) {
      // Quadratic loss: exact up to float32 round-off.
      expect(r.lambdaMax).to.be.closeTo(top, 1e-3 * top);
      expect(r.lrBound).to.be.closeTo(2 / top, (1e-3 * 2) / top);
    }
    const logged = h.history['lambda_max'] as number[];
    expect(logged.filter(v => v != null)).to.have.length(2);
    expect(h.history['sgd_lr_bound'].filter(v => v != null)[0]).to.be.closeTo(2 / top, (1e-3 * 2) / top);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('leaks no tensors over fits with the callback', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({units: 4, activation: 'tanh', inputShape: [3]}), tf.layers.dense({units: 1})],
    });
    model.compile({optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 3], 0, 1, 'float32', 1);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 2);
    const mon = sharpnessMonitor({x, y, steps: 5});
    await expectNoLeak(() => model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [mon]}), 5);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad arguments with errors naming them', () => {
    const x = tf.zeros([4, 3]);
    const y = tf.zeros([4, 1]);
    expect(() => sharpnessMonitor({x, y, every: 0})).to.throw(/every.*0/);
    expect(() => sharpnessMonitor({x, y: tf.zeros([5, 1])})).to.throw(/batch size.*4 and 5/);
    expect(() => sharpnessMonitor({x: [1, 2] as never, y})).to.throw(/x.*\[1,2\]/);
    expect(() => sharpnessMonitor({x, y, loss: 'mse' as never})).to.throw(/loss.*mse/);
    tf.dispose([x, y]);
  });
});
