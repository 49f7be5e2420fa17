import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {svd, svd64} from '../../src/linalg/svd';
import {expectNoLeak} from '../helpers/leaks';
import {jacobiEigenvalues, matmul64, seededNormal} from '../reference/spectral';

/** max |A − Σ s_i u_i v_iᵀ|, max |UᵀU − I|, max |VᵀV − I| for row-stored vectors. */
function checks(a: Float64Array, m: number, n: number, s: Float64Array, ut: Float64Array, vt: Float64Array) {
  const k = s.length;
  let rec = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let p = 0; p < k; p++) v += s[p] * ut[p * m + i] * vt[p * n + j];
      rec = Math.max(rec, Math.abs(a[i * n + j] - v));
    }
  }
  const orth = (q: Float64Array, len: number) => {
    let e = 0;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let d = 0;
        for (let r = 0; r < len; r++) d += q[i * len + r] * q[j * len + r];
        e = Math.max(e, Math.abs(d - (i === j ? 1 : 0)));
      }
    }
    return e;
  };
  return {rec, uo: orth(ut, m), vo: orth(vt, n)};
}

describe('linalg.svd', () => {
  for (const [m, n] of [
    [9, 5],
    [5, 9],
  ]) {
    it(`decomposes a random [${m}, ${n}] matrix: reconstruction to 1e-13, orthogonality to 1e-14, s = √eig(AᵀA)`, () => {
      const r = seededNormal(m * 10 + n);
      const a = Float64Array.from({length: m * n}, () => r());
      const {s, ut, vt} = svd64(a, m, n);
      const {rec, uo, vo} = checks(a, m, n, s, ut!, vt!);
      expect(rec).to.be.below(1e-14 * 10);
      expect(uo).to.be.below(1e-14);
      expect(vo).to.be.below(1e-14);
      for (let i = 1; i < s.length; i++) expect(s[i]).to.be.at.most(s[i - 1]);
      // well-conditioned: the Gram route (independent Jacobi eigenvalues of the k×k Gram) agrees to 1e-12
      const k = Math.min(m, n);
      const g = m >= n ? matmul64(a, a, n, m, n, false, true) : matmul64(a, a, m, n, m, true);
      const ev = Array.from(jacobiEigenvalues(g, k)).reverse().map(Math.sqrt);
      ev.forEach((e, i) => expect(Math.abs(s[i] - e)).to.be.below(1e-12 * ev[0]));
    });
  }

  it('keeps ~1e-13 relative accuracy for singular values 1 … 1e-14 of a graded matrix D·H (the Gram route loses them)', () => {
    // H = 8×8 Sylvester Hadamard (entries ±1, HHᵀ = 8I), D = diag(10^0, 10^-2, …, 10^-14):
    // (DH)(DH)ᵀ = 8D², so σ_i = √8·d_i exactly, while AᵀA = H D² H has entries ~1 and
    // cannot resolve d² < 1e-16.
    const n = 8;
    const h = (i: number, j: number): number => {
      let b = i & j;
      let p = 0;
      while (b) {
        p ^= b & 1;
        b >>= 1;
      }
      return p ? -1 : 1;
    };
    const d = Array.from({length: n}, (_, i) => 10 ** (-2 * i));
    const a = Float64Array.from({length: n * n}, (_, idx) => d[Math.floor(idx / n)] * h(Math.floor(idx / n), idx % n));
    for (const [mat, label] of [
      [a, 'D·H'],
      [Float64Array.from({length: n * n}, (_, idx) => a[(idx % n) * n + Math.floor(idx / n)]), 'H·D'],
    ] as const) {
      const {s} = svd64(mat, n, n, false);
      s.forEach((v, i) =>
        expect(Math.abs(v - Math.sqrt(8) * d[i]) / (Math.sqrt(8) * d[i]), `${label} σ${i}`).to.be.below(1e-13),
      );
    }
  });

  it('gives zero singular values and a completed orthonormal basis for a rank-1 matrix', () => {
    const x = [1, -2, 3, 0.5, 2];
    const y = [2, 1, -1];
    const a = Float64Array.from({length: 15}, (_, i) => x[Math.floor(i / 3)] * y[i % 3]);
    const {s, ut, vt} = svd64(a, 5, 3);
    const s0 = Math.hypot(...x) * Math.hypot(...y);
    expect(Math.abs(s[0] - s0)).to.be.below(1e-14 * s0);
    expect(s[1]).to.be.below(1e-14 * s0);
    expect(s[2]).to.be.below(1e-14 * s0);
    const {rec, uo, vo} = checks(a, 5, 3, s, ut!, vt!);
    expect(rec).to.be.below(1e-14 * s0);
    expect(uo).to.be.below(1e-12);
    expect(vo).to.be.below(1e-12);
    // exact zero matrix: s = 0 and U, V still orthonormal
    const z = svd64(new Float64Array(6), 3, 2);
    expect(Array.from(z.s)).to.deep.equal([0, 0]);
    expect(checks(new Float64Array(6), 3, 2, z.s, z.ut!, z.vt!).uo).to.be.below(1e-15);
  });

  it('scales internally so entries near 1e200 do not overflow the squared column norms', () => {
    const {s} = svd64(Float64Array.from([3e200, 0, 0, 4e199]), 2, 2, false);
    expect(Math.abs(s[0] / 3e200 - 1)).to.be.below(1e-15);
    expect(Math.abs(s[1] / 4e199 - 1)).to.be.below(1e-15);
  });

  it('returns float32 u [m, k] and v [n, k] tensors that reconstruct the input to 1e-5 @wasm', () => {
    const a = tf.tensor2d([
      [3, 1, 0.5],
      [0, -2, 1],
      [1, 0, 0],
      [2, 2, 2],
    ]);
    const {u, s, v} = svd(a);
    expect(u!.shape).to.deep.equal([4, 3]);
    expect(v!.shape).to.deep.equal([3, 3]);
    const back = tf.tidy(() => tf.matMul(tf.mul(u!, tf.tensor1d(Float32Array.from(s))), v!, false, true));
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(back, a))).dataSync()[0]);
    expect(err).to.be.below(1e-5); // float32 vectors
    const values = svd(a, {computeUV: false});
    expect(values.u).to.equal(null);
    expect(Array.from(values.s)).to.deep.equal(Array.from(s));
    tf.dispose([a, u!, v!, back]);
  });

  it('leaves no tensors behind', async () => {
    const a = tf.randomNormal([6, 4]) as tf.Tensor2D;
    await expectNoLeak(() => {
      const {u, v} = svd(a);
      tf.dispose([u!, v!]);
      svd(a, {computeUV: false});
    }, 3);
    a.dispose();
  });

  it('rejects wrong ranks, non-finite values and a non-boolean computeUV with errors naming them', () => {
    const r3 = tf.zeros([2, 2, 2]);
    const inf = tf.tensor2d([[1, -Infinity]]);
    expect(() => svd(r3 as tf.Tensor2D)).to.throw(/a must be a tensor of rank 2, got Tensor\[shape=\[2,2,2\]/);
    expect(() => svd(inf)).to.throw(/a must contain only finite values, got -Infinity/);
    expect(() => svd(inf, {computeUV: 'yes' as unknown as boolean})).to.throw(/computeUV must be a boolean, got 'yes'/);
    tf.dispose([r3, inf]);
  });
});
