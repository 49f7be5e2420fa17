import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {channelRmsKurtosis, excessKurtosis} from '../../src/spectral/kurtosis';
import {expectNoLeak} from '../helpers/leaks';
import {excessKurtosisRef, seededNormal} from '../reference/spectral';

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: Error | null = null;
  try {
    await p;
  } catch (e) {
    err = e as Error;
  }
  expect(err?.message).to.match(re);
}

describe('spectral.excessKurtosis', () => {
  it('gives -1.36 for [1, 2, 3, 4] (hand: m2 = 1.25, m4 = 2.5625) @wasm', async () => {
    const x = tf.tensor1d([1, 2, 3, 4]);
    expect(Math.abs((await excessKurtosis(x)) + 1.36)).to.be.below(1e-6); // float32 input is exact here
    x.dispose();
  });

  it('matches scipy-style biased Fisher kurtosis of the flattened tensor to 1e-9', async () => {
    const r = seededNormal(2);
    const v = Float32Array.from({length: 3 * 50 * 4}, () => r() ** 3); // heavy-tailed
    const x = tf.tensor3d(v, [3, 50, 4]);
    expect(Math.abs((await excessKurtosis(x)) - excessKurtosisRef(v))).to.be.below(1e-9);
    x.dispose();
  });

  it('is 0 within 4 standard errors √(24/n) for a Gaussian sample', async () => {
    const r = seededNormal(3);
    const n = 20000;
    const x = tf.tensor1d(Float32Array.from({length: n}, () => r()));
    expect(Math.abs(await excessKurtosis(x))).to.be.below(4 * Math.sqrt(24 / n));
    x.dispose();
  });

  it('rejects non-tensors, single values and NaN with errors naming x', async () => {
    const one = tf.tensor1d([1]);
    const nan = tf.tensor1d([1, NaN]);
    await rejects(excessKurtosis([1, 2] as unknown as tf.Tensor), /x must be a tf\.Tensor, got \[1,2\]/);
    await rejects(excessKurtosis(one), /x must be a tensor with at least 2 entries, got Tensor\[shape=\[1\]/);
    await rejects(excessKurtosis(nan), /x must contain only finite values, got NaN/);
    tf.dispose([one, nan]);
  });
});

describe('spectral.channelRmsKurtosis', () => {
  it('is 1 for equal channel RMS and 2500.75/25.75² for RMS [1, 1, 1, 10] (hand-derived)', async () => {
    const eq = tf.tensor2d([
      [1, -1, 1],
      [-1, 1, -1],
    ]);
    const spike = tf.tensor2d([
      [1, 1, 1, 10],
      [-1, 1, -1, -10],
    ]);
    expect(Math.abs((await channelRmsKurtosis(eq)) - 1)).to.be.below(1e-12);
    // s² = [1, 1, 1, 100]: mean s⁴ = 10003/4, mean s² = 103/4
    expect(Math.abs((await channelRmsKurtosis(spike)) - 2500.75 / 25.75 ** 2)).to.be.below(1e-9);
    tf.dispose([eq, spike]);
  });

  it('leaves no tensors behind and rejects a single channel with an error naming x', async () => {
    const x = tf.randomNormal([4, 5, 6]);
    await expectNoLeak(async () => {
      await channelRmsKurtosis(x);
      await excessKurtosis(x);
    }, 3);
    const single = tf.ones([3, 1]);
    await rejects(
      channelRmsKurtosis(single),
      /x must be a tensor with at least 2 channels on its last axis, got Tensor\[shape=\[3,1\]/,
    );
    tf.dispose([x, single]);
  });
});
