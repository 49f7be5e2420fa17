import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {BSplineKAN, bsplineKAN} from '../../../src/layers/kan/bspline';
import {withBackend} from '../../helpers/backends';
import {expectClose} from '../../helpers/close';
import {gradientCheck} from '../../helpers/gradcheck';
import {runLayerSuite, trainableParamCount} from '../../helpers/layer_suite';
import {registeredByPlainTfjs} from '../../helpers/registry';
import {expectNoLeak} from '../../helpers/leaks';
import {roundTrip} from '../../helpers/roundtrip';
import {
  bsplineBases,
  bsplineKanForward,
  knots,
  regularizationReference,
  updateGridReference,
} from '../../reference/kan';

/** Seeded values in [lo, hi). */
function rand(shape: number[], lo: number, hi: number, seed: number): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}

function weight(layer: tf.layers.Layer, name: string): tf.LayerVariable {
  const w = layer.weights.find(v => v.name.endsWith(`/${name}`));
  if (w == null) throw new Error(`no weight ${name}`);
  return w;
}

/** Sets every trainable weight to seeded random values (so tests do not depend on the init). */
function randomiseWeights(layer: tf.layers.Layer, seed: number): void {
  layer.trainableWeights.forEach((w, i) => w.write(rand(w.shape as number[], -0.8, 0.8, seed + i)));
}

function weightsOf(layer: tf.layers.Layer) {
  const arr = (n: string) => weight(layer, n).read().arraySync();
  return {
    base: arr('base_kernel') as number[][],
    spline: arr('spline_kernel') as number[][][],
    scaler: arr('spline_scaler') as number[][],
    grid: arr('grid') as number[][],
    bias: layer.weights.some(w => w.name.endsWith('/bias')) ? (arr('bias') as number[]) : undefined,
  };
}

