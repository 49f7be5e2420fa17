import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {formula} from '../../src/kan/formula';
import {refitSymbolic} from '../../src/kan/symbolic_refit';
import {symbolicKAN} from '../../src/kan/symbolic_kan';
import {expectClose} from '../helpers/close';

describe('kan.refitSymbolic', () => {
  it('fits the affine parameters of exp(sin(πx) + y²) from a rough start to float64 precision @wasm', () => {
    const l1 = symbolicKAN({
      units: 1,
      inputShape: [2],
      useBias: true,
      symbolic: [
        {input: 0, output: 0, fn: 'sin'},
        {input: 1, output: 0, fn: 'x^2'},
      ],
    });
    const l2 = symbolicKAN({units: 1, useBias: true, symbolic: [{input: 0, output: 0, fn: 'exp'}]});
    const model = tf.sequential({layers: [l1, l2]});
    // A start like autoSymbolic's after sparsity training: small hidden scale, steep exp, ~10 % off.
    l1.setEdge(0, 0, 'sin', {a: 3.0, b: 0.05, c: 0.06, d: 0.01});
    l1.setEdge(1, 0, 'x^2', {a: 9.5, b: 0.1, c: 0.0006, d: 0});
    l2.setEdge(0, 0, 'exp', {a: 16, b: 0.2, c: 0.9, d: 0.05});
    const x = tf.randomUniform([400, 2], -1, 1, 'float32', 0);
    const f = ([a, b]: number[]) => Math.exp(Math.sin(Math.PI * a) + b * b);
    const y = tf.tensor2d((x.arraySync() as number[][]).map(r => [f(r)]));
    const r = refitSymbolic(model, x, y);
    expect(r.rmseBefore).to.be.above(0.1);
    expect(r.rmseAfter).to.be.below(1e-5); // float64 fit of float32 data
    expect(formula(model, {inputNames: ['x', 'y']}).text).to.equal('exp(sin(3.1416*x) + y^2)');
    // The layers hold the fitted values: the float32 model now predicts f.
    const pts = [
      [0.3, -0.2],
      [-0.7, 0.9],
    ];
    expectClose((model.predict(tf.tensor2d(pts)) as tf.Tensor).dataSync(), pts.map(f), {rtol: 1e-4}, 'predict');
    model.dispose();
  });

  it('refuses numeric edges and mismatched targets, naming them', () => {
    const model = tf.sequential({
      layers: [symbolicKAN({units: 1, inputShape: [2], symbolic: [{input: 0, output: 0, fn: 'x'}]})],
    });
    const x = tf.zeros([5, 2]);
    expect(() => refitSymbolic(model, x, tf.zeros([5, 1]))).to.throw(/edge \(1, 0\) is still numeric/);
    expect(() => refitSymbolic(model, x, tf.zeros([4, 1]))).to.throw(/y must be \[5, 1\]/);
  });
});
