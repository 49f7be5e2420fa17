import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {kanGridUpdate} from '../../src/callbacks/kan_grid_update';
import type {MetricRecord} from '../../src/callbacks/common';
import {BSplineKAN, bsplineKAN} from '../../src/layers/kan/bspline';
import {expectNoLeak} from '../helpers/leaks';
import {smallMlp} from './models';

function kanModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [bsplineKAN({units: 4, inputShape: [2], name: 'k1', seed: 1}), bsplineKAN({units: 1, name: 'k2', seed: 2})],
  });
  model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
  return model;
}

function grid(layer: tf.layers.Layer): number[] {
  return Array.from(
    layer.weights
      .find(w => w.originalName.endsWith('/grid'))!
      .read()
      .dataSync(),
  );
}

describe('kanGridUpdate', () => {
  it('refits every BSplineKAN grid as direct updateGrid calls on the same weights and activations do @wasm', async () => {
    const model = kanModel();
    const twin = kanModel();
    twin.setWeights(model.getWeights());
    const x = tf.randomUniform([64, 2], -3, 3, 'float32', 4);
    const y = tf.sum(tf.sin(x), 1, true);
    // Reference: the second layer's input is computed before the first layer changes.
    const mid = twin.layers[0].apply(x) as tf.Tensor;
    (twin.layers[0] as BSplineKAN).updateGrid(x, {margin: 0.05, gridEps: 0.1});
    (twin.layers[1] as BSplineKAN).updateGrid(mid, {margin: 0.05, gridEps: 0.1});
    const seen: number[][][] = [];
    const probe = new tf.CustomCallback({
      onEpochBegin: async () => {
        seen.push([grid(model.layers[0]), grid(model.layers[1])]);
      },
    });
    const records: MetricRecord[] = [];
    const cb = kanGridUpdate({
      data: x,
      every: 2,
      stopAfter: 4,
      margin: 0.05,
      gridEps: 0.1,
      onRecord: r => records.push(r),
    });
    await model.fit(x, y, {epochs: 6, batchSize: 32, verbose: 0, callbacks: [cb, probe]});
    // Same float64 refit on the same float32 inputs: equal to float32 round-off.
    seen[0][0].forEach((v, i) => expect(v).to.be.closeTo(grid(twin.layers[0])[i], 1e-6));
    seen[0][1].forEach((v, i) => expect(v).to.be.closeTo(grid(twin.layers[1])[i], 1e-6));
    expect(cb.updates).to.equal(2); // epochs 0 and 2; 4 is not < stopAfter
    expect([...new Set(records.map(r => r.epoch))]).to.deep.equal([0, 2]);
    // Grid changes only at updates: unchanged from epoch 0 to 1, and from 4 to 5.
    expect(seen[1]).to.deep.equal(seen[0]);
    expect(seen[5]).to.deep.equal(seen[4]);
    // grid_min/grid_max records are the interior knots t_k, t_{G+k} of the refitted grid (k = 3, G = 5, 12 knots per input).
    const g0 = seen[0][0];
    const lo = Math.min(g0[3], g0[12 + 3]);
    const hi = Math.max(g0[8], g0[12 + 8]);
    const r0 = records.filter(r => r.epoch === 0 && r.layer === 'k1');
    expect(r0.map(r => r.metric)).to.deep.equal(['grid_min', 'grid_max']);
    expect(r0[0].value).to.be.closeTo(lo, 1e-6);
    expect(r0[1].value).to.be.closeTo(hi, 1e-6);
    tf.dispose([x, y, mid]);
  });

  it('warns once and does nothing when the model has no BSplineKAN layer; fails when a named layer is not one', async () => {
    const mlp = smallMlp();
    const x = tf.zeros([4, 6]);
    const cb = kanGridUpdate({data: x});
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (...a: unknown[]) => {
      warnings.push(a.join(' '));
    };
    try {
      await mlp.fit(x, tf.zeros([4, 3]), {epochs: 2, verbose: 0, callbacks: [cb]});
      await mlp.fit(x, tf.zeros([4, 3]), {epochs: 1, verbose: 0, callbacks: [cb]});
    } finally {
      console.warn = warn;
    }
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /kanGridUpdate: nothing to update: the model has no BSplineKAN layer .*'h1' \(Dense\).*'layers' argument/,
    );
    expect(cb.updates).to.equal(0);
    const named = kanGridUpdate({data: x, layers: ['h2']});
    named.setModel(mlp);
    await named.onTrainBegin().then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/layer 'h2' must be a BSplineKAN layer, got class Dense/),
    );
    const x2 = tf.zeros([4, 2]);
    const missing = kanGridUpdate({data: x2, layers: ['k9']});
    missing.setModel(kanModel());
    await missing.onTrainBegin().then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/layer 'k9' is not in the model; available layers: .*'k1', 'k2'/),
    );
    tf.dispose([x, x2]);
  });

  it('rejects bad arguments with errors naming them', () => {
    const x = tf.zeros([4, 2]);
    expect(() => kanGridUpdate({data: tf.zeros([0, 2])})).to.throw(/data.*shape=\[0,2\]/);
    expect(() => kanGridUpdate({data: x, every: 0})).to.throw(/every.*0/);
    expect(() => kanGridUpdate({data: x, stopAfter: 0})).to.throw(/stopAfter.*0/);
    expect(() => kanGridUpdate({data: x, margin: -1})).to.throw(/margin.*-1/);
    expect(() => kanGridUpdate({data: x, gridEps: 2})).to.throw(/gridEps.*2/);
    x.dispose();
  });

  it('leaks no tensors over repeated fits with an update every epoch', async () => {
    const model = kanModel();
    const x = tf.randomUniform([32, 2], -2, 2, 'float32', 5);
    const y = tf.sum(x, 1, true);
    const cb = kanGridUpdate({data: x});
    await expectNoLeak(() => model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [cb]}), 4);
    tf.dispose([x, y]);
  });
});
