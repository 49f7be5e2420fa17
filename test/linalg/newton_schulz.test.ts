import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {newtonSchulz} from '../../src/linalg';
import {expectNoLeak} from '../helpers/leaks';
import {mat, newtonSchulz64, randn, singularValues64} from '../reference/optimizers';

const SHAPES: Array<[number, number]> = [
  [6, 10],
  [10, 6],
  [32, 48],
  [48, 32],
  [16, 16],
];

describe('linalg.newtonSchulz', () => {
  for (const [m, n] of SHAPES) {
    it(`matches the float64 quintic iteration to 1e-4 on a random ${m}x${n} matrix${m === 6 ? ' @wasm' : ''}`, () => {
      const d = randn(m * n, 11 * m + n);
      const out = tf.tidy(() => newtonSchulz(tf.tensor2d(Float32Array.from(d), [m, n])).dataSync());
      const ref = newtonSchulz64(mat(m, n, d));
      // Tolerance 1e-4 absolute on entries of size ~1/√min(m,n): five float32
      // matmul rounds (each ~1e-7 relative) amplified by the slope 3.4 of the
      // polynomial near 0.
      let worst = 0;
      for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - ref.data[i]));
      expect(worst).to.be.lessThan(1e-4);
    });
  }

  it('puts every singular value of random Gaussian inputs into [0.68, 1.2]', () => {
    for (const [m, n] of SHAPES) {
      const d = randn(m * n, 3 * m + 7 * n);
      const out = tf.tidy(() => newtonSchulz(tf.tensor2d(Float32Array.from(d), [m, n])).dataSync());
      const s = singularValues64(mat(m, n, out));
      expect(s[0], `largest of ${m}x${n}`).to.be.at.most(1.2);
      expect(s[s.length - 1], `smallest of ${m}x${n}`).to.be.at.least(0.68);
    }
  });

  it('orthogonalises a rank-3 batch exactly as it does each matrix alone', () => {
    const d = randn(3 * 5 * 8, 21);
    const [batched, single] = tf.tidy(() => {
      const x = tf.tensor3d(Float32Array.from(d), [3, 5, 8]);
      const b = newtonSchulz(x).dataSync();
      const s = tf.unstack(x).map(xi => Array.from(newtonSchulz(xi as tf.Tensor2D).dataSync()));
      return [b, s.flat()];
    });
    // Same float32 operations per matrix; batched matMul may sum in another order.
    for (let i = 0; i < batched.length; i++) expect(Math.abs(batched[i] - single[i])).to.be.lessThan(1e-6);
  });

  it('transposes: newtonSchulz(gᵀ) equals newtonSchulz(g)ᵀ', () => {
    const d = randn(4 * 9, 5);
    const [a, b] = tf.tidy(() => {
      const g = tf.tensor2d(Float32Array.from(d), [4, 9]);
      return [newtonSchulz(g).dataSync(), tf.transpose(newtonSchulz(tf.transpose(g) as tf.Tensor2D)).dataSync()];
    });
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).to.be.lessThan(1e-6);
  });

  it('is scale invariant and maps a zero matrix to zeros, never NaN', () => {
    const d = randn(5 * 7, 8);
    const [a, b, z] = tf.tidy(() => {
      const g = tf.tensor2d(Float32Array.from(d), [5, 7]);
      return [
        newtonSchulz(g).dataSync(),
        newtonSchulz(tf.mul(g, 1e3) as tf.Tensor2D).dataSync(),
        newtonSchulz(tf.zeros([5, 7]) as tf.Tensor2D).dataSync(),
      ];
    });
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).to.be.lessThan(1e-5);
    expect(Array.from(z).every(v => v === 0)).to.equal(true);
  });

  it('leaks no tensors', async () => {
    const g = tf.randomNormal([8, 12], 0, 1, 'float32', 1) as tf.Tensor2D;
    await expectNoLeak(() => newtonSchulz(g).dispose(), 5);
    const before = tf.memory().numTensors;
    newtonSchulz(g).dispose();
    expect(tf.memory().numTensors).to.equal(before);
    g.dispose();
  });

  it('rejects bad arguments with errors naming them', () => {
    const g = tf.ones([3, 4]) as tf.Tensor2D;
    expect(() => newtonSchulz(g, {steps: 0})).to.throw(/steps.*0/);
    expect(() => newtonSchulz(g, {eps: -1})).to.throw(/eps.*-1/);
    expect(() => newtonSchulz(g, {coefficients: [1, 2] as unknown as [number, number, number]})).to.throw(
      /coefficients.*\[1,2\]/,
    );
    expect(() => newtonSchulz(tf.ones([3]) as unknown as tf.Tensor2D)).to.throw(/g.*rank 2 or 3.*shape=\[3\]/);
    expect(() => newtonSchulz(tf.ones([2, 2], 'int32') as tf.Tensor2D)).to.throw(/g.*float32.*int32/);
    tf.dispose(g);
  });
});
