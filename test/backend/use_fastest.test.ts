import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {useFastest} from '../../src/backend';
import {patchWasm, unpatchWasm, wasmPatched} from '../../src/backend/patch_wasm';

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

describe('backend.useFastest({patchWasm})', () => {
  it('patches wasm by default and not with {patchWasm: false} @wasm', async () => {
    const before = tf.getBackend();
    const wasPatched = wasmPatched();
    try {
      unpatchWasm();
      expect(await useFastest({patchWasm: false})).to.equal('wasm');
      expect(wasmPatched(), 'after {patchWasm: false}').to.equal(false);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'stock wasm lacks Conv2DBackpropFilter').to.equal(undefined);
      expect(await useFastest()).to.equal('wasm');
      expect(wasmPatched(), 'after useFastest()').to.equal(true);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.backendName).to.equal('wasm');
    } finally {
      if (wasPatched) patchWasm();
      else unpatchWasm();
      await tf.setBackend(before);
    }
  });
});
