import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {
  bsplineBasis,
  chebyshevBasis,
  fourierBasis,
  rbfBasis,
  rbfGrid,
  uniformGrid,
  uniformKnots,
} from '../../../src/layers/kan/basis';
import {expectClose} from '../../helpers/close';
import {gradientCheckFn} from '../../helpers/gradcheck';
import {expectNoLeak} from '../../helpers/leaks';
import {bsplineBases, coxDeBoor, knots} from '../../reference/kan';

const flat = (a: number[][][]) => a.flat(2);

describe('kan basis functions', () => {
  it('uniformKnots gives efficient-kan knots t_m = a + (m-k)h', () => {
    // G=4, k=2, [-1, 1]: h = 0.5, knots -2 .. 2 step 0.5 (9 knots).
    expect(uniformKnots(4, 2, [-1, 1])).to.deep.equal([-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2]);
  });

  it('bsplineBasis matches the recursive float64 Cox-de Boor on a non-uniform grid @wasm', () => {
    // Non-uniform knots per input (two different vectors) and points inside and outside.
    const grid = [[-2.1, -1.4, -0.9, -0.2, 0.1, 0.7, 1.1, 1.9, 2.6, 3.0, 3.3, 3.9], knots(5, 3, -1, 1)];
    const xs = [
      [-2.5, -2.5],
      [-1.0, -0.99],
      [0.0, 0.0],
      [0.65, 0.31],
      [2.0, 0.999],
      [3.95, 1.7],
      [3.2, 2.5],
    ];
    const got = tf.tidy(() => bsplineBasis(tf.tensor2d(xs), tf.tensor2d(grid), 3).arraySync());
    const want = bsplineBases(xs, grid, 3);
    // Elementwise float32 arithmetic on O(1) values: rtol 1e-5, atol 1e-6.
    expectClose(flat(got), flat(want), {rtol: 1e-5, atol: 1e-6}, 'bases');
    expect(got[0][0].length).to.equal(8); // G+k = 11 − 3
  });

  it('bsplineBasis is exactly zero outside the grid and sums to one inside', () => {
    const grid = tf.tensor2d([knots(5, 3, -1, 1)]);
    const x = tf.tensor2d([[-3], [2.2], [-1], [0.3], [0.999]]);
    const b = bsplineBasis(x, grid, 3);
    const sums = tf.sum(b, 2).dataSync();
    expect(sums[0]).to.equal(0);
    expect(sums[1]).to.equal(0);
    expectClose(Array.from(sums.slice(2)), [1, 1, 1], {rtol: 1e-6}, 'partition of unity');
    tf.dispose([grid, x, b]);
  });

  it('bsplineBasis with order 0 is the half-open indicator and coincident knots give no NaN', () => {
    const grid = tf.tensor2d([[0, 1, 1, 2]]);
    const x = tf.tensor2d([[0], [1], [1.5], [2]]);
    const b0 = bsplineBasis(x, grid, 0).arraySync();
    expect(b0.map(r => r[0])).to.deep.equal([
      [1, 0, 0],
      [0, 0, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    const b2 = bsplineBasis(x, grid, 2).dataSync();
    for (const v of b2) expect(Number.isFinite(v)).to.equal(true);
    // Reference (0/0 terms dropped): B_{0,2} at x=1 with knots 0,1,1,2.
    expect(b2[1]).to.be.closeTo(coxDeBoor(1, [0, 1, 1, 2], 0, 2), 1e-6);
    tf.dispose([grid, x]);
  });

  it('bsplineBasis gradient with respect to x matches finite differences', () => {
    const grid = uniformGrid(2, 4, 3, [-1, 1]);
    // Points away from knots (finite differences across a knot see a kink in B⁰ only at order 0).
    const x = tf.tensor2d([
      [-0.83, 0.12],
      [0.37, -0.61],
      [0.91, 0.44],
    ]);
    const report = gradientCheckFn(xs => bsplineBasis(xs[0] as tf.Tensor2D, grid, 3), [x], [], {eps: 1e-3});
    expect(report.checked).to.equal(6);
    tf.dispose([grid, x]);
  });

  for (const k of [1, 2, 3]) {
    it(`bsplineBasis order ${k} gradient on a non-uniform grid matches finite differences`, () => {
      const grid = tf.tensor2d([[-2.1, -1.4, -0.9, -0.2, 0.1, 0.7, 1.1, 1.9, 2.6, 3.0]]);
      // Points at least 0.03 from any knot (order 1 has kinks at knots).
      const x = tf.tensor2d([[-1.2], [-0.5], [0.4], [0.95], [1.5], [2.2]]);
      const report = gradientCheckFn(xs => bsplineBasis(xs[0] as tf.Tensor2D, grid, k), [x], [], {eps: 1e-3});
      expect(report.checked).to.equal(6);
      tf.dispose([grid, x]);
    });
  }

  it('rbfBasis matches exp(-((x-c)/h)^2) on FastKAN centres', () => {
    const {centers, width} = rbfGrid(-2, 2, 8);
    expect(width).to.be.closeTo(4 / 7, 1e-15);
    expect(centers[7]).to.be.closeTo(2, 1e-15);
    const xs = [
      [-2.3, 0.4],
      [1.1, 0.0],
    ];
    const got = tf.tidy(() => rbfBasis(tf.tensor2d(xs), centers, width).arraySync());
    const want = xs.map(r => r.map(v => centers.map(c => Math.exp(-(((v - c) / width) ** 2)))));
    expectClose(flat(got), flat(want), {rtol: 1e-5, atol: 1e-7}, 'rbf');
  });

  it('rbfBasis on evenly spaced centres (the exp chain) matches float64 for every spacing/width ratio and far inputs', () => {
    // d = spacing/width from 0.25 (blocks of 33 centres) to 5 (one centre per block, no chain),
    // inputs from inside the grid out to ±1e30 (z clamped; bases there are < 1e-11).
    const xs = [...Array.from({length: 201}, (_, i) => -12 + (24 * i) / 200), 1e3, -1e3, 1e30, -1e30];
    for (const [n, d] of [
      [8, 1],
      [40, 0.25],
      [12, 1.7],
      [9, 3.5],
      [6, 5],
      [2, 1],
    ]) {
      const centers = Array.from({length: n}, (_, j) => -2 + j * 0.5); // spacing 0.5
      const width = 0.5 / d;
      const got = tf.tidy(() => rbfBasis(tf.tensor2d(xs, [xs.length, 1]), centers, width).arraySync());
      const want = xs.map(v => [centers.map(c => Math.exp(-(((v - c) / width) ** 2)))]);
      expectClose(flat(got), flat(want), {rtol: 2e-5, atol: 2e-6}, `rbf chain n=${n} d=${d}`);
    }
  });

  it('rbfBasis gradient (exp chain) matches finite differences', () => {
    const {centers, width} = rbfGrid(-2, 2, 8);
    const x = tf.tensor2d([
      [-2.3, 0.4, 1.9],
      [1.1, 0.05, -0.7],
    ]);
    const report = gradientCheckFn(xs => rbfBasis(xs[0] as tf.Tensor2D, centers, width), [x], [], {eps: 1e-3});
    expect(report.checked).to.equal(6);
    x.dispose();
  });

  it('chebyshevBasis matches cos(d·acos x) and has a finite gradient at x = ±1', () => {
    const xs = [
      [-1, -0.7],
      [0.2, 0.95],
      [1, 0],
    ];
    const got = tf.tidy(() => chebyshevBasis(tf.tensor2d(xs), 5).arraySync());
    const want = xs.map(r => r.map(v => Array.from({length: 6}, (_, d) => Math.cos(d * Math.acos(v)))));
    // Recurrence in float32 vs closed form in float64; |T_d| ≤ 1.
    expectClose(flat(got), flat(want), {rtol: 1e-5, atol: 1e-6}, 'chebyshev');
    const g = tf.tidy(() =>
      tf
        .grad(x => tf.sum(chebyshevBasis(x as tf.Tensor2D, 5)))(tf.tensor2d([[1, -1]]))
        .arraySync(),
    ) as number[][];
    // d/dx Σ_d T_d at 1 is Σ d² = 55; at −1 it is Σ (−1)^{d+1} d² = 1−4+9−16+25 = 15.
    expectClose(g[0], [55, 15], {rtol: 1e-6}, 'gradient at ±1');
  });

  it('chebyshevBasis of degree 0 and 1 are [1] and [1, x]', () => {
    const x = tf.tensor2d([[0.3]]);
    expect(chebyshevBasis(x, 0).arraySync()).to.deep.equal([[[1]]]);
    expectClose(chebyshevBasis(x, 1).dataSync(), [1, 0.3], {rtol: 1e-7}, 'deg 1');
    x.dispose();
  });

  it('fourierBasis lays out [cos(1x)..cos(Gx), sin(1x)..sin(Gx)] per input @wasm', () => {
    const xs = [[0.5, -1.3]];
    const got = tf.tidy(() => fourierBasis(tf.tensor2d(xs), 3).arraySync());
    const want = xs.map(r =>
      r.map(v => [1, 2, 3].map(k => Math.cos(k * v)).concat([1, 2, 3].map(k => Math.sin(k * v)))),
    );
    expectClose(flat(got), flat(want), {rtol: 1e-5, atol: 1e-6}, 'fourier');
  });

  it('basis functions do not leak tensors', async () => {
    const grid = uniformGrid(3, 5, 3, [-1, 1]);
    const x = tf.randomUniform([4, 3], -1, 1, 'float32', 1) as tf.Tensor2D;
    await expectNoLeak(() => {
      tf.dispose([bsplineBasis(x, grid, 3), rbfBasis(x, [0, 1], 1), chebyshevBasis(x, 3), fourierBasis(x, 2)]);
    }, 5);
    tf.dispose([grid, x]);
  });
});
