import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import * as tfa from '../../src';
import {SymbolicKAN, symbolicKAN} from '../../src/kan/symbolic_kan';
import {edgeActivations} from '../../src/kan/edges';
import {toSymbolic} from '../../src/kan/convert';
import {expectClose} from '../helpers/close';
import {expectNoLeak} from '../helpers/leaks';
import {registeredByPlainTfjs} from '../helpers/registry';
import {runLayerSuite} from '../helpers/layer_suite';
import {roundTrip} from '../helpers/roundtrip';

/** [N, 3] → [N, 2] layer with edges (0,0) sin, (1,0) x^2, (2,1) exp, (0,1) pruned, others numeric. */
function mixedLayer(inputShape?: number[]): SymbolicKAN {
  return symbolicKAN({
    units: 2,
    seed: 4,
    useBias: true,
    ...(inputShape == null ? {} : {inputShape}),
    symbolic: [
      {input: 0, output: 0, fn: 'sin'},
      {input: 1, output: 0, fn: 'x^2'},
      {input: 2, output: 1, fn: 'exp'},
    ],
    pruned: [[0, 1]],
  });
}

describe('SymbolicKAN', () => {
  it('passes the layer suite (shapes, weights, config and weights through save/load, one fit step)', async () => {
    await runLayerSuite({
      make: () => symbolicKAN({units: 4, seed: 2, symbolic: [{input: 1, output: 2, fn: 'tanh'}], pruned: [[0, 0]]}),
      inputShape: [3],
      outputShape: [4],
      weights: {
        base_kernel: [3, 4],
        spline_kernel: [3, 8, 4],
        spline_scaler: [3, 4],
        grid: [3, 12],
        symbolic_affine: [3, 4, 4],
      },
    });
  });

  it('computes c·f(a·x + b) + d on symbolic edges, 0 on pruned ones and the B-spline edge elsewhere @wasm', () => {
    const x = tf.randomUniform([6, 3], -1, 1, 'float32', 1) as tf.Tensor2D;
    const layer = mixedLayer();
    const plain = tfa.layers.bsplineKAN({units: 2, seed: 4, useBias: true});
    layer.apply(x);
    plain.apply(x);
    layer.setEdge(0, 0, 'sin', {a: 2, b: 0.5, c: -1.5, d: 0.25});
    layer.setEdge(1, 0, 'x^2', {a: 0.5, b: -1, c: 3, d: 0});
    const phi = edgeActivations(layer, x).arraySync() as number[][][];
    const phiPlain = edgeActivations(plain, x).arraySync() as number[][][];
    const xs = x.arraySync() as number[][];
    xs.forEach((r, n) => {
      const want = [
        [-1.5 * Math.sin(2 * r[0] + 0.5) + 0.25, 0],
        [3 * (0.5 * r[1] - 1) ** 2, phiPlain[n][1][1]],
        [phiPlain[n][2][0], Math.exp(r[2])],
      ];
      expectClose(phi[n].flat(), want.flat(), {rtol: 1e-5, atol: 1e-5}, `phi[${n}]`);
    });
    // The layer output is the edge sum plus the bias (0 here).
    const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][];
    expectClose(y.flat(), phi.map(p => [0, 1].map(o => p.reduce((s, e) => s + e[o], 0))).flat(), {atol: 1e-5}, 'y');
    expect(layer.edgeMode(0, 1)).to.equal('pruned');
    expect(layer.edgeFunction(2, 1)).to.equal('exp');
    expect(layer.edgeAffine(0, 0)).to.deep.include({a: 2, c: -1.5});
    x.dispose();
  });

  it('toSymbolic copies a BSplineKAN model with identical outputs', () => {
    const x = tf.randomUniform([20, 2], -1, 1, 'float32', 2);
    const model = tf.sequential({
      layers: [tfa.layers.bsplineKAN({units: 3, inputShape: [2], seed: 1}), tfa.layers.bsplineKAN({units: 1, seed: 2})],
    });
    const copy = toSymbolic(model);
    expectClose(
      (copy.predict(x) as tf.Tensor).dataSync(),
      (model.predict(x) as tf.Tensor).dataSync(),
      {atol: 1e-6},
      'y',
    );
    expect(copy.layers.map(l => l.getClassName())).to.deep.equal(['SymbolicKAN', 'SymbolicKAN']);
  });

  it('round-trips save/load with its edge modes, functions and affine weights', async () => {
    const x = tf.randomUniform([5, 3], -1, 1, 'float32', 3);
    const model = tf.sequential({layers: [mixedLayer([3])]});
    (model.layers[0] as SymbolicKAN).setEdge(2, 0, '1/x^2', {a: 1, b: 2, c: 0.5, d: 0});
    const loaded = await roundTrip(model, x);
    const l = loaded.layers[0] as SymbolicKAN;
    expect(l.edgeFunction(2, 0)).to.equal('1/x^2');
    expect(l.edgeMode(0, 1)).to.equal('pruned');
    loaded.dispose();
    model.dispose();
  });

  it('trains its affine parameters without leaking tensors', async () => {
    const x = tf.randomUniform([32, 3], -1, 1, 'float32', 5);
    const y = tf.randomUniform([32, 2], -1, 1, 'float32', 6);
    const model = tf.sequential({layers: [mixedLayer([3])]});
    model.compile({optimizer: tf.train.adam(1e-2), loss: 'meanSquaredError'});
    const w = model.layers[0].weights.find(v => v.name.endsWith('symbolic_affine'))!;
    const before = w.read().dataSync().slice();
    await expectNoLeak(() => model.fit(x, y, {epochs: 1, verbose: 0}), 5);
    const after = w.read().dataSync();
    expect(after[0] !== before[0], 'edge (0,0) a trained').to.equal(true);
    expect(after[4 * 1], 'affine of the pruned edge (0,1) untouched').to.equal(before[4]);
    model.dispose();
  });

  it('is registered under its own class name', () => {
    expect(registeredByPlainTfjs(['SymbolicKAN'])).to.deep.equal([]);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.SymbolicKAN[0]).to.equal(SymbolicKAN);
  });

  it('rejects unknown functions and out-of-range edges, naming them', () => {
    expect(() => symbolicKAN({units: 1, symbolic: [{input: 0, output: 0, fn: 'cosh' as 'cos'}]})).to.throw(
      /symbolic\[0\]\.fn.*cosh/,
    );
    const layer = symbolicKAN({units: 1, pruned: [[3, 0]]});
    expect(() => layer.apply(tf.zeros([2, 2]))).to.throw(/edge \(3, 0\) is out of range/);
  });
});
