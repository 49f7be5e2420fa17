import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {formula} from '../../src/kan/formula';
import {SymbolicKAN, symbolicKAN} from '../../src/kan/symbolic_kan';
import {expectClose} from '../helpers/close';

/** A [2, 1, 1] symbolic KAN: h = c1·sin(a1·x + b1) + d1 + c2·(a2·y + b2)² + d2 + bias, out = c3·exp(a3·h + b3) + d3. */
function net(p: {sin: number[]; sq: number[]; exp: number[]; bias?: number}): tf.Sequential {
  const l1 = symbolicKAN({
    units: 1,
    inputShape: [2],
    useBias: true,
    symbolic: [
      {input: 0, output: 0, fn: 'sin'},
      {input: 1, output: 0, fn: 'x^2'},
    ],
  });
  const l2 = symbolicKAN({units: 1, symbolic: [{input: 0, output: 0, fn: 'exp'}]});
  const model = tf.sequential({layers: [l1, l2]});
  const aff = (v: number[]) => ({a: v[0], b: v[1], c: v[2], d: v[3]});
  l1.setEdge(0, 0, 'sin', aff(p.sin));
  l1.setEdge(1, 0, 'x^2', aff(p.sq));
  l2.setEdge(0, 0, 'exp', aff(p.exp));
  if (p.bias != null) l1.weights.find(w => w.name.endsWith('bias'))!.write(tf.tensor1d([p.bias]));
  return model;
}

describe('kan.formula', () => {
  it('prints pykan tutorial-style constants as exp(sin(3.1416·x) + y^2) after folding and sign normalisation', () => {
    // sin(−πx + π) = sin(πx); (−2y)²·0.25 = y²; the exp's offsets ln 2 + 0.5 − 0.5 and c = 0.5 fold to 1.
    const model = net({sin: [-Math.PI, Math.PI, 1, 0.5], sq: [-2, 0, 0.25, -0.5], exp: [1, Math.log(2), 0.5, 0]});
    const f = formula(model, {inputNames: ['x', 'y']});
    expect(f.text).to.equal('exp(sin(3.1416*x) + y^2)');
    expect(f.latex).to.equal('\\exp\\left(\\sin\\left(3.1416 x\\right) + y^{2}\\right)');
    const pts = [
      [0.3, -0.7],
      [-0.9, 0.2],
      [0.5, 0.5],
    ];
    const want = pts.map(([x, y]) => [Math.exp(Math.sin(Math.PI * x) + y * y)]);
    expectClose(f.evaluate(pts).flat(), want.flat(), {rtol: 1e-4}, 'evaluate');
    const pred = (model.predict(tf.tensor2d(pts)) as tf.Tensor).dataSync();
    expectClose(Array.from(pred), want.flat(), {rtol: 1e-5}, 'model');
  });

  it('keeps the non-trivial constants and drops those below the tolerance', () => {
    const model = net({sin: [2, 1e-7, 3, 0], sq: [1, 0.5, 1, 0], exp: [-0.5, 0, 2, 1], bias: 0.25});
    const f = formula(model, {inputNames: ['x', 'y'], digits: 3});
    // exp(−0.5·(3 sin 2x + (y+0.5)² + 0.25)) · 2 + 1 = 2e^{−0.125}·exp(−1.5 sin 2x − 0.5(y+0.5)²) + 1 (variables, then functions by name)
    expect(f.text).to.equal(`${(2 * Math.exp(-0.125)).toFixed(3)}*exp(-1.5*sin(2*x) - 0.5*(y + 0.5)^2) + 1`);
    const pts = [
      [0.1, 0.2],
      [-0.4, 0.9],
    ];
    const want = pts.map(([x, y]) => [2 * Math.exp(-0.5 * (3 * Math.sin(2 * x) + (y + 0.5) ** 2 + 0.25)) + 1]);
    expectClose(f.evaluate(pts).flat(), want.flat(), {rtol: 1e-6}, 'evaluate');
  });

  it('merges equal atoms from different paths and folds cos offsets by π', () => {
    const l = symbolicKAN({units: 1, inputShape: [1], symbolic: [{input: 0, output: 0, fn: 'cos'}]});
    const l2 = symbolicKAN({units: 1, symbolic: [{input: 0, output: 0, fn: 'x'}]});
    const model = tf.sequential({layers: [l, l2]});
    l.setEdge(0, 0, 'cos', {a: -1, b: Math.PI, c: 2, d: 0}); // 2cos(−x + π) = −2cos(x)
    l2.setEdge(0, 0, 'x', {a: 3, b: 1, c: 1, d: 0}); // 3·h + 1
    expect(formula(model).text).to.equal('-6*cos(x_1) + 1');
  });

  it('refuses a model with an active numeric edge, naming it', () => {
    const model = tf.sequential({
      layers: [symbolicKAN({units: 1, inputShape: [2], symbolic: [{input: 0, output: 0, fn: 'x'}]})],
    });
    expect(() => formula(model)).to.throw(/numeric edges \(1, 0\)/);
    expect(() => formula(model, {inputNames: ['a']})).to.throw(/inputNames must be 2/);
    (model.layers[0] as SymbolicKAN).setEdge(1, 0, 'pruned');
    expect(formula(model).text).to.equal('x_1');
  });
});
