import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {AFKAN, afKAN, AFKAN_ACTIVATIONS, AFKAN_FUNCS, AFKAN_REDUCTIONS} from '../../../src/layers/kan/af';
import type {AFKANArgs} from '../../../src/layers/kan/af';
import {withBackend} from '../../helpers/backends';
import {expectClose} from '../../helpers/close';
import {gradientCheck} from '../../helpers/gradcheck';
import {runLayerSuite} from '../../helpers/layer_suite';
import {expectNoLeak} from '../../helpers/leaks';
import {registeredByPlainTfjs} from '../../helpers/registry';
import {roundTrip} from '../../helpers/roundtrip';
import {sinExpTask} from './sin_exp_task';
import {afKan64} from '../../reference/kan_extra';

function named(layer: tf.layers.Layer): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const w of layer.weights) {
    const n = w.originalName;
    out[n.slice(n.lastIndexOf('/') + 1)] = w.read().dataSync() as Float32Array;
  }
  return out;
}

function free(layer: tf.layers.Layer): void {
  layer.weights.forEach(w => w.dispose());
}

function perturb(layer: tf.layers.Layer, scale: number, seed: number): void {
  layer.setWeights(
    layer.getWeights().map((w, i) => tf.add(w, tf.randomUniform(w.shape, -scale, scale, 'float32', seed + i))),
  );
}

/** Builds, perturbs and compares one configuration with the float64 reference; returns the max abs error. */
function compareWithReference(args: AFKANArgs, I: number, N = 5, seed = 1): void {
  // Seeded initialisers: with Math.random weights the LayerNorm-amplified float32
  // error occasionally crossed atol (2.2e-5 seen once for selu), a flaky test.
  const layer = afKAN({seed, ...args});
  layer.build([null, I]);
  perturb(layer, 0.1, seed);
  const x = tf.randomUniform([N, I], -1, 1, 'float32', seed + 100);
  const y = layer.apply(x) as tf.Tensor;
  const w = named(layer);
  const n = (args.gridSize ?? 3) + (args.splineOrder ?? 3);
  const expected = afKan64(
    x.dataSync(),
    N,
    I,
    args.units,
    n,
    {
      activation: args.activation ?? 'silu',
      func: args.func ?? 'quad1',
      reduction: args.reduction ?? 'global-attn',
      layerNorm: args.useLayerNorm ?? true,
    },
    {
      low: w.phase_low,
      high: w.phase_high,
      reduceKernel: w.reduce_kernel,
      reduceBias: w.reduce_bias,
      convKernel: w.conv_kernel,
      convBias: w.conv_bias,
      temperature: w.temperature?.[0],
      lnGamma: w.ln_gamma,
      lnBeta: w.ln_beta,
      kernel: w.kernel,
    },
  );
  // rtol 1e-5 as the issue asks; atol 1e-5 because LayerNorm divides float32
  // rounding of z by its (sometimes small) standard deviation.
  expectClose(y.dataSync(), expected, {rtol: 1e-5, atol: 1e-5}, `y for ${JSON.stringify(args)}`);
  tf.dispose([x, y]);
  free(layer);
}