describe('BSplineKAN', () => {
  for (const [inDim, units, useBias] of [
    [3, 5, false],
    [5, 3, true],
  ] as Array<[number, number, boolean]>) {
    it(`matches the float64 efficient-kan forward to 1e-5 for I=${inDim}, O=${units}, useBias=${useBias} @wasm`, () => {
      const layer = bsplineKAN({units, useBias, gridSize: 4, splineOrder: 3});
      // Inputs in [-2, 2]: inside the grid, in its margin [-2.5, 2.5] and (clipped rows) outside.
      const x = rand([7, inDim], -2, 2, 11);
      layer.apply(x);
      randomiseWeights(layer, 100);
      const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][];
      const want = bsplineKanForward(x.arraySync() as number[][], weightsOf(layer), 3);
      // Sums of ~10·I float32 products of O(1) terms: rtol 1e-5 with atol 1e-5.
      expectClose(y.flat(), want.flat(), {rtol: 1e-5, atol: 1e-5}, 'y');
      x.dispose();
      layer.dispose();
    });
  }

  it('applies to the last axis of a rank-3 input', () => {
    const layer = bsplineKAN({units: 2, seed: 1});
    const x = rand([2, 3, 4], -1, 1, 5);
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).to.deep.equal([2, 3, 2]);
    const flat = (layer.apply(tf.reshape(x, [6, 4])) as tf.Tensor).dataSync();
    expectClose(y.dataSync(), flat, {rtol: 0, atol: 0}, 'rank-3 vs rank-2');
    tf.dispose([x, y]);
  });

  it('initialises like efficient-kan: kaiming-uniform base and scaler, splines fitted to small noise on a uniform grid', () => {
    const inDim = 16;
    const layer = bsplineKAN({units: 8, seed: 3});
    layer.apply(tf.zeros([1, inDim]));
    const w = weightsOf(layer);
    const bound = 1 / Math.sqrt(inDim); // kaiming_uniform(a=√5) on fan-in I
    for (const v of w.base.flat().concat(w.scaler.flat())) expect(Math.abs(v)).to.be.at.most(bound);
    expect(Math.max(...w.base.flat().map(Math.abs))).to.be.greaterThan(0.8 * bound);
    expect(w.grid[0]).to.deep.equal(knots(5, 3, -1, 1).map(Math.fround));
    // The spline at the G+1 interior knots reproduces the noise, |noise| <= 0.1/(2·5) = 0.01.
    const interior = knots(5, 3, -1, 1).slice(3, 9);
    const b = bsplineBases(
      interior.map(t => [t]),
      [knots(5, 3, -1, 1)],
      3,
    ).map(r => r[0]);
    let maxAbs = 0;
    for (let i = 0; i < inDim; i++) {
      for (let o = 0; o < 8; o++) {
        for (const row of b) {
          const s = row.reduce((acc, bj, j) => acc + bj * w.spline[i][j][o], 0);
          maxAbs = Math.max(maxAbs, Math.abs(s));
        }
      }
    }
    expect(maxAbs).to.be.at.most(0.01 + 1e-6);
    expect(maxAbs).to.be.greaterThan(0.005);
    layer.dispose();
  });

  it('has a spline branch of exactly zero outside the grid unless clampToGrid', () => {
    const plain = bsplineKAN({units: 2, seed: 4});
    const clamped = bsplineKAN({units: 2, seed: 4, clampToGrid: true});
    const far = tf.tensor2d([[5, -7]]);
    const edge = tf.tensor2d([[1, -1]]); // t_{G+k} = 1 and t_k = −1
    plain.apply(far);
    clamped.apply(far);
    randomiseWeights(plain, 7);
    clamped.setWeights(plain.getWeights());
    const w = weightsOf(plain);
    const silu = (v: number) => v / (1 + Math.exp(-v));
    const baseOnly = [0, 1].map(o => silu(5) * w.base[0][o] + silu(-7) * w.base[1][o]);
    expectClose((plain.apply(far) as tf.Tensor).dataSync(), baseOnly, {rtol: 1e-5, atol: 1e-6}, 'out of grid');
    // Clamped: base branch sees raw x, spline branch sees the grid ends.
    const splineAtEdge = tf.tidy(() =>
      tf
        .sub(plain.apply(edge) as tf.Tensor, tf.matMul(tf.sigmoid(edge).mul(edge), weight(plain, 'base_kernel').read()))
        .dataSync(),
    );
    const expected = baseOnly.map((v, o) => v + splineAtEdge[o]);
    expectClose((clamped.apply(far) as tf.Tensor).dataSync(), expected, {rtol: 1e-5, atol: 1e-6}, 'clamped');
    tf.dispose([far, edge]);
  });

  it('has gradients matching finite differences for inputs and weights', () => {
    const layer = bsplineKAN({units: 2, useBias: true, gridSize: 3, seed: 5});
    const x = rand([4, 3], -0.95, 0.95, 9);
    layer.apply(x);
    randomiseWeights(layer, 20);
    // Float32 central differences with eps 1e-3 (library defaults rtol 2e-2, atol 2e-3).
    const report = gradientCheck(layer, x, {maxEntries: 12});
    expect(report.checked).to.equal(38); // 12 input + 6 + 12 + 6 + 2 weight entries
    x.dispose();
  });

  it('is registered under BSplineKAN, a name plain tfjs does not register', () => {
    expect(registeredByPlainTfjs(['BSplineKAN'])).to.deep.equal([]);
    expect(tf.serialization.SerializationMap.getMap().classNameMap.BSplineKAN[0]).to.equal(BSplineKAN);
  });

  it('has I·O·(G+k+2) trainable parameters (+O with bias), 508,160 for [784, 64, 10]', () => {
    const a = bsplineKAN({units: 64, seed: 1});
    const b = bsplineKAN({units: 10, seed: 1, gridSize: 5});
    a.build([null, 784]);
    b.build([null, 64]);
    expect(trainableParamCount(a) + trainableParamCount(b)).to.equal(508160);
    const c = bsplineKAN({units: 3, gridSize: 4, splineOrder: 2, useBias: true});
    c.build([null, 5]);
    expect(trainableParamCount(c)).to.equal(5 * 3 * (4 + 2 + 2) + 3);
  });

  it('passes the layer suite (shapes, weights, config, save/load, fit step)', async () => {
    await runLayerSuite({
      make: () => bsplineKAN({units: 3, useBias: true, seed: 1, regularization: {l1: 0.5}}),
      inputShape: [4],
      outputShape: [3],
      weights: {base_kernel: [4, 3], spline_kernel: [4, 8, 3], spline_scaler: [4, 3], grid: [4, 12], bias: [3]},
    });
  });

  describe('updateGrid', () => {
    const setup = (seed: number) => {
      const layer = bsplineKAN({units: 2, seed});
      const x = rand([256, 3], -0.9, 0.9, seed + 1);
      layer.apply(x);
      // Random spline coefficients, as in the research addendum's measurement.
      weight(layer, 'spline_kernel').write(rand([3, 8, 2], -1, 1, seed + 2));
      return {layer, x};
    };

    it('matches the float64 reference of the corrected algorithm (grid and coefficients)', () => {
      const {layer, x} = setup(30);
      const before = weightsOf(layer);
      layer.updateGrid(x, {margin: 0.01, gridEps: 0.02});
      const after = weightsOf(layer);
      const ref = updateGridReference(x.arraySync() as number[][], before, 5, 3, 0.01, 0.02);
      expectClose(after.grid.flat(), ref.grid.flat(), {rtol: 1e-6, atol: 1e-6}, 'grid');
      // Least squares via float32 bases and float64 normal equations vs ml-matrix QR
      // on float64 bases: agreement to 1e-3 of the coefficient scale (~1).
      expectClose(after.spline.flat(2), ref.spline.flat(2), {rtol: 1e-3, atol: 2e-3}, 'spline_kernel');
      x.dispose();
    });

    it('keeps the layer output within 2% (relative max) on data inside the old range', () => {
      const measured: number[] = [];
      for (const seed of [40, 50, 60]) {
        const {layer, x} = setup(seed);
        const y0 = (layer.apply(x) as tf.Tensor).dataSync();
        layer.updateGrid(x);
        const y1 = (layer.apply(x) as tf.Tensor).dataSync();
        let maxDiff = 0;
        let maxAbs = 0;
        y0.forEach((v, i) => {
          maxDiff = Math.max(maxDiff, Math.abs(y1[i] - v));
          maxAbs = Math.max(maxAbs, Math.abs(v));
        });
        measured.push(maxDiff / maxAbs);
        // efficient-kan's bug (refit not divided by the scaler) would change it far more:
        const s = weight(layer, 'spline_scaler').read();
        const buggy = tf.tidy(() => {
          const c = weight(layer, 'spline_kernel').read().clone();
          weight(layer, 'spline_kernel').write(tf.mul(c, tf.expandDims(s, 1)));
          const y = (layer.apply(x) as tf.Tensor).dataSync();
          weight(layer, 'spline_kernel').write(c);
          return y;
        });
        let buggyDiff = 0;
        y0.forEach((v, i) => (buggyDiff = Math.max(buggyDiff, Math.abs(buggy[i] - v))));
        expect(buggyDiff / maxAbs, 'double-scaled refit').to.be.greaterThan(0.1);
        x.dispose();
        layer.dispose();
      }
      for (const m of measured) expect(m).to.be.lessThan(0.02);
    });

    it('saves and reloads the updated grid through tfa.io.fileSystem', async () => {
      const {layer, x} = setup(70);
      const input = tf.input({shape: [3]});
      const model = tf.model({inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor});
      layer.updateGrid(tf.mul(x, 2)); // data in [-1.8, 1.8]: the grid widens
      const grid = weight(layer, 'grid').read().arraySync() as number[][];
      expect(grid[0][3]).to.be.lessThan(-1.5);
      const loaded = await roundTrip(model, x);
      const loadedLayer = loaded.layers[loaded.layers.length - 1];
      const loadedGrid = loadedLayer.weights
        .find(w => w.name.includes('grid'))!
        .read()
        .arraySync();
      expect(loadedGrid).to.deep.equal(grid);
      loaded.dispose();
      model.dispose();
      x.dispose();
    });

    it('rejects bad options and inputs with errors naming the argument', () => {
      const {layer, x} = setup(80);
      expect(() => layer.updateGrid(x, {margin: -1})).to.throw(/margin.*-1/);
      expect(() => layer.updateGrid(x, {gridEps: 2})).to.throw(/gridEps.*2/);
      expect(() => layer.updateGrid(tf.ones([4, 2]))).to.throw(/x must have 3 features/);
      expect(() => layer.updateGrid(tf.tensor2d([[NaN, 0, 0]]))).to.throw(/x must contain only finite values/);
      expect(() => bsplineKAN({units: 1}).updateGrid(x)).to.throw(/updateGrid needs a built layer/);
      x.dispose();
      layer.dispose();
    });
  });

  describe('regularizationLoss', () => {
    it('equals efficient-kan regularization_loss on the spline kernel', () => {
      const layer = bsplineKAN({units: 3, seed: 1});
      layer.apply(tf.zeros([1, 4]));
      randomiseWeights(layer, 3);
      const c = weight(layer, 'spline_kernel').read().arraySync() as number[][][];
      const got = layer.regularizationLoss({l1: 0.7, entropy: 1.3});
      // Sum of 12 means plus an entropy: float32 with eps 1e-8 terms, rtol 1e-5.
      expectClose(got.dataSync(), [regularizationReference(c, 0.7, 1.3)], {rtol: 1e-5}, 'loss');
      got.dispose();
    });

    it('is 0, not NaN, for an all-zero kernel', () => {
      const layer = bsplineKAN({units: 2});
      layer.apply(tf.zeros([1, 2]));
      weight(layer, 'spline_kernel').write(tf.zeros([2, 8, 2]));
      const v = layer.regularizationLoss();
      expect(v.dataSync()[0]).to.equal(0);
      const kernel = weight(layer, 'spline_kernel').read() as tf.Variable;
      const {grads} = tf.variableGrads(() => layer.regularizationLoss(), [kernel]);
      for (const g of grads[kernel.name].dataSync()) expect(Number.isNaN(g)).to.equal(false);
      tf.dispose(grads);
      v.dispose();
    });

    it('is added to the fit loss only when the regularization argument is set', async () => {
      const x = rand([8, 3], -1, 1, 1);
      const t = rand([8, 2], -1, 1, 2);
      const losses: number[] = [];
      let regValue = 0;
      for (const regularization of [null, {l1: 2, entropy: 0.5}]) {
        const layer = bsplineKAN({units: 2, seed: 9, inputShape: [3], regularization});
        const model = tf.sequential({layers: [layer]});
        model.compile({optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError'});
        if (regularization != null) {
          const r = layer.regularizationLoss(regularization);
          regValue = r.dataSync()[0];
          r.dispose();
        }
        const h = await model.fit(x, t, {epochs: 1, batchSize: 8, verbose: 0});
        losses.push(h.history.loss[0] as number);
        // predict/evaluate do not include it: evaluate of both models is the data loss only.
        model.dispose();
      }
      expect(regValue).to.be.greaterThan(0.1);
      // The reported fit loss is computed before the update, with identical seeded weights.
      expect(losses[1] - losses[0]).to.be.closeTo(regValue, 1e-5 * (1 + regValue));
      tf.dispose([x, t]);
    });
  });

  it('does not leak tensors across fit steps and updateGrid calls', async () => {
    const model = tf.sequential({layers: [bsplineKAN({units: 4, inputShape: [3], seed: 1, regularization: {}})]});
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    const x = rand([16, 3], -1, 1, 1);
    const t = rand([16, 4], -1, 1, 2);
    await expectNoLeak(async () => {
      await model.fit(x, t, {epochs: 1, batchSize: 8, verbose: 0});
      (model.layers[0] as BSplineKAN).updateGrid(x);
    }, 4);
    tf.dispose([x, t]);
    model.dispose();
  });

  it('rejects bad configuration with errors naming the argument and value @wasm', () => {
    expect(() => bsplineKAN({units: 0})).to.throw(/units.*0/);
    expect(() => bsplineKAN({units: 2.5})).to.throw(/units.*2\.5/);
    expect(() => bsplineKAN({units: 2, gridSize: 0})).to.throw(/gridSize.*0/);
    expect(() => bsplineKAN({units: 2, splineOrder: -1})).to.throw(/splineOrder.*-1/);
    expect(() => bsplineKAN({units: 2, splineOrder: 1.5})).to.throw(/splineOrder.*1\.5/);
    expect(() => bsplineKAN({units: 2, gridRange: [1, -1]})).to.throw(/gridRange.*\[1,-1\]/);
    expect(() => bsplineKAN({units: 2, gridRange: [0, 0]})).to.throw(/gridRange.*\[0,0\]/);
    expect(() => bsplineKAN({units: 2, baseActivation: 'swish' as any})).to.throw(/baseActivation.*swish/);
    expect(() => bsplineKAN({units: 2, regularization: {l1: -1}})).to.throw(/regularization\.l1.*-1/);
  });

  it('learns sin(πx)·exp(y) on [-1, 1]² as a [2, 5, 1] network to MSE < 5e-3 (wasm)', async () => {
    await withBackend('wasm', async () => {
      // Target variance ≈ 1.06 on these points; measured MSE 4.8e-4 (docs/guide/kan.md).
      const n = 256;
      const x = rand([n, 2], -1, 1, 21);
      const y = tf.tidy(() => {
        const [a, b] = tf.split(x, 2, 1);
        return tf.mul(tf.sin(tf.mul(a, Math.PI)), tf.exp(b));
      });
      const model = tf.sequential({
        layers: [bsplineKAN({units: 5, inputShape: [2], seed: 1}), bsplineKAN({units: 1, seed: 2, gridRange: [-2, 2]})],
      });
      model.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
      await model.fit(x, y, {epochs: 200, batchSize: n, verbose: 0});
      const mse = (model.evaluate(x, y) as tf.Scalar).dataSync()[0];
      expect(mse).to.be.lessThan(5e-3);
      tf.dispose([x, y]);
      model.dispose();
    });
  });
});
