import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {adamw, AdamW, schedules} from '../../src/optimizers';
import {expectNoLeak} from '../helpers/leaks';

let uid = 0;

describe('AdamW', () => {
  it('takes the hand-derived first two steps with decoupled decay @wasm', () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, `adamwhand${uid++}/kernel`);
    const opt = adamw({learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.5});
    // Step 1, g = [0.5, -1]: m = 0.1g, v = 0.001g², m̂ = g, v̂ = g², direction = sign(g)
    // (up to ε): w = w·(1 − 0.1·0.5) − 0.1·sign(g) = [0.95 − 0.1, −1.9 + 0.1] = [0.85, −1.8].
    opt.applyGradients([{name: w.name, tensor: tf.tensor1d([0.5, -1])}]);
    const w1 = w.dataSync();
    expect(w1[0]).to.be.closeTo(0.85, 1e-6);
    expect(w1[1]).to.be.closeTo(-1.8, 1e-6);
    // Step 2, g = [0, 2]: m = [0.045, 0.11], v = [0.00024975, 0.004999],
    // m̂ = m/0.19, v̂ = v/0.001999; w = w·0.95 − 0.1·m̂/√v̂.
    opt.applyGradients([{name: w.name, tensor: tf.tensor1d([0, 2])}]);
    const m = [0.045, 0.9 * -0.1 + 0.1 * 2];
    const v = [0.999 * 0.001 * 0.25, 0.999 * 0.001 * 1 + 0.001 * 4];
    const want = [0, 1].map(i => w1[i] * 0.95 - (0.1 * (m[i] / 0.19)) / (Math.sqrt(v[i] / (1 - 0.999 ** 2)) + 1e-7));
    const w2 = w.dataSync();
    expect(w2[0]).to.be.closeTo(want[0], 1e-5);
    expect(w2[1]).to.be.closeTo(want[1], 1e-5);
    w.dispose();
    opt.dispose();
  });

  it('equals tfjs Adam when weightDecay is 0', () => {
    const a = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      true,
      `adamwcmp${uid}/a`,
    );
    const b = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      true,
      `adamwcmp${uid++}/b`,
    );
    const ours = adamw({learningRate: 0.01, weightDecay: 0});
    const theirs = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
    for (let t = 0; t < 5; t++) {
      const g = tf.randomNormal([2, 2], 0, 1, 'float32', t);
      ours.applyGradients([{name: a.name, tensor: g}]);
      theirs.applyGradients([{name: b.name, tensor: g}]);
      g.dispose();
    }
    const [x, y] = [a.dataSync(), b.dataSync()];
    // tfjs' Adam accumulates β^t in float32 variables: 1e-6 relative.
    for (let i = 0; i < 4; i++) expect(x[i]).to.be.closeTo(y[i], 1e-6 * Math.abs(y[i]) + 1e-7);
    tf.dispose([a, b]);
    ours.dispose();
    theirs.dispose();
  });

  it('leaks no tensors across steps and frees its slots on dispose', async () => {
    const w = tf.variable(tf.ones([3, 4]), true, `adamwleak${uid++}/kernel`);
    const g = tf.ones([3, 4]);
    const before = tf.memory().numTensors;
    const opt = adamw();
    await expectNoLeak(() => opt.applyGradients({[w.name]: g}), 10);
    opt.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([w, g]);
  });

  it('trains with a bare function learning rate, and model.save without the optimizer still works', async () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2]})]});
    const opt = adamw({learningRate: step => 0.01 / (1 + step)});
    model.compile({optimizer: opt, loss: 'meanSquaredError'});
    await model.fit(tf.ones([4, 2]), tf.ones([4, 1]), {epochs: 2, batchSize: 2, verbose: 0});
    expect(opt.iterations).to.equal(4);
    expect(() => opt.getConfig()).to.throw(/learningRate.*function.*tfa\.optimizers\.schedules/);
    let saved = false;
    await model.save(
      tf.io.withSaveHandler(async () => {
        saved = true;
        return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
      }),
    );
    expect(saved).to.equal(true);
    // Saving *with* the optimizer fails loudly, naming learningRate.
    let error: Error | null = null;
    try {
      await model.save(
        tf.io.withSaveHandler(async () => ({modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}})),
        {includeOptimizer: true},
      );
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/adamw: learningRate is a plain function/);
    model.dispose();
  });

  it('round-trips its config with a schedule', () => {
    const opt = new AdamW({
      learningRate: schedules.exponentialDecay({learningRate: 0.1, decaySteps: 10, decayRate: 0.5}),
      beta1: 0.8,
      weightDecay: 0.2,
    });
    const config = opt.getConfig();
    const reloaded = AdamW.fromConfig(AdamW, {...JSON.parse(JSON.stringify(config)), customObjects: {}});
    expect(reloaded.getConfig()).to.deep.equal(config);
  });

  it('rejects bad hyperparameters with errors naming them', () => {
    expect(() => adamw({learningRate: -0.001})).to.throw(/learningRate.*-0\.001/);
    expect(() => adamw({learningRate: NaN})).to.throw(/learningRate.*NaN/);
    expect(() => adamw({beta1: 1})).to.throw(/beta1.*1/);
    expect(() => adamw({beta2: -0.1})).to.throw(/beta2.*-0\.1/);
    expect(() => adamw({epsilon: 0})).to.throw(/epsilon.*0/);
    expect(() => adamw({weightDecay: -0.01})).to.throw(/weightDecay.*-0\.01/);
    const w = tf.variable(tf.ones([2]), true, `adamwbadlr${uid++}/bias`);
    const opt = adamw({learningRate: () => -1});
    expect(() => opt.applyGradients([{name: w.name, tensor: tf.ones([2])}])).to.throw(/learningRate.*-1 at step 0/);
    w.dispose();
  });
});