describe('AFKAN', () => {
  it('matches the float64 reference of af_kan.py to 1e-5 for each reduction @wasm', () => {
    for (const reduction of AFKAN_REDUCTIONS) {
      compareWithReference({units: 3, reduction}, 4, 5, 1);
      compareWithReference({units: 5, reduction, gridSize: 4, splineOrder: 2}, 3, 5, 2);
    }
  });

  it('matches the float64 reference for every activation and every function combination', () => {
    for (const activation of AFKAN_ACTIVATIONS) compareWithReference({units: 2, activation}, 3, 4, 3);
    for (const func of AFKAN_FUNCS) compareWithReference({units: 2, func}, 3, 4, 4);
    compareWithReference({units: 2, func: 'cubic1', activation: 'gelu', reduction: 'spatial-attn'}, 5, 4, 5);
    compareWithReference({units: 2, useLayerNorm: false, reduction: 'multistep'}, 1, 4, 6);
  });

  it('has O·I + 3(g+k) + 2 + 2I parameters with global-attn (52,552 for [784, 64, 10])', () => {
    for (const [I, O, g, k] of [
      [784, 64, 3, 3],
      [64, 10, 3, 3],
      [5, 3, 4, 1],
      [3, 7, 1, 0],
    ]) {
      const layer = afKAN({units: O, gridSize: g, splineOrder: k});
      layer.build([null, I]);
      expect(layer.countParams(), `I=${I}, O=${O}, g=${g}, k=${k}`).to.equal(O * I + 3 * (g + k) + 2 + 2 * I);
      free(layer);
    }
    const model = tf.sequential({layers: [afKAN({units: 64, inputShape: [784]}), afKAN({units: 10})]});
    expect(model.countParams()).to.equal(52552); // kan.md §4, computed from af_kan.py's used parameters
    model.dispose();
  });

  it('has O·I + 6(g+k) + 1 + 2I parameters with spatial-attn and O·I + 3(g+k) + 1 + 2I with multistep', () => {
    const [I, O, g, k] = [6, 4, 3, 2];
    const spatial = afKAN({units: O, gridSize: g, splineOrder: k, reduction: 'spatial-attn'});
    spatial.build([null, I]);
    expect(spatial.countParams()).to.equal(O * I + 6 * (g + k) + 1 + 2 * I);
    const multi = afKAN({units: O, gridSize: g, splineOrder: k, reduction: 'multistep', useLayerNorm: false});
    multi.build([null, I]);
    expect(multi.countParams()).to.equal(O * I + 3 * (g + k) + 1);
    free(spatial);
    free(multi);
  });

  it('has gradients matching finite differences for inputs and all weights, for each reduction', () => {
    for (const reduction of AFKAN_REDUCTIONS) {
      const layer = afKAN({units: 2, reduction});
      layer.build([null, 3]);
      perturb(layer, 0.1, 30);
      const x = tf.randomUniform([4, 3], -1, 1, 'float32', 31);
      const report = gradientCheck(layer, x, {eps: 1e-3, rtol: 2e-2, atol: 2e-3});
      expect(report.checked, reduction).to.be.greaterThan(40);
      x.dispose();
      free(layer);
    }
  });

  it('passes the layer suite with the defaults @wasm', async () => {
    await runLayerSuite({
      make: () => afKAN({units: 3}),
      inputShape: [5],
      outputShape: [3],
      weights: {
        phase_low: [6],
        phase_high: [6],
        reduce_kernel: [6],
        reduce_bias: [1],
        temperature: [],
        ln_gamma: [5],
        ln_beta: [5],
        kernel: [5, 3],
      },
      // With global-attn, reduce_bias shifts every score of a row equally, so the
      // softmax over inputs ignores it: its gradient is exactly 0, as in af_kan.py.
      unchangedByFit: ['reduce_bias'],
    });
  });

  it('passes the layer suite with hyphenated enum values (leaky-relu, sum-prod, spatial-attn)', async () => {
    await runLayerSuite({
      make: () =>
        afKAN({
          units: 2,
          gridSize: 2,
          splineOrder: 1,
          activation: 'leaky-relu',
          func: 'sum-prod',
          reduction: 'spatial-attn',
        }),
      inputShape: [4],
      outputShape: [2],
      weights: {
        phase_low: [3],
        phase_high: [3],
        conv_kernel: [3, 3],
        conv_bias: [3],
        temperature: [],
        ln_gamma: [4],
        ln_beta: [4],
        kernel: [4, 2],
      },
    });
  });

  it('round-trips getConfig and is registered under AFKAN, a name plain tfjs does not register', () => {
    expect(registeredByPlainTfjs(['AFKAN'])).to.deep.equal([]);
    const layer = afKAN({
      units: 4,
      gridSize: 2,
      splineOrder: 1,
      activation: 'gelu',
      func: 'cubic2',
      reduction: 'multistep',
      useLayerNorm: false,
      seed: 5,
    });
    const cfg = layer.getConfig();
    expect(cfg).to.include({
      units: 4,
      gridSize: 2,
      splineOrder: 1,
      activation: 'gelu',
      func: 'cubic2',
      reduction: 'multistep',
      useLayerNorm: false,
      seed: 5,
    });
    expect(tf.serialization.SerializationMap.getMap().classNameMap.AFKAN[0]).to.equal(AFKAN);
    expect(AFKAN.fromConfig(AFKAN, cfg).getConfig()).to.deep.equal(cfg);
  });

  it('saves and reloads through tfa.io.fileSystem with identical weights and predictions', async () => {
    const model = tf.sequential({
      layers: [afKAN({units: 4, inputShape: [3], reduction: 'spatial-attn'}), afKAN({units: 2, func: 'quad2'})],
    });
    model.layers.forEach((l, i) => perturb(l, 0.1, 50 + i));
    const x = tf.randomUniform([6, 3], -1, 1, 'float32', 2);
    (await roundTrip(model, x)).dispose();
    model.dispose();
    x.dispose();
  });

  it('does not leak tensors across fit epochs', async () => {
    const model = tf.sequential({
      layers: [afKAN({units: 4, inputShape: [3]}), afKAN({units: 1, reduction: 'spatial-attn'})],
    });
    model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const x = tf.randomUniform([16, 3], -1, 1, 'float32', 3);
    const y = tf.randomUniform([16, 1], 0, 1, 'float32', 4);
    await expectNoLeak(async () => {
      await model.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0});
      (model.predict(x) as tf.Tensor).dispose();
    }, 5);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('fits sin(πx)·exp(y) on [-1,1]² to a test MSE below 0.2 with a [2, 8, 1] network (wasm)', async () => {
    // Measured with these seeds: test MSE 0.091 after 150 full-batch Adam steps
    // (4 unseeded runs: 0.08-0.12); predicting the mean gives ≈ 0.89 (the variance). AF-KAN sums
    // its bumps without per-basis weights, so it fits far worse than ReLUKAN here.
    // The first layer has no LayerNorm: over I = 2 inputs it keeps only sign(z₁ − z₂).
    await withBackend('wasm', async () => {
      const {xTrain, xTest, yTrain, yTest} = sinExpTask(128, 128, -1, 1);
      const model = tf.sequential({
        layers: [afKAN({units: 8, inputShape: [2], useLayerNorm: false, seed: 1}), afKAN({units: 1, seed: 4})],
      });
      model.compile({optimizer: tf.train.adam(0.03), loss: 'meanSquaredError'});
      await model.fit(xTrain, yTrain, {epochs: 150, batchSize: 128, verbose: 0});
      const mse = tf.tidy(() => tf.losses.meanSquaredError(yTest, model.predict(xTest) as tf.Tensor).dataSync()[0]);
      const variance = tf.tidy(() => tf.moments(yTest).variance.dataSync()[0]);
      expect(variance).to.be.greaterThan(0.8);
      expect(mse).to.be.lessThan(0.2);
      tf.dispose([xTrain, xTest, yTrain, yTest]);
      model.dispose();
    });
  });

  it('rejects bad configuration with errors naming the argument and value', () => {
    expect(() => afKAN({units: 0})).to.throw(/units.*0/);
    expect(() => afKAN({units: 2, gridSize: 0})).to.throw(/gridSize.*0/);
    expect(() => afKAN({units: 2, splineOrder: -1})).to.throw(/splineOrder.*-1/);
    expect(() => afKAN({units: 2, activation: 'swish' as never})).to.throw(/activation.*'swish'/);
    expect(() => afKAN({units: 2, activation: 'leaky_relu' as never})).to.throw(/activation.*'leaky_relu'/);
    expect(() => afKAN({units: 2, func: 'sum_prod' as never})).to.throw(/func.*'sum_prod'/);
    expect(() => afKAN({units: 2, reduction: 'self-attn' as never})).to.throw(/reduction.*'self-attn'/);
    expect(() => afKAN({units: 2, useLayerNorm: 1 as never})).to.throw(/useLayerNorm.*1/);
    expect(() => afKAN({units: 2, seed: Infinity})).to.throw(/seed.*Infinity/);
    expect(() => afKAN({units: 2}).apply(tf.input({shape: [1]}))).to.throw(/input size with useLayerNorm.*1/);
  });
});
