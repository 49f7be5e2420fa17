import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {stopGradient, roundSTE, applyOnLastAxis} from '../../src/layers/utils';
describe('layers/utils', () => {
  it('stopGradient blocks the gradient and keeps the value', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.add(tf.mul(stopGradient(x), x), x)))(tf.tensor([1, 2, 3]));
    // d/dx [sg(x)·x + x] = sg(x) + 1 = x + 1
    expect(Array.from(g.dataSync())).to.deep.equal([2, 3, 4]);
  });
  it('roundSTE rounds with an identity gradient', () => {
    const x = tf.tensor([0.4, 1.6]);
    expect(Array.from(roundSTE(x).dataSync())).to.deep.equal([0, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(roundSTE(t), tf.tensor([3, 5]))))(x);
    expect(Array.from(g.dataSync())).to.deep.equal([3, 5]);
  });
  it('applyOnLastAxis maps [2,3,4] through a [N,4]→[N,2] function', () => {
    const y = applyOnLastAxis(tf.ones([2, 3, 4]), f => tf.matMul(f, tf.ones([4, 2])) as tf.Tensor2D);
    expect(y.shape).to.deep.equal([2, 3, 2]);
    expect(y.dataSync()[0]).to.equal(4);
  });
});
