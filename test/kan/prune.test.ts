import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {bsplineKAN} from '../../src/layers/kan/bspline';
import {prune} from '../../src/kan/prune';
import {symbolicKAN} from '../../src/kan/symbolic_kan';
import type {SymbolicKAN} from '../../src/kan/symbolic_kan';
import {edgeScores} from '../../src/kan/scores';
import {expectClose} from '../helpers/close';
import {expectNoLeak} from '../helpers/leaks';
import {roundTrip} from '../helpers/roundtrip';
import {bsplineKanForward} from '../reference/kan';
import {attributionReference} from '../reference/kan_interp';

type W = {base: number[][]; spline: number[][][]; scaler: number[][]; grid: number[][]};
function weightsOf(layer: tf.layers.Layer): W {
  const arr = (n: string) =>
    layer.weights
      .find(v => v.name.endsWith(`/${n}`))!
      .read()
      .arraySync();
  return {
    base: arr('base_kernel') as number[][],
    spline: arr('spline_kernel') as number[][][],
    scaler: arr('spline_scaler') as number[][],
    grid: arr('grid') as number[][],
  };
}
/** Edge φ_io(v) of a layer by the float64 reference forward restricted to input i. */
function edge(w: W, i: number, o: number, v: number): number {
  const one = {
    base: [[w.base[i][o]]],
    spline: [w.spline[i].map(r => [r[o]])],
    scaler: [[w.scaler[i][o]]],
    grid: [w.grid[i]],
  };
  return bsplineKanForward([[v]], one, 3)[0][0];
}

/** [2, 4, 1] B-spline KAN with random weights where hidden nodes differ in importance. */
function model241(): tf.Sequential {
  const model = tf.sequential({
    layers: [bsplineKAN({units: 4, inputShape: [2], seed: 1}), bsplineKAN({units: 1, seed: 2})],
  });
  model.layers.forEach((l, li) =>
    l.trainableWeights.forEach((w, j) =>
      w.write(tf.randomUniform(w.shape as number[], -0.8, 0.8, 'float32', 10 * li + j)),
    ),
  );
  // Shrink the out-edges of hidden nodes 1 and 3 so they score low.
  const l2 = model.layers[1];
  const damp = tf.tensor2d([[1], [0.02], [1], [0.05]]);
  for (const n of ['base_kernel', 'spline_scaler']) {
    const w = l2.weights.find(v => v.name.endsWith(`/${n}`))!;
    w.write(tf.mul(w.read(), damp));
  }
  return model;
}

