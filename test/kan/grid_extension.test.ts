import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {BSplineKAN, bsplineKAN} from '../../src/layers/kan/bspline';
import {extendedKnots} from '../../src/kan/grid_extension';
import {refine, resetOptimizer} from '../../src/kan/refine';
import {expectClose} from '../helpers/close';
import {expectNoLeak} from '../helpers/leaks';
import {roundTrip} from '../helpers/roundtrip';
import {bsplineBases, knots, lstsq} from '../reference/kan';

function weight(layer: tf.layers.Layer, name: string): tf.LayerVariable {
  const w = layer.weights.find(v => v.name.endsWith(`/${name}`));
  if (w == null) throw new Error(`no weight ${name}`);
  return w;
}

/** A [2, 3, 1] B-spline KAN with random weights, grids fitted to its data x ∈ [-1, 1]². */
function model251(seed: number, x: tf.Tensor2D): tf.Sequential {
  const model = tf.sequential({
    layers: [bsplineKAN({units: 3, inputShape: [2], seed}), bsplineKAN({units: 1, seed: seed + 1})],
  });
  model.layers.forEach((l, i) =>
    l.trainableWeights.forEach((w, j) =>
      w.write(tf.randomUniform(w.shape as number[], -0.8, 0.8, 'float32', seed * 10 + i * 5 + j)),
    ),
  );
  const h = model.layers[0].apply(x) as tf.Tensor;
  (model.layers[0] as BSplineKAN).updateGrid(x);
  (model.layers[1] as BSplineKAN).updateGrid(h);
  h.dispose();
  return model;
}

describe('kan.extendGrid / refine', () => {
  it('places uniform children on the parent interval and interpolates adaptive knots (pykan initialize_grid_from_parent)', () => {
    // Uniform parent [-1, 1], G=5 → G'=10: exactly the uniform G'=10 knots.
    const parent = knots(5, 3, -1, 1);
    expectClose(Array.from(extendedKnots(parent, 1, 5, 3, 10)), knots(10, 3, -1, 1), {atol: 1e-12}, 'knots');
    // Non-uniform parent interior [0, 1, 3] (G=2, k=1) → G'=4: midpoints 0.5 and 2, margin h = 3/4.
    expectClose(
      Array.from(extendedKnots([-1, 0, 1, 3, 4], 1, 2, 1, 4)),
      [-0.75, 0, 0.5, 1, 2, 3, 3.75],
      {atol: 1e-12},
      'knots',
    );
  });

  it('refits the splines by least squares as ml-matrix does on the new basis @wasm', () => {
    const x = tf.randomUniform([300, 2], -1, 1, 'float32', 4) as tf.Tensor2D;
    const layer = bsplineKAN({units: 2, gridSize: 4, seed: 3});
    layer.apply(x);
    const grid = weight(layer, 'grid').read().arraySync() as number[][];
    const c = weight(layer, 'spline_kernel').read().arraySync() as number[][][];
    layer.extendGrid(x, 7); // 4 → 7 is not nested: the least squares is not exact
    expect(layer.gridSize).to.equal(7);
    const xs = x.arraySync() as number[][];
    const newGrid = weight(layer, 'grid').read().arraySync() as number[][];
    expectClose(newGrid.flat(), [knots(7, 3, -1, 1), knots(7, 3, -1, 1)].flat(), {atol: 1e-6}, 'grid');
    const got = weight(layer, 'spline_kernel').read().arraySync() as number[][][];
    const bOld = bsplineBases(xs, grid, 3);
    const bNew = bsplineBases(xs, newGrid, 3);
    for (let i = 0; i < 2; i++) {
      // Target: the old bare spline of input i on each sample; solved by ml-matrix (QR) in float64.
      const target = bOld.map(r => [0, 1].map(o => r[i].reduce((s, b, j) => s + b * c[i][j][o], 0)));
      const want = lstsq(
        bNew.map(r => r[i]),
        target,
      ); // [G'+k][O]
      // float32 bases and storage; the normal equations in float64: 1e-4 relative to the coefficient scale.
      expectClose(
        got[i].flat(),
        want.flat(),
        {atol: 1e-4 * Math.max(...want.flat().map(Math.abs))},
        `spline_kernel[${i}]`,
      );
    }
    x.dispose();
    layer.dispose();
  });

  it('changes the model output on the data by < 1e-3 relative for G 5 → 10 → 20', () => {
    const x = tf.randomUniform([500, 2], -1, 1, 'float32', 7) as tf.Tensor2D;
    const model = model251(1, x);
    const y0 = (model.predict(x) as tf.Tensor).dataSync();
    for (const g of [10, 20]) {
      refine(model, x, g);
      const y = (model.predict(x) as tf.Tensor).dataSync();
      const rel = Math.max(...y.map((v, i) => Math.abs(v - y0[i]))) / Math.max(...y0.map(Math.abs));
      expect(rel, `G → ${g}`).to.be.below(1e-3);
      expect((model.layers[1] as BSplineKAN).gridSize).to.equal(g);
      expect(weight(model.layers[0], 'spline_kernel').shape).to.deep.equal([2, g + 3, 3]);
    }
    model.dispose();
    x.dispose();
  });

  it('keeps training inside a compiled model after resetOptimizer, and round-trips save/load', async () => {
    const x = tf.randomUniform([64, 2], -1, 1, 'float32', 8) as tf.Tensor2D;
    const y = tf.sum(tf.sin(x), 1, true);
    const model = model251(2, x);
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    await model.fit(x, y, {epochs: 2, verbose: 0});
    (model.layers[0] as BSplineKAN).extendGrid(x, 8);
    // Adam's moments still have the old [2, 8, 3] shape: the next step cannot run.
    let failed = false;
    try {
      await model.fit(x, y, {epochs: 1, verbose: 0});
    } catch {
      failed = true;
    }
    expect(failed, 'fit with the stale optimizer state').to.equal(true);
    expect(resetOptimizer(model)).to.equal(true);
    const before = weight(model.layers[0], 'spline_kernel').read().dataSync().slice();
    const h = await model.fit(x, y, {epochs: 3, verbose: 0});
    expect(h.history.loss.every(v => Number.isFinite(v as number))).to.equal(true);
    const after = weight(model.layers[0], 'spline_kernel').read().dataSync();
    expect(
      after.some((v, i) => v !== before[i]),
      'the new kernel is trained',
    ).to.equal(true);
    const loaded = await roundTrip(model, x);
    expect(loaded.layers[0].getConfig().gridSize).to.equal(8);
    loaded.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('leaks no tensors over repeated extensions', async () => {
    const x = tf.randomUniform([50, 2], -1, 1, 'float32', 9) as tf.Tensor2D;
    const layer = bsplineKAN({units: 2, seed: 1});
    layer.apply(x);
    await expectNoLeak(() => layer.extendGrid(x, 6), 5);
    layer.dispose();
    x.dispose();
  });

  it('rejects a bad grid size or input width, naming the argument', () => {
    const x = tf.zeros([4, 2]);
    const layer = bsplineKAN({units: 2});
    layer.apply(x);
    expect(() => layer.extendGrid(x, 0)).to.throw(/newGridSize.*0/);
    expect(() => layer.extendGrid(tf.zeros([4, 3]), 8)).to.throw(/x must have 2 features/);
    layer.dispose();
  });
});
