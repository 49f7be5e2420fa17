import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {eigh, eigh64, eigvalsh, eigvalsh64} from '../../src/linalg/eigh';
import {expectClose} from '../helpers/close';
import {expectNoLeak} from '../helpers/leaks';
import {householder, matmul64, randomSymmetric, seededUniform} from '../reference/spectral';

/** ‖A − V Λ Vᵀ‖_max and ‖VᵀV − I‖_max for row-eigenvectors vt (row k = v_k). */
function residuals(
  a: Float64Array,
  values: ArrayLike<number>,
  vt: ArrayLike<number>,
  n: number,
): {rec: number; orth: number} {
  let rec = 0;
  let orth = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let o = 0;
      for (let k = 0; k < n; k++) {
        s += vt[k * n + i] * values[k] * vt[k * n + j];
        o += vt[i * n + k] * vt[j * n + k];
      }
      rec = Math.max(rec, Math.abs(a[i * n + j] - s));
      orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  return {rec, orth};
}

describe('linalg.eigh', () => {
  it('returns the sorted diagonal of a diagonal matrix exactly @wasm', () => {
    const a = tf.tensor2d([
      [3, 0, 0, 0],
      [0, -1, 0, 0],
      [0, 0, 2, 0],
      [0, 0, 0, 0],
    ]);
    expect(Array.from(eigvalsh(a))).to.deep.equal([-1, 0, 2, 3]);
    const {values, vectors} = eigh(a);
    expect(Array.from(values)).to.deep.equal([-1, 0, 2, 3]);
    // Column 0 is ±e₁ (the eigenvalue -1 sits at index 1).
    expect(Math.abs(vectors.arraySync()[1][0])).to.equal(1);
    tf.dispose([a, vectors]);
  });

  it('matches the closed form of a 2x2 matrix to 1e-15', () => {
    // [[a, b], [b, c]]: (a+c)/2 ± √(((a−c)/2)² + b²)
    const [p, b, c] = [0.3, -1.7, 2.9];
    const m = (p + c) / 2;
    const r = Math.hypot((p - c) / 2, b);
    expectClose(eigvalsh64(Float64Array.from([p, b, b, c]), 2), [m - r, m + r], {rtol: 0, atol: 1e-15});
  });

  it('recovers the known spectrum 2 − 2cos(kπ/(n+1)) of the second-difference matrix to 1e-13', () => {
    const n = 60;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const expected = Array.from({length: n}, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    // ‖A‖ = 4, so backward stability gives ~n·ε·4 ≈ 5e-14.
    expectClose(eigvalsh64(a, n), expected, {rtol: 0, atol: 1e-13});
  });

  it('finds repeated eigenvalues 1,1,1,5,5 with an orthonormal basis of each eigenspace', () => {
    const n = 5;
    const q = householder([1, -2, 0.5, 3, -1]); // exact-in-float64 orthogonal up to rounding
    const lam = [5, 1, 5, 1, 1];
    const qd = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qd[i * n + j] = q[i * n + j] * lam[j];
    const a = matmul64(qd, q, n, n, n, true); // Q Λ Qᵀ
    const {values, vectorsT} = eigh64(a, n);
    expectClose(values, [1, 1, 1, 5, 5], {rtol: 0, atol: 1e-14});
    const {rec, orth} = residuals(a, values, vectorsT, n);
    // ‖A‖ = 5: a few ·n·ε·‖A‖ ≈ 3e-14.
    expect(rec).to.be.below(5e-14);
    expect(orth).to.be.below(1e-14);
  });

  it('gives the zero eigenvalues of a rank-2 Gram matrix to 1e-14·‖A‖', () => {
    // A = B Bᵀ with B 7×2: five zero eigenvalues; the others are those of BᵀB (2×2 closed form).
    const rnd = seededUniform(3);
    const b = Float64Array.from({length: 14}, () => rnd() * 4 - 2);
    const a = matmul64(b, b, 7, 2, 7, true);
    const g = matmul64(b, b, 2, 7, 2, false, true); // BᵀB
    const m = (g[0] + g[3]) / 2;
    const r = Math.hypot((g[0] - g[3]) / 2, g[1]);
    const v = eigvalsh64(a, 7);
    const norm = m + r;
    expectClose(v, [0, 0, 0, 0, 0, m - r, m + r], {rtol: 0, atol: 1e-14 * norm});
  });

  it('keeps absolute accuracy ε·‖A‖ on an ill-conditioned matrix with eigenvalues 1, 1e-8, 1e-16', () => {
    const n = 3;
    const q = householder([0.3, -1, 2]);
    const lam = [1, 1e-8, 1e-16];
    const qd = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qd[i * n + j] = q[i * n + j] * lam[j];
    const a = matmul64(qd, q, n, n, n, true);
    const v = eigvalsh64(a, n);
    // The rounding of A itself is ~ε·‖A‖ = 2e-16, so that is all that can be asked (absolute).
    expectClose(v, [1e-16, 1e-8, 1], {rtol: 0, atol: 1e-15});
  });

  it('reconstructs a random 80x80 matrix to 1e-13 with orthonormal float64 vectors', () => {
    const n = 80;
    const a = randomSymmetric(n, 11);
    const {values, vectorsT} = eigh64(a, n);
    const {rec, orth} = residuals(a, values, vectorsT, n);
    expect(rec).to.be.below(1e-13);
    expect(orth).to.be.below(1e-13);
    // values-only path gives the same numbers to round-off
    expectClose(eigvalsh64(a, n), values, {rtol: 0, atol: 1e-13});
  });

  it('returns float32 eigenvector columns that reconstruct a [30,30] tensor to 1e-5 @wasm', () => {
    const n = 30;
    const a64 = randomSymmetric(n, 5);
    const a = tf.tensor2d(Float32Array.from(a64), [n, n]);
    const {values, vectors} = eigh(a);
    expect(vectors.shape).to.deep.equal([n, n]);
    const vt = tf.tidy(() => vectors.transpose().dataSync());
    const {rec, orth} = residuals(Float64Array.from(a.dataSync()), values, vt, n);
    // float32 vectors: each entry rounded to 6e-8 relative, sums over 30 terms.
    expect(rec).to.be.below(1e-5);
    expect(orth).to.be.below(1e-5);
    tf.dispose([a, vectors]);
  });

  it('scales internally so entries near 1e200 or 1e-200 neither overflow nor underflow', () => {
    // [[a, b], [b, c]] · 10^±200 with the closed form of the unscaled matrix
    const [p, b, c] = [1, 0.3, 2];
    const m = (p + c) / 2;
    const r = Math.hypot((p - c) / 2, b);
    for (const f of [1e200, 1e-200]) {
      const v = eigvalsh64(Float64Array.from([p * f, b * f, b * f, c * f]), 2);
      expectClose([v[0] / f, v[1] / f], [m - r, m + r], {rtol: 1e-14, atol: 0});
    }
  });

  it('handles a 1x1 matrix and a zero matrix', () => {
    expect(Array.from(eigvalsh64(Float64Array.from([-4]), 1))).to.deep.equal([-4]);
    expect(Array.from(eigvalsh64(new Float64Array(9), 3))).to.deep.equal([0, 0, 0]);
  });

  it('leaves no tensors behind', async () => {
    const a = tf.tensor2d(Float32Array.from(randomSymmetric(6, 2)), [6, 6]);
    await expectNoLeak(() => {
      eigvalsh(a);
      eigh(a).vectors.dispose();
    }, 5);
    a.dispose();
  });

  it('rejects a non-symmetric matrix with an error naming a and the asymmetric pair', () => {
    const a = tf.tensor2d([
      [1, 2],
      [2.5, 1],
    ]);
    expect(() => eigh(a)).to.throw(/linalg\.eigh: a must be symmetric.*a\[1\]\[0\]=2\.5/);
    expect(() => eigvalsh(a)).to.throw(/linalg\.eigvalsh: a must be symmetric/);
    a.dispose();
  });

  it('rejects wrong ranks, non-square and non-finite input with errors naming a and the value', () => {
    const r3 = tf.zeros([2, 2, 2]);
    const rect = tf.zeros([2, 3]);
    const nan = tf.tensor2d([
      [1, NaN],
      [NaN, 1],
    ]);
    const inf = tf.tensor2d([
      [Infinity, 0],
      [0, 1],
    ]);
    expect(() => eigvalsh(r3 as tf.Tensor2D)).to.throw(/a must be a tensor of rank 2, got Tensor\[shape=\[2,2,2\]/);
    expect(() => eigh(rect as tf.Tensor2D)).to.throw(/a must be a square matrix, got shape \[2,3\]/);
    expect(() => eigvalsh(nan)).to.throw(/a must contain only finite values, got NaN/);
    expect(() => eigh(inf)).to.throw(/a must contain only finite values, got Infinity/);
    expect(() => eigvalsh([[1]] as unknown as tf.Tensor2D)).to.throw(/a must be a tf\.Tensor, got \[\[1\]\]/);
    expect(() => eigvalsh(rect as tf.Tensor2D, {symmetryTol: -1})).to.throw(/symmetryTol must be .*>= 0, got -1/);
    tf.dispose([r3, rect, nan, inf]);
  });
});
