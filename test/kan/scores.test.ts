import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {bsplineKAN} from '../../src/layers/kan/bspline';
import {edgeScores} from '../../src/kan/scores';
import {kanFunctions} from '../../src/plots/kan';
import {byClass, parseSvg} from '../plots/svg_helpers';
import {symbolicKAN} from '../../src/kan/symbolic_kan';
import type {SymbolicKAN} from '../../src/kan/symbolic_kan';
import {expectClose} from '../helpers/close';
import {expectNoLeak} from '../helpers/leaks';
import {sparsityForward} from '../../src/kan/sparsity';
import {formula} from '../../src/kan/formula';
import {autoSymbolic} from '../../src/kan/symbolic_fit';
import {attributionReference} from '../reference/kan_interp';

const F: Record<string, (u: number) => number> = {
  sin: Math.sin,
  'x^2': u => u * u,
  exp: Math.exp,
  tanh: Math.tanh,
  x: u => u,
};

describe('kan.edgeScores', () => {
  it('matches pykan attribute() computed in float64 from edges whose functions are known @wasm', () => {
    // [2, 3, 2] with every edge symbolic: φ values are known in closed form.
    const fns1 = [
      ['sin', 'x^2', 'tanh'],
      ['x', 'exp', 'sin'],
    ];
    const fns2 = [
      ['tanh', 'x'],
      ['x^2', 'sin'],
      ['exp', 'x'],
    ];
    const aff = (i: number, o: number, l: number) => ({
      a: 0.5 + 0.3 * i + 0.2 * o,
      b: 0.1 * l - 0.2 * o,
      c: 1 + 0.7 * i - 0.4 * o + l,
      d: 0.05 * (i + o),
    });
    const edges = (fns: string[][]) => fns.flatMap((r, i) => r.map((fn, o) => ({input: i, output: o, fn: fn as 'x'})));
    const l1 = symbolicKAN({units: 3, inputShape: [2], symbolic: edges(fns1)});
    const l2 = symbolicKAN({units: 2, symbolic: edges(fns2)});
    const model = tf.sequential({layers: [l1, l2]});
    [
      [l1, fns1],
      [l2, fns2],
    ].forEach(([l, fns], li) =>
      (fns as string[][]).forEach((r, i) =>
        r.forEach((fn, o) => (l as SymbolicKAN).setEdge(i, o, fn as 'x', aff(i, o, li))),
      ),
    );
    const x = tf.randomUniform([200, 2], -1, 1, 'float32', 7);
    const xs = x.arraySync() as number[][];
    // Reference forward in float64 (no tfjs): φ1, h, φ2.
    const phiOf = (fns: string[][], l: number) => (row: number[]) =>
      row.map((v, i) =>
        fns[i].map((fn, o) => {
          const p = aff(i, o, l);
          return p.c * F[fn](p.a * v + p.b) + p.d;
        }),
      );
    const phi1 = xs.map(phiOf(fns1, 0));
    const h = phi1.map(p => [0, 1, 2].map(o => p.reduce((s, e) => s + e[o], 0)));
    const phi2 = h.map(phiOf(fns2, 1));
    const want = attributionReference([phi1, phi2]);
    const got = edgeScores(model, x);
    // float32 forward of O(1) values: 1e-4 relative on stds.
    expectClose(got.edges.flat(2), want.edges.flat(2), {rtol: 1e-4, atol: 1e-5}, 'edge scores');
    expectClose(got.nodes.flat(), want.nodes.flat(), {rtol: 1e-4, atol: 1e-5}, 'node scores');
    expect(got.nodes[2]).to.deep.equal([0.5, 0.5]);
    expect(got.edgeL1[0][1][1]).to.be.closeTo(phi1.reduce((s, p) => s + Math.abs(p[1][1]), 0) / 200, 1e-4);
    model.dispose();
    x.dispose();
  });

  it('gives an unused input zero importance', () => {
    const layer = symbolicKAN({
      units: 1,
      inputShape: [2],
      symbolic: [{input: 0, output: 0, fn: 'sin'}],
      pruned: [[1, 0]],
    });
    const model = tf.sequential({layers: [layer]});
    const s = edgeScores(model, tf.randomUniform([50, 2], -1, 1, 'float32', 1));
    expect(s.nodes[0][1]).to.equal(0);
    expect(s.nodes[0][0]).to.be.closeTo(1, 1e-3); // the single edge carries all of the output's spread (up to the 1e-4)
  });

  it('rejects a model that is not a KAN chain', () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2]})]});
    expect(() => edgeScores(model, tf.zeros([4, 2]))).to.throw(/chain of BSplineKAN\/SymbolicKAN layers.*Dense/);
  });

  it('sets the edge opacity of plots.kanFunctions to tanh(3·score) (pykan plot)', async () => {
    const layer = bsplineKAN({units: 2, inputShape: [2], seed: 1});
    const model = tf.sequential({layers: [layer]});
    const s = edgeScores(model, tf.randomUniform([60, 2], -1, 1, 'float32', 2));
    const phi = byClass(parseSvg(await kanFunctions(layer, {scores: s.edges[0]})), 'path', 'phi');
    const want = s.edges[0].flat().map(v => Math.tanh(3 * v));
    phi.forEach((p, q) => expect(Number(p['@stroke-opacity'])).to.be.closeTo(want[q], 0.01)); // printed with 2 decimals
    await kanFunctions(layer, {scores: [[1, 2]]}).then(
      () => expect.fail('accepted a [1][2] score array'),
      (e: Error) => expect(e.message).to.match(/scores must be a \[2\]\[2\]/),
    );
  });

  it('edgeScores, sparsityForward training, autoSymbolic and formula leak no tensors', async () => {
    const model = tf.sequential({
      layers: [symbolicKAN({units: 2, inputShape: [2], seed: 1}), symbolicKAN({units: 1, seed: 2})],
    });
    const x = tf.randomUniform([40, 2], -1, 1, 'float32', 3);
    const y = tf.randomUniform([40, 1], -1, 1, 'float32', 4);
    const opt = tf.train.adam(1e-2);
    await expectNoLeak(() => {
      edgeScores(model, x);
      tf.dispose(
        opt.minimize((): tf.Scalar => {
          const {output, penalty} = sparsityForward(model, x);
          return tf.add(tf.losses.meanSquaredError(y, output), tf.mul(penalty, 1e-2)) as tf.Scalar;
        }, true) as tf.Scalar,
      );
    }, 5);
    await expectNoLeak(() => {
      autoSymbolic(model, x, {library: ['x', 'sin'], gridNumber: 11, iterations: 1});
      formula(model);
      (model.layers as SymbolicKAN[]).forEach(l =>
        [0, 1].forEach(i => [...Array(l.units).keys()].forEach(o => l.setEdge(i, o, 'numeric'))),
      );
    }, 3);
    model.dispose();
  });

  it("sparsityForward gives pykan's L1 + entropy penalty (float64 check on a one-layer KAN)", () => {
    const layer = symbolicKAN({
      units: 2,
      inputShape: [2],
      symbolic: [
        {input: 0, output: 0, fn: 'sin'},
        {input: 0, output: 1, fn: 'x^2'},
        {input: 1, output: 0, fn: 'x'},
        {input: 1, output: 1, fn: 'exp'},
      ],
    });
    const model = tf.sequential({layers: [layer]});
    const x = tf.randomUniform([100, 2], -1, 1, 'float32', 5);
    const xs = x.arraySync() as number[][];
    const F = [
      [Math.sin, (u: number) => u * u],
      [(u: number) => u, Math.exp],
    ];
    const sd = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    };
    const A = [0, 1].map(i => [0, 1].map(o => sd(xs.map(r => F[i][o](r[i]))) / (sd(xs.map(r => r[i])) + 0.1)));
    const ent = (p: number[]) => -p.reduce((s, v) => s + v * Math.log2(v + 1e-4), 0);
    const rows = [0, 1].map(o => ent([0, 1].map(i => A[i][o] / (A[0][o] + A[1][o] + 1))));
    const cols = [0, 1].map(i => ent([0, 1].map(o => A[i][o] / (A[i][0] + A[i][1] + 1))));
    const want = 1 * A.flat().reduce((a, b) => a + b, 0) + 2 * ((rows[0] + rows[1]) / 2 + (cols[0] + cols[1]) / 2);
    const {output, penalty} = sparsityForward(model, x);
    expect(penalty.dataSync()[0]).to.be.closeTo(want, 1e-4 * want);
    expectClose(output.dataSync(), (model.predict(x) as tf.Tensor).dataSync(), {atol: 1e-6}, 'output');
  });
});
