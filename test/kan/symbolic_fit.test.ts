import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {Matrix, solve} from 'ml-matrix';

import {bsplineKAN} from '../../src/layers/kan/bspline';
import {toSymbolic} from '../../src/kan/convert';
import {autoSymbolic, fitParams, fixSymbolic, suggestSymbolic} from '../../src/kan/symbolic_fit';
import type {SymbolicKAN} from '../../src/kan/symbolic_kan';
import {bsplineBases, lstsq} from '../reference/kan';

const lin = (n: number, lo: number, hi: number) => Array.from({length: n}, (_, i) => lo + ((hi - lo) * i) / (n - 1));

/**
 * A one-layer B-spline KAN [3 → 2] whose edges are known functions: base
 * branch 0, scaler 1, spline coefficients = ml-matrix least-squares fit of the
 * function on 400 points of [−1, 1] (G = 20 cubic: error ≲ 1e-5).
 */
function handBuilt(fns: Array<Array<(u: number) => number>>): tf.Sequential {
  const layer = bsplineKAN({units: 2, inputShape: [3], gridSize: 20});
  const model = tf.sequential({layers: [layer]});
  const grid = layer.weights
    .find(w => w.name.endsWith('/grid'))!
    .read()
    .arraySync() as number[][];
  const us = lin(400, -1, 1);
  const coef = fns.map((row, i) => {
    const b = bsplineBases(
      us.map(u => [u]),
      [grid[i]],
      3,
    ).map(r => r[0]);
    return lstsq(
      b,
      us.map(u => row.map(f => f(u))),
    ); // [G+k][O]
  });
  const set = (n: string, v: tf.Tensor) => layer.weights.find(w => w.name.endsWith(`/${n}`))!.write(v);
  set('spline_kernel', tf.tensor3d(coef));
  set('spline_scaler', tf.ones([3, 2]));
  set('base_kernel', tf.zeros([3, 2]));
  return model;
}

describe('kan symbolic fitting', () => {
  it('fitParams recovers c·f(a·x + b) + d, and (c, d) equal ml-matrix least squares at the chosen (a, b)', () => {
    const x = lin(300, -1, 1);
    const y = x.map(v => 2.5 * Math.sin(1.7 * v - 0.4) + 0.3);
    const fit = fitParams(x, y, 'sin');
    expect(fit.r2).to.be.above(1 - 1e-7);
    // sin(a x + b) is identified up to the symmetry (a, b) → (−a, π − b); compare the function instead.
    const pred = x.map(v => fit.c * Math.sin(fit.a * v + fit.b) + fit.d);
    expect(Math.max(...pred.map((p, i) => Math.abs(p - y[i])))).to.be.below(1e-3);
    const f = x.map(v => Math.sin(fit.a * v + fit.b));
    const [c, d] = solve(new Matrix(f.map(v => [v, 1])), Matrix.columnVector(y), true).to1DArray();
    expect(fit.c).to.be.closeTo(c, 1e-9);
    expect(fit.d).to.be.closeTo(d, 1e-9);
  });

  it('fitParams finds exp(30x) on x ∈ [−0.05, 0.05] (the search is on standardised x; pykan caps |a| at 10 on raw x)', () => {
    const x = lin(200, -0.05, 0.05);
    const fit = fitParams(
      x,
      x.map(v => 0.5 * Math.exp(30 * v) - 1),
      'exp',
    );
    expect(fit.r2).to.be.above(1 - 1e-8);
    expect(fit.a).to.be.closeTo(30, 0.01);
    expect(fit.c * Math.exp(fit.b)).to.be.closeTo(0.5, 1e-3); // c·e^b: only the product is identified
  });

  it('fitParams scores (a, b) that leave the domain as 0, as pykan (log on x ∈ [−1, 1])', () => {
    const x = lin(200, -1, 1);
    const fit = fitParams(
      x,
      x.map(v => Math.log(v + 2)),
      'log',
    );
    expect(fit.r2).to.be.above(1 - 1e-6);
    expect(Math.min(...x.map(v => fit.a * v + fit.b))).to.be.above(0);
  });

  it('autoSymbolic names the known functions of a hand-built KAN @wasm', () => {
    const fns = [
      [(u: number) => Math.sin(3 * u), (u: number) => u * u],
      [(u: number) => Math.exp(u), (u: number) => Math.tanh(2 * u)],
      [(u: number) => 0.5 * u, (u: number) => Math.sin(2 * u + 1)],
    ];
    const model = toSymbolic(handBuilt(fns));
    const x = tf.randomUniform([400, 3], -1, 1, 'float32', 11);
    const done = autoSymbolic(model, x, {
      library: ['x', 'x^2', 'x^3', 'exp', 'log', 'sqrt', 'tanh', 'sin', 'abs', 'arctan'],
    });
    const names = done.map(e => `${e.input},${e.output}:${e.fit.name}`);
    expect(names).to.deep.equal(['0,0:sin', '0,1:x^2', '1,0:exp', '1,1:tanh', '2,0:x', '2,1:sin']);
    expect(done.every(e => e.fixed && e.fit.r2 > 0.9999)).to.equal(true);
    const l = model.layers[0] as SymbolicKAN;
    expect(l.edgeMode(1, 0)).to.equal('symbolic');
    // The symbolic model reproduces the sum of the known functions.
    const xs = x.arraySync() as number[][];
    const y = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const want = xs.map(r => [0, 1].map(o => r.reduce((s, v, i) => s + fns[i][o](v), 0)));
    const err = Math.max(...y.flat().map((v, i) => Math.abs(v - want.flat()[i])));
    expect(err).to.be.below(1e-3);
    model.dispose();
  });

  it('suggestSymbolic ranks by complexity-weighted fit and fixSymbolic applies a suggestion', () => {
    const model = toSymbolic(
      handBuilt([
        [u => u * u, u => u],
        [u => u, u => u],
        [u => u, u => u],
      ]),
    );
    const x = tf.randomUniform([300, 3], -1, 1, 'float32', 12);
    const s = suggestSymbolic(model.layers[0], 0, 0, x, {library: ['x', 'x^2', 'x^4', 'sin'], topK: 3});
    expect(s.map(v => v.name)[0]).to.equal('x^2');
    expect(s).to.have.length(3);
    expect(s[0].loss).to.be.below(s[1].loss);
    // x (complexity 1) cannot fit x² on a symmetric interval.
    fixSymbolic(model.layers[0], 0, 0, s[0]);
    expect((model.layers[0] as SymbolicKAN).edgeFunction(0, 0)).to.equal('x^2');
    const fit = fixSymbolic(model.layers[0], 1, 0, 'x', x);
    expect(fit.r2).to.be.above(1 - 1e-6);
    expect(() => fixSymbolic(bsplineKAN({units: 1}), 0, 0, 'x')).to.throw(/SymbolicKAN/);
    expect(() => suggestSymbolic(model.layers[0], 5, 0, x)).to.throw(/i must be/);
    expect(() => suggestSymbolic(model.layers[0], 0, 0, x, {library: ['cosh' as 'cos']})).to.throw(
      /library\[0\].*cosh/,
    );
    model.dispose();
  });
});
