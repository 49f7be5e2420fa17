import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {choleskyQR2, lanczosQuadrature, matrixOperator, topEigenpairs} from '../../src/linalg/lanczos';
import {expectNoLeak} from '../helpers/leaks';
import {householder, matmul64, seededNormal} from '../reference/spectral';

/** Q diag(lam) Qᵀ with Q a Householder reflector: a symmetric matrix with a known spectrum. */
function withSpectrum(lam: number[], seed: number): Float64Array {
  const n = lam.length;
  const r = seededNormal(seed);
  const q = householder(Array.from({length: n}, () => r()));
  const qd = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qd[i * n + j] = q[i * n + j] * lam[j];
  return matmul64(qd, q, n, n, n, true);
}

function gramError(q: tf.Tensor2D): number {
  const k = q.shape[1];
  const g = tf.tidy(() => tf.matMul(q, q, true, false).dataSync());
  let m = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) m = Math.max(m, Math.abs(g[i * k + j] - (i === j ? 1 : 0)));
  return m;
}

describe('linalg.choleskyQR2', () => {
  it('returns orthonormal columns spanning the input block @wasm', () => {
    const v = tf.randomNormal([300, 12], 0, 1, 'float32', 3) as tf.Tensor2D;
    const q = choleskyQR2(v);
    expect(q.shape).to.deep.equal([300, 12]);
    // float32 Gram of 300-long columns: round-off ~ 300·6e-8.
    expect(gramError(q)).to.be.below(2e-5);
    const resid = tf.tidy(() => tf.max(tf.abs(tf.sub(v, tf.matMul(q, tf.matMul(q, v, true, false))))).dataSync()[0]);
    expect(resid).to.be.below(1e-4); // ‖v‖ entries ~ 3: float32 projections
    tf.dispose([v, q]);
  });

  it('orthonormalises a nearly rank-deficient block (condition number about 1e7)', () => {
    // Column 2 = column 1 + 1e-6·noise: κ ≈ 1e7, beyond float32 Cholesky of the Gram.
    const r = seededNormal(9);
    const a = new Float32Array(200 * 3);
    for (let i = 0; i < 200; i++) {
      const x = r();
      a[i * 3] = x;
      a[i * 3 + 1] = x + 1e-6 * r();
      a[i * 3 + 2] = r();
    }
    const v = tf.tensor2d(a, [200, 3]);
    const q = choleskyQR2(v);
    expect(gramError(q)).to.be.below(1e-4);
    tf.dispose([v, q]);
  });
});

describe('linalg.topEigenpairs', () => {
  it('finds the top 4 eigenpairs of a matrix with a known spectrum to 1e-4', () => {
    const n = 120;
    const lam = Array.from({length: n}, (_, i) => (i < 4 ? [10, 8, 6, 5][i] : 1 / (1 + i)));
    const a = tf.tensor2d(Float32Array.from(withSpectrum(lam, 2)), [n, n]);
    const {values, vectors} = topEigenpairs(a, 4, {iterations: 8});
    // Gap |λ5/λ4| = 1/5·… ≈ 0.04 per iteration: converged far below float32 round-off.
    Array.from(values).forEach((v, i) => expect(Math.abs(v - [10, 8, 6, 5][i])).to.be.below(1e-4));
    // A u = λ u for each returned column.
    const resid = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(tf.matMul(a, vectors), tf.mul(vectors, tf.tensor1d(Float32Array.from(values))))))
          .dataSync()[0],
    );
    expect(resid).to.be.below(1e-4);
    tf.dispose([a, vectors]);
  });

  it('rejects k larger than the operator with an error naming k', () => {
    const a = tf.eye(3) as tf.Tensor2D;
    expect(() => topEigenpairs(a, 4)).to.throw(/k must be <= the operator size 3, got 4/);
    expect(() => topEigenpairs(a, 0)).to.throw(/k must be a positive integer, got 0/);
    a.dispose();
  });
});

describe('linalg.lanczosQuadrature', () => {
  it('is exact for f(λ)=1 (the mean ‖z‖² = n) and for A = c·I', () => {
    const n = 50;
    const a = tf.mul(tf.eye(n), 3) as tf.Tensor2D;
    // Rademacher z has ‖z‖² = n exactly; A = 3I has one Ritz value 3 (breakdown after one step).
    const [one, f] = lanczosQuadrature(a, [() => 1, l => l * Math.log(l)], {probes: 4, steps: 10});
    expect(Math.abs(one - n)).to.be.below(1e-9);
    expect(Math.abs(f - n * 3 * Math.log(3))).to.be.below(1e-4);
    a.dispose();
  });

  it('estimates tr(A log A) within the Hutchinson error bar, and exactly after deflating all but 10 directions', () => {
    const n = 80;
    const lam = Array.from({length: n}, (_, i) => 1 / (1 + 0.3 * i));
    const a = tf.tensor2d(Float32Array.from(withSpectrum(lam, 4)), [n, n]);
    const f = (l: number) => (l > 0 ? l * Math.log(l) : 0);
    const exact = lam.reduce((s, l) => s + f(l), 0);
    const [est] = lanczosQuadrature(a, [f], {probes: 30, steps: 20, seed: 1});
    // std of the Rademacher estimator ≤ √(2 Σ f(λ)²/nv) ≈ 0.6 here; allow 3σ.
    const sd = Math.sqrt((2 * lam.reduce((s, l) => s + f(l) ** 2, 0)) / 30);
    expect(Math.abs(est - exact)).to.be.below(3 * sd);
    // Deflating the top 70 exact eigenvectors (given by topEigenpairs) leaves 10 dims;
    // the complement trace is then Σ over the 10 smallest λ, estimated with 10 steps (exact Krylov space).
    const {values, vectors} = topEigenpairs(a, 70, {iterations: 30});
    const top = Array.from(values).reduce((s, l) => s + f(l), 0);
    const [rest] = lanczosQuadrature(a, [f], {probes: 30, steps: 12, seed: 1, deflate: vectors});
    expect(Math.abs(top + rest - exact)).to.be.below(0.5 * sd);
    tf.dispose([a, vectors]);
  });

  it('leaves no tensors behind (topEigenpairs, lanczosQuadrature, matrixOperator)', async () => {
    const a = tf.tensor2d(
      Float32Array.from(
        withSpectrum(
          Array.from({length: 30}, (_, i) => 1 / (i + 1)),
          1,
        ),
      ),
      [30, 30],
    );
    await expectNoLeak(() => {
      const {vectors} = topEigenpairs(a, 3, {iterations: 2});
      lanczosQuadrature(matrixOperator(a), [l => l], {probes: 3, steps: 5, deflate: vectors});
      vectors.dispose();
      choleskyQR2(a).dispose();
    }, 3);
    a.dispose();
  });

  it('rejects a deflation block of the wrong size with an error naming deflate', () => {
    const a = tf.eye(5) as tf.Tensor2D;
    const u = tf.zeros([4, 2]) as tf.Tensor2D;
    expect(() => lanczosQuadrature(a, [l => l], {deflate: u})).to.throw(
      /deflate must have shape \[5, k\], got \[4,2\]/,
    );
    expect(() => lanczosQuadrature(a, [l => l], {probes: 0})).to.throw(/probes must be a positive integer, got 0/);
    tf.dispose([a, u]);
  });
});
