import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {schedules, spectra, Spectra} from '../../src/optimizers';
import {expectNoLeak} from '../helpers/leaks';
import {applySteps} from '../helpers/optimizer_steps';
import {type Param64, randn, spectraSteps64, type SpectraRefConfig} from '../reference/optimizers';

let uid = 0;

function problem(): {params: Param64[]; grads: Float64Array[][]} {
  const tag = `spectratest${uid++}`;
  const specs: Array<[string, number[]]> = [
    [`${tag}/tall/kernel`, [9, 4]], // α = 1
    [`${tag}/wide/kernel`, [4, 9]], // α = √(9/4) = 1.5
    [`${tag}/wide2/kernel`, [4, 9]], // batched with the previous one
    [`${tag}/conv/kernel`, [2, 2, 2, 5]], // [8, 5] view
    [`${tag}/wide/bias`, [9]],
  ];
  const params = specs.map(([name, shape], k) => ({
    name,
    shape,
    w: randn(
      shape.reduce((a, b) => a * b, 1),
      200 + k,
      0.5,
    ),
  }));
  // Gradient scales vary so that some updates are clipped hard and some barely.
  const grads = [0, 1, 2, 3, 4].map(t => params.map((p, k) => randn(p.w.length, 2000 * t + k, 0.3 + k)));
  return {params, grads};
}

function expectMatches(got: Float32Array[], params: Param64[]): void {
  // Tolerance: the coupled Newton–Schulz clip (10 steps, float32) agrees with
  // the exact SVD clip to ~1e-6 relative on these sizes (c/σ ≥ 0.3); times
  // lr ≤ 0.05 over 5 steps, plus float32 weights: atol 5e-6, rtol 1e-5.
  params.forEach((p, k) => {
    for (let i = 0; i < p.w.length; i++) {
      expect(Math.abs(got[k][i] - p.w[i]), `${p.name}[${i}]: got ${got[k][i]}, expected ${p.w[i]}`).to.be.at.most(
        5e-6 + 1e-5 * Math.abs(p.w[i]),
      );
    }
  });
}