describe('kan.prune', () => {
  it('removes low-score hidden nodes; the output changes by exactly their out-edges minus their means @wasm', () => {
    const x = tf.randomUniform([300, 2], -1, 1, 'float32', 3) as tf.Tensor2D;
    const model = model241();
    const xs = x.arraySync() as number[][];
    const w1 = weightsOf(model.layers[0]);
    const w2 = weightsOf(model.layers[1]);
    const h = bsplineKanForward(xs, w1, 3); // [N, 4]
    // The node scores from the float64 reference pick the threshold.
    const phi1 = xs.map(r => r.map((v, i) => [0, 1, 2, 3].map(o => edge(w1, i, o, v))));
    const phi2 = h.map(r => r.map((v, j) => [edge(w2, j, 0, v)]));
    const ref = attributionReference([phi1, phi2]);
    const hiddenScores = ref.nodes[1];
    const low = [1, 3];
    const th = (Math.max(...low.map(j => hiddenScores[j])) + Math.min(...[0, 2].map(j => hiddenScores[j]))) / 2;
    const {model: small, removed} = prune(model, x, {threshold: th, edgeThreshold: 0});
    expect(removed[0].nodes).to.deep.equal(low);
    expect(removed[0].keptOutputs).to.deep.equal([0, 2]);
    expect(removed[1].edges.map(e => e.input)).to.deep.equal(low);
    expect(small.layers.map(l => (l as SymbolicKAN).units)).to.deep.equal([2, 1]);
    // y − y_pruned = Σ_{removed j} (φ2_j(h_j) − mean φ2_j): the removed edges' variation, nothing else.
    const y = (model.predict(x) as tf.Tensor).dataSync();
    const yp = (small.predict(x) as tf.Tensor).dataSync();
    const mean = (j: number) => phi2.reduce((s, p) => s + p[j][0], 0) / phi2.length;
    const want = phi2.map(p => low.reduce((s, j) => s + p[j][0] - mean(j), 0));
    expectClose(
      Array.from(y).map((v, n) => v - yp[n]),
      want,
      {atol: 2e-5},
      'y − y_pruned',
    );
    expect(Math.max(...want.map(Math.abs)), 'the test removes something').to.be.above(1e-3);
    small.dispose();
    model.dispose();
    x.dispose();
  });

  it('switches off low-score edges; a one-layer output loses exactly their variation', async () => {
    const x = tf.randomUniform([200, 3], -1, 1, 'float32', 4) as tf.Tensor2D;
    const model = tf.sequential({layers: [bsplineKAN({units: 2, inputShape: [3], seed: 5})]});
    const l = model.layers[0];
    l.trainableWeights.forEach((w, j) => w.write(tf.randomUniform(w.shape as number[], -0.8, 0.8, 'float32', 40 + j)));
    const sc = l.weights.find(v => v.name.endsWith('/spline_scaler'))!;
    const bk = l.weights.find(v => v.name.endsWith('/base_kernel'))!;
    const damp = tf.tensor2d([
      [1, 1],
      [1, 0.01],
      [0.01, 1],
    ]); // edges (1,1) and (2,0) nearly vanish
    sc.write(tf.mul(sc.read(), damp));
    bk.write(tf.mul(bk.read(), damp));
    const {model: small, removed} = prune(model, x, {edgeThreshold: 0.05});
    expect(removed[0].edges.map(e => [e.input, e.output]).sort()).to.deep.equal([
      [1, 1],
      [2, 0],
    ]);
    expect(removed[0].edges.every(e => e.reason === 'edge' && e.score <= 0.05)).to.equal(true);
    const w = weightsOf(l);
    const xs = x.arraySync() as number[][];
    const phi = (i: number, o: number) => xs.map(r => edge(w, i, o, r[i]));
    const centred = (v: number[]) => v.map(u => u - v.reduce((a, b) => a + b, 0) / v.length);
    const d10 = centred(phi(2, 0));
    const d11 = centred(phi(1, 1));
    const y = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const yp = (small.predict(x) as tf.Tensor).arraySync() as number[][];
    expectClose(
      y.map((r, n) => r[0] - yp[n][0]),
      d10,
      {atol: 2e-5},
      'output 0',
    );
    expectClose(
      y.map((r, n) => r[1] - yp[n][1]),
      d11,
      {atol: 2e-5},
      'output 1',
    );
    const loaded = await roundTrip(small, x);
    expect((loaded.layers[0] as SymbolicKAN).edgeMode(2, 0)).to.equal('pruned');
    loaded.dispose();
    await expectNoLeak(() => prune(model, x).model.dispose(), 4);
    small.dispose();
    model.dispose();
  });

  it('keeps the best node when a whole hidden layer falls below the threshold', () => {
    const x = tf.randomUniform([50, 2], -1, 1, 'float32', 6);
    const model = model241();
    const {model: small} = prune(model, x, {threshold: 1e9});
    expect((small.layers[0] as SymbolicKAN).units).to.equal(1);
    expect(() => prune(model, x, {threshold: -1})).to.throw(/threshold.*-1/);
  });

  it('also removes a hidden node whose only out-edge was switched off (score between the two thresholds)', () => {
    const l1 = symbolicKAN({
      units: 3,
      inputShape: [2],
      symbolic: [
        {input: 0, output: 0, fn: 'sin'},
        {input: 1, output: 1, fn: 'x^2'},
        {input: 0, output: 2, fn: 'x'},
      ],
      pruned: [
        [1, 0],
        [0, 1],
        [1, 2],
      ],
    });
    const l2 = symbolicKAN({
      units: 1,
      symbolic: [
        {input: 0, output: 0, fn: 'x'},
        {input: 1, output: 0, fn: 'x'},
        {input: 2, output: 0, fn: 'x'},
      ],
    });
    const model = tf.sequential({layers: [l1, l2]});
    const x = tf.randomUniform([200, 2], -1, 1, 'float32', 8);
    // Scale edge (2,0) until its score is ≈ 0.02: > node_th 1e-2, ≤ edge_th 3e-2 (the score is ∝ c up to
    // the output's own spread, so two fixed-point steps suffice).
    let c = 1;
    for (let it = 0; it < 3; it++) {
      c *= 0.02 / edgeScores(model, x).edges[1][2][0];
      l2.setEdge(2, 0, 'x', {a: 1, b: 0, c, d: 0});
    }
    expect(edgeScores(model, x).edges[1][2][0]).to.be.closeTo(0.02, 2e-3);
    const {model: small, removed} = prune(model, x);
    expect(small.layers.map(l => (l as SymbolicKAN).units)).to.deep.equal([2, 1]);
    expect(removed[0].nodes).to.deep.equal([2]);
    expect(removed[0].keptOutputs).to.deep.equal([0, 1]);
    // Only the removed edge's variation is lost: c·(x_0 − mean x_0) on every sample.
    const y = (model.predict(x) as tf.Tensor).dataSync();
    const yp = (small.predict(x) as tf.Tensor).dataSync();
    const x0 = (x.arraySync() as number[][]).map(r => r[0]);
    const m0 = x0.reduce((a, b) => a + b, 0) / x0.length;
    expectClose(
      Array.from(y).map((v, n) => v - yp[n]),
      x0.map(v => c * (v - m0)),
      {atol: 1e-5},
      'y − y_pruned',
    );
  });
});
