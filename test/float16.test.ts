import {expect} from 'chai';
import * as tf from '@tensorflow/tfjs-core';

import {float16Active, warnIfFloat16} from '../src/float16';

describe('backend: float16 detection and warning', () => {
  it('float16 is active only on webgl without float32 render targets', () => {
    expect(float16Active('webgl', () => false)).to.equal(true);
    expect(float16Active('webgl', () => true)).to.equal(false);
    expect(float16Active('cpu', () => false)).to.equal(false);
    expect(float16Active('wasm', () => false)).to.equal(false);
    // webgl flags not registered (no webgl package): float32.
    expect(
      float16Active('webgl', () => {
        throw new Error('Cannot evaluate flag');
      }),
    ).to.equal(false);
  });

  it('is inactive on the Node test backend', () => {
    expect(tf.getBackend()).to.not.equal('webgl');
    expect(float16Active()).to.equal(false);
  });

  it('warns once per component, naming it, and only when float16 is active', () => {
    const seen: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => void seen.push(m);
    try {
      expect(warnIfFloat16('TestComponentA', 'x.', false)).to.equal(false);
      expect(warnIfFloat16('TestComponentA', 'its value was measured 1 % off.', true)).to.equal(true);
      expect(warnIfFloat16('TestComponentA', 'its value was measured 1 % off.', true)).to.equal(false);
      expect(warnIfFloat16('TestComponentB', 'y.')).to.equal(false); // cpu: inactive
    } finally {
      console.warn = warn;
    }
    expect(seen.length).to.equal(1);
    expect(seen[0]).to.match(
      /^TestComponentA: the webgl backend stores tensors as float16 .*1 % off\. Use float32 textures or the wasm backend/,
    );
  });
});