describe('Spectra', () => {
  const cases: Array<{applyTo: 'matrices' | 'all'; weightDecay: number; preClip: number | null; c: number}> = [
    {applyTo: 'matrices', weightDecay: 0, preClip: null, c: 5},
    {applyTo: 'matrices', weightDecay: 0.1, preClip: null, c: 2},
    {applyTo: 'all', weightDecay: 0.1, preClip: null, c: 2},
    {applyTo: 'all', weightDecay: 0, preClip: 3, c: 5},
    {applyTo: 'matrices', weightDecay: 0.1, preClip: 2, c: 1.5},
  ];
  for (const {applyTo, weightDecay, preClip, c} of cases) {
    it(`matches 5 float64 steps with the exact SVD clip (applyTo '${applyTo}', weightDecay ${weightDecay}, preClip ${preClip}, c ${c})${c === 5 && preClip == null ? ' @wasm' : ''}`, () => {
      const {params, grads} = problem();
      const lr = 0.05;
      const opt = spectra({
        learningRate: lr,
        beta1: 0.8,
        beta2: 0.99,
        weightDecay,
        clipScale: 'absolute',
        clipThreshold: c,
        applyTo,
        preClipThreshold: preClip,
      });
      const got = applySteps(params, grads, opt);
      const cfg: SpectraRefConfig = {
        lrs: [lr, lr, lr, lr, lr],
        beta1: 0.8,
        beta2: 0.99,
        eps: 1e-7,
        weightDecay,
        c,
        applyTo,
        preClip,
        warmupSteps: 0,
        lrBase: lr,
      };
      spectraSteps64(params, grads, cfg);
      expectMatches(got, params);
      opt.dispose();
    });
  }

  // The default scale: c·(√fanIn + √fanOut) per matrix, c·(1 + √n) per vector.
  // Gradients are scaled up so that the Adam updates of the matrices reach
  // their thresholds (sign-like updates of these shapes sit near √fanIn + √fanOut).
  for (const {applyTo, c} of [
    {applyTo: 'matrices' as const, c: 0.4},
    {applyTo: 'all' as const, c: 0.25},
  ]) {
    it(`defaults to clipScale 'sqrt-fan' and matches 5 float64 steps with c·(√fanIn + √fanOut) (applyTo '${applyTo}', c ${c})`, () => {
      const {params, grads} = problem();
      const lr = 0.05;
      const opt = spectra({learningRate: lr, beta1: 0.8, beta2: 0.99, weightDecay: 0.1, clipThreshold: c, applyTo});
      expect(opt.clipScale).to.equal('sqrt-fan');
      const got = applySteps(params, grads, opt);
      spectraSteps64(params, grads, {
        lrs: [lr, lr, lr, lr, lr],
        beta1: 0.8,
        beta2: 0.99,
        eps: 1e-7,
        weightDecay: 0.1,
        c,
        applyTo,
        preClip: null,
        warmupSteps: 0,
        lrBase: lr,
        clipScale: 'sqrt-fan',
      });
      expectMatches(got, params);
      opt.dispose();
    });
  }

  it('default spectra(): threshold 1·(√fanIn + √fanOut), matches float64 steps; the absolute c = 10 form differs', () => {
    const {params, grads} = problem();
    const base = {
      lrs: [1e-3, 1e-3, 1e-3, 1e-3, 1e-3],
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-7,
      weightDecay: 0.1,
      applyTo: 'matrices' as const,
      preClip: null,
      warmupSteps: 0,
      lrBase: 1e-3,
    };
    const got = applySteps(params, grads, spectra());
    const expected = params.map(p => ({...p, w: Float64Array.from(p.w)}));
    spectraSteps64(expected, grads, {...base, c: 1, clipScale: 'sqrt-fan'});
    expectMatches(got, expected);
    // The paper's absolute c = 10 clips these [9, 4] … [8, 5] updates less
    // (√9 + √4 = 5 < 10): the two forms are distinguishable here.
    const paper = params.map(p => ({...p, w: Float64Array.from(p.w)}));
    spectraSteps64(paper, grads, {...base, c: 10, clipScale: 'absolute'});
    const diff = Math.max(...paper.flatMap((p, k) => Array.from(p.w, (v, i) => Math.abs(v - expected[k].w[i]))));
    expect(diff).to.be.greaterThan(1e-4);
  });

  it('couples the threshold to a warmup schedule as c_k = c·lr_base/lr_k', () => {
    const {params, grads} = problem();
    const lr = schedules.linearWarmup({learningRate: 0.05, warmupSteps: 3});
    const opt = spectra({
      learningRate: lr,
      beta1: 0.8,
      beta2: 0.99,
      weightDecay: 0.1,
      clipScale: 'absolute',
      clipThreshold: 1,
      preClipThreshold: 2,
      warmupSteps: 3,
    });
    const got = applySteps(params, grads, opt);
    // lr_k = 0.05·min(1, (k+1)/3): 0.01667, 0.03333, 0.05, 0.05, 0.05; lr_base = lr(3) = 0.05.
    const lrs = [0, 1, 2, 3, 4].map(k => 0.05 * Math.min(1, (k + 1) / 3));
    spectraSteps64(params, grads, {
      lrs,
      beta1: 0.8,
      beta2: 0.99,
      eps: 1e-7,
      weightDecay: 0.1,
      c: 1,
      applyTo: 'matrices',
      preClip: 2,
      warmupSteps: 3,
      lrBase: 0.05,
    });
    expectMatches(got, params);
    expect(opt.thresholdScale(0)).to.be.closeTo(3, 1e-12);
    expect(opt.thresholdScale(3)).to.equal(1);
    opt.dispose();
  });

  it('keeps weights finite for a zero gradient and a zero learning rate', () => {
    const w = tf.variable(tf.ones([3, 5]), true, `spectrazero${uid++}/kernel`);
    const b = tf.variable(tf.ones([5]), true, `spectrazero${uid++}/bias`);
    const opt = spectra({applyTo: 'all', preClipThreshold: 0.1, warmupSteps: 2, learningRate: () => 0});
    opt.applyGradients([
      {name: w.name, tensor: tf.zeros([3, 5])},
      {name: b.name, tensor: tf.zeros([5])},
    ]);
    expect(Array.from(w.dataSync()).every(v => v === 1)).to.equal(true);
    const opt2 = spectra({applyTo: 'all', preClipThreshold: 0.1});
    opt2.applyGradients([
      {name: w.name, tensor: tf.zeros([3, 5])},
      {name: b.name, tensor: tf.zeros([5])},
    ]);
    expect(Array.from(w.dataSync()).every(v => Number.isFinite(v))).to.equal(true);
    expect(Array.from(b.dataSync()).every(v => Number.isFinite(v))).to.equal(true);
    tf.dispose([w, b]);
    opt.dispose();
    opt2.dispose();
  });

  it('trains a model through compile/fit and leaks no tensors across steps @wasm', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 8,
          activation: 'relu',
          inputShape: [5],
          kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
        }),
        tf.layers.dense({units: 1, kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
      ],
    });
    const opt = spectra({learningRate: 1e-2, applyTo: 'all', preClipThreshold: 1});
    model.compile({optimizer: opt, loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 5], 0, 1, 'float32', 4);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 5);
    const l0 = model.evaluate(x, y) as tf.Scalar;
    const loss0 = l0.dataSync()[0];
    l0.dispose();
    await expectNoLeak(() => model.trainOnBatch(x, y), 8);
    const l1 = model.evaluate(x, y) as tf.Scalar;
    expect(l1.dataSync()[0]).to.be.lessThan(loss0);
    l1.dispose();
    tf.dispose([x, y]);
    model.dispose();
    opt.dispose();
  });

  it('round-trips its config with a schedule', () => {
    const opt = new Spectra({
      learningRate: schedules.cosine({learningRate: 2e-3, decaySteps: 100, warmupSteps: 10}),
      clipScale: 'absolute',
      clipThreshold: 5,
      applyTo: 'all',
      preClipThreshold: 0.1,
      warmupSteps: 10,
      nsSteps: 12,
    });
    const config = opt.getConfig();
    const reloaded = Spectra.fromConfig(Spectra, JSON.parse(JSON.stringify(config))) as Spectra;
    expect(reloaded.getConfig()).to.deep.equal(config);
    expect(reloaded.thresholdScale(0)).to.be.closeTo(opt.thresholdScale(0), 1e-12);
    expect(reloaded.clipScale).to.equal('absolute');
    expect(new Spectra().getConfig()).to.include({clipScale: 'sqrt-fan', clipThreshold: 1});
    expect(new Spectra({clipScale: 'absolute'}).getConfig()).to.include({clipScale: 'absolute', clipThreshold: 10});
  });

  it('rejects bad hyperparameters with errors naming them', () => {
    expect(() => spectra({learningRate: -1})).to.throw(/learningRate.*-1/);
    expect(() => spectra({clipThreshold: 0})).to.throw(/clipThreshold.*0/);
    expect(() => spectra({clipScale: 'relative' as 'absolute'})).to.throw(/clipScale.*'relative'/);
    expect(() => spectra({clipThreshold: -3})).to.throw(/clipThreshold.*-3/);
    expect(() => spectra({preClipThreshold: 0})).to.throw(/preClipThreshold.*0/);
    expect(() => spectra({nsSteps: 0})).to.throw(/nsSteps.*0/);
    expect(() => spectra({applyTo: '2d' as 'all'})).to.throw(/applyTo.*'2d'/);
    expect(() => spectra({warmupSteps: -1})).to.throw(/warmupSteps.*-1/);
    expect(() => spectra({beta2: 1.5})).to.throw(/beta2.*1\.5/);
    expect(() => spectra({epsilon: 0})).to.throw(/epsilon.*0/);
  });
});
