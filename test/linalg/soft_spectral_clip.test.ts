import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {softClipStepsFor, softSpectralClip} from '../../src/linalg';
import {expectNoLeak} from '../helpers/leaks';
import {mat, randn, singularValues64, softClipExact64, softClipVector64} from '../reference/optimizers';

function relFrobenius(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - e[i]) ** 2;
    den += e[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function clip(d: Float64Array, shape: [number, number], c: number, steps?: number): Float32Array {
  return tf.tidy(
    () =>
      softSpectralClip(tf.tensor(Float32Array.from(d), shape) as tf.Tensor2D, c, {steps}).dataSync() as Float32Array,
  );
}

describe('linalg.softSpectralClip', () => {
  for (const [m, n] of [
    [12, 20],
    [20, 12],
  ] as Array<[number, number]>) {
    for (const c of [5, 10]) {
      it(`matches the exact SVD formula U·diag(cσ/√(c²+σ²))·Vᵀ to 1e-3 on a ${m}x${n} ±1 update at c=${c}${c === 5 && m === 12 ? ' @wasm' : ''}`, () => {
        // A sign-like update (what Adam produces), σmax ≈ √m + √n ≈ 8.
        const d = randn(m * n, m + 3 * c).map(v => Math.sign(v));
        const exact = softClipExact64(mat(m, n, d), c);
        // 1e-3 relative (Frobenius): the bound for c >= 5; measured ~1e-7.
        expect(relFrobenius(clip(d, [m, n], c), exact.data)).to.be.lessThan(1e-3);
      });
    }
  }

  it('maps singular values σ to cσ/√(c²+σ²) (never above c) on a large Gaussian matrix', () => {
    const d = randn(24 * 40, 4, 3); // σmax ≈ 3·(√24+√40) ≈ 34 ≫ c
    const c = 5;
    const s = singularValues64(mat(24, 40, d));
    const out = singularValues64(mat(24, 40, clip(d, [24, 40], c)));
    s.forEach((sigma, i) => {
      const want = (c * sigma) / Math.sqrt(c * c + sigma * sigma);
      expect(Math.abs(out[i] - want) / want, `σ${i}`).to.be.lessThan(1e-3); // float32 iteration
      expect(out[i]).to.be.lessThan(c);
    });
  });

  it('needs more steps for small c, as softClipStepsFor says (128x128 ±1 matrix, c = 1)', () => {
    const d = randn(128 * 128, 5).map(v => Math.sign(v));
    const exact = softClipExact64(mat(128, 128, d), 1).data;
    const sMax = singularValues64(mat(128, 128, d))[0];
    const steps = softClipStepsFor(sMax, 1);
    const few = relFrobenius(clip(d, [128, 128], 1, 8), exact);
    const enough = relFrobenius(clip(d, [128, 128], 1, steps), exact);
    // Measured: 8 steps 4e-2, the rule's 12 steps ~1e-6.
    expect(few).to.be.greaterThan(1e-2);
    expect(enough).to.be.lessThan(1e-4);
  });

  it('clips a rank-3 batch like each matrix alone, and a zero matrix to zeros', () => {
    const d = randn(2 * 6 * 9, 17, 4);
    const [batched, single, zero] = tf.tidy(() => {
      const x = tf.tensor3d(Float32Array.from(d), [2, 6, 9]);
      const b = softSpectralClip(x, 2).dataSync();
      const s = tf
        .unstack(x)
        .map(xi => Array.from(softSpectralClip(xi as tf.Tensor2D, 2).dataSync()))
        .flat();
      return [b, s, softSpectralClip(tf.zeros([3, 4]) as tf.Tensor2D, 2).dataSync()];
    });
    for (let i = 0; i < batched.length; i++) expect(Math.abs(batched[i] - single[i])).to.be.lessThan(1e-5);
    expect(Array.from(zero).every(v => v === 0)).to.equal(true);
  });

  it('uses the reference 1-D rule for vectors: unchanged when ‖g‖ ≤ c, else g/√(1+(‖g‖/c)²)', () => {
    const small = Float64Array.from([0.3, -0.4]); // norm 0.5
    const big = Float64Array.from([3, 4]); // norm 5
    const [a, b, z] = tf.tidy(() => [
      softSpectralClip(tf.tensor1d(Float32Array.from(small)), 1).dataSync(),
      softSpectralClip(tf.tensor1d(Float32Array.from(big)), 1).dataSync(),
      softSpectralClip(tf.zeros([3]) as tf.Tensor1D, 1).dataSync(),
    ]);
    const wantB = softClipVector64(big, 1); // 5/√26 ≈ 0.981 in norm
    expect(Array.from(a)).to.deep.equal(Array.from(Float32Array.from(small)));
    for (let i = 0; i < 2; i++) expect(Math.abs(b[i] - wantB[i])).to.be.lessThan(1e-6);
    expect(Array.from(z)).to.deep.equal([0, 0, 0]);
  });

  it('leaks no tensors', async () => {
    const x = tf.randomNormal([6, 9], 0, 1, 'float32', 2) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    await expectNoLeak(() => softSpectralClip(x, 3).dispose(), 5);
    expect(tf.memory().numTensors).to.equal(before);
    x.dispose();
  });

  it('rejects bad arguments with errors naming them', () => {
    const x = tf.ones([3, 4]) as tf.Tensor2D;
    expect(() => softSpectralClip(x, 0)).to.throw(/c.*0/);
    expect(() => softSpectralClip(x, -2)).to.throw(/c.*-2/);
    expect(() => softSpectralClip(x, 1, {steps: 0})).to.throw(/steps.*0/);
    expect(() => softSpectralClip(tf.ones([1, 2, 2, 2]) as unknown as tf.Tensor2D, 1)).to.throw(/x.*rank 1, 2 or 3/);
    x.dispose();
  });
});
