import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {useFastest} from '../../src/backend';

describe('backend.useFastest', () => {
  it('picks wasm here (tfjs-node cannot install) and restores nothing else', async () => {
    const before = tf.getBackend();
    try {
      const name = await useFastest();
      // 'tensorflow' only when tfjs-node is loaded, which it cannot be on these machines.
      expect(name).to.equal(tf.findBackendFactory('tensorflow') != null ? 'tensorflow' : 'wasm');
      expect(tf.getBackend()).to.equal(name);
      expect(tf.tidy(() => tf.add(1, 2).dataSync()[0])).to.equal(3);
    } finally {
      await tf.setBackend(before);
    }
  });
});
