import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import * as tfa from '../../src';
import {hessianEigenvalues} from '../../src/spectral/hessian';
import {expectNoLeak} from '../helpers/leaks';
import {fdHessian, jacobiEigenvalues, mlpMseGrad} from '../reference/seeds';

function linearModel(nIn: number): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 1,
        inputShape: [nIn],
        useBias: false,
        kernelInitializer: tf.initializers.randomNormal({seed: 5}),
      }),
    ],
  });
  model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  return model;
}

function mlp(nIn: number, nHid: number, seed: number): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: nHid,
        inputShape: [nIn],
        activation: 'tanh',
        kernelInitializer: tf.initializers.randomNormal({stddev: 0.8, seed}),
        biasInitializer: tf.initializers.randomNormal({stddev: 0.3, seed: seed + 1}),
      }),
      tf.layers.dense({
        units: 1,
        kernelInitializer: tf.initializers.randomNormal({stddev: 0.8, seed: seed + 2}),
        biasInitializer: tf.initializers.constant({value: 0.1}),
      }),
    ],
  });
  model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  return model;
}

/** 2XᵀX/N in float64. */
function linRegHessian(x: Float32Array, nRows: number, nIn: number): Float64Array {
  const h = new Float64Array(nIn * nIn);
  for (let r = 0; r < nRows; r++)
    for (let i = 0; i < nIn; i++)
      for (let j = 0; j < nIn; j++) h[i * nIn + j] += (2 * x[r * nIn + i] * x[r * nIn + j]) / nRows;
  return h;
}

describe('spectral.hessianEigenvalues', () => {
  it('is exported as tfa.spectral.hessianEigenvalues', () => {
    expect(tfa.spectral.hessianEigenvalues).to.equal(hessianEigenvalues);
  });

  it('gives the eigenvalues of 2XᵀX/N for linear regression (MSE), Lanczos and full, within 1e-3 relative @wasm', async () => {
    const [nRows, nIn] = [40, 6];
    const x = tf.randomNormal([nRows, nIn], 0, 1, 'float32', 11);
    const scale = tf.tensor1d([3, 1, 0.5, 2, 1, 0.2]); // spread the spectrum
    const xs = tf.mul(x, scale);
    const y = tf.randomNormal([nRows, 1], 0, 1, 'float32', 12);
    const model = linearModel(nIn);
    const exact = jacobiEigenvalues(linRegHessian(xs.dataSync() as Float32Array, nRows, nIn), nIn);
    const lan = await hessianEigenvalues(model, xs, y, {k: 3});
    const fullH = await hessianEigenvalues(model, xs, y, {k: nIn, method: 'full'});
    // Quadratic loss: the central difference is exact up to float32 round-off of the gradients (~1e-6 relative).
    for (let i = 0; i < 3; i++) expect(lan[i], `λ${i + 1} lanczos`).to.be.closeTo(exact[i], 1e-3 * exact[0]);
    for (let i = 0; i < nIn; i++) expect(fullH[i], `λ${i + 1} full`).to.be.closeTo(exact[i], 1e-3 * exact[0]);
    tf.dispose([x, scale, xs, y]);
    model.dispose();
  });

  for (const seed of [1, 7]) {
    it(`matches a float64 finite-difference Hessian of a tanh MLP (3-5-1, MSE) to 1 % on the top eigenvalue, seed ${seed}`, async () => {
      const [nRows, nIn, nHid] = [24, 3, 5];
      const model = mlp(nIn, nHid, seed);
      const x = tf.randomNormal([nRows, nIn], 0, 1, 'float32', seed + 20);
      const y = tf.randomNormal([nRows, 1], 0, 1, 'float32', seed + 21);
      const [k1, b1, k2, b2] = model.getWeights().map(w => Array.from(w.dataSync()));
      const p0 = Float64Array.from([...k1, ...b1, ...k2, ...b2]); // the reference's layout [W1, b1, W2, b2]
      const xd = x.dataSync();
      const yd = y.dataSync();
      const h64 = fdHessian(p => mlpMseGrad(p, xd, yd, nIn, nHid), p0);
      const exact = jacobiEigenvalues(h64, p0.length);
      const [top, second] = await hessianEigenvalues(model, x, y, {k: 2});
      expect(Math.abs(top - exact[0]) / Math.abs(exact[0]), `λmax ${top} vs ${exact[0]}`).to.be.lessThan(0.01);
      expect(Math.abs(second - exact[1]) / Math.abs(exact[0]), `λ2 ${second} vs ${exact[1]}`).to.be.lessThan(0.01);
      // The weights are restored exactly.
      const after = model
        .getWeights()
        .map(w => Array.from(w.dataSync()))
        .flat();
      expect(after).to.deep.equal(Array.from(p0, v => Math.fround(v)));
      tf.dispose([x, y]);
      model.dispose();
    });
  }

  it("uses a ReLU MLP with cross-entropy too (where tfjs double gradients return 0): λmax > 0 and equal to the full Hessian's", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 6,
          inputShape: [4],
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotNormal({seed: 3}),
        }),
        tf.layers.dense({units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({seed: 4})}),
      ],
    });
    model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
    const x = tf.randomNormal([32, 4], 0, 1, 'float32', 8);
    const y = tf.oneHot(
      tf.tensor1d(
        [0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2, 1, 1, 0, 2, 0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 2, 1, 1, 0, 2],
        'int32',
      ),
      3,
    );
    // A step small enough not to cross ReLU kinks on 32 samples (the default √ε·(1+‖w‖) ≈ 1.4e-3 crosses
    // some and the two solvers then disagree by ~2 %; measured).
    const [lan] = await hessianEigenvalues(model, x, y, {step: 3e-4});
    const [ful] = await hessianEigenvalues(model, x, y, {method: 'full', step: 3e-4});
    expect(lan).to.be.greaterThan(0);
    // Same finite-difference HVPs, two eigen-solvers: agreement to 1 %.
    expect(Math.abs(lan - ful) / ful).to.be.lessThan(0.01);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('leaks no tensors over repeated calls', async () => {
    const model = linearModel(4);
    const x = tf.randomNormal([10, 4], 0, 1, 'float32', 1);
    const y = tf.randomNormal([10, 1], 0, 1, 'float32', 2);
    await expectNoLeak(() => hessianEigenvalues(model, x, y, {steps: 4}), 5);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad arguments with errors naming them', async () => {
    const model = linearModel(3);
    const x = tf.zeros([4, 3]);
    const y = tf.zeros([4, 1]);
    const bad = async (p: Promise<unknown>, re: RegExp) => {
      let err: unknown = null;
      try {
        await p;
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(re);
    };
    await bad(hessianEigenvalues(model, x, y, {k: 0}), /k.*0/);
    await bad(hessianEigenvalues(model, x, y, {k: 4}), /k.*3.*4/);
    await bad(hessianEigenvalues(model, x, y, {method: 'power' as never}), /method.*power/);
    await bad(hessianEigenvalues(model, x, y, {step: -1}), /step.*-1/);
    await bad(hessianEigenvalues(model, x, tf.zeros([5, 1]), {}), /batch size.*4 and 5/);
    const raw = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [3]})]});
    await bad(hessianEigenvalues(raw, x, y), /compiled/);
    const nanX = tf.fill([4, 3], NaN);
    await bad(hessianEigenvalues(model, nanX, y), /finite.*NaN/);
    tf.dispose([x, y, nanX]);
    model.dispose();
    raw.dispose();
  });
});
