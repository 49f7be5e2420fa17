import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import * as tfa from '../../src';
import {SurrogateSign, surrogateSign} from '../../src/layers/surrogate_sign';
import {expectClose} from '../helpers/close';
import {expectNoLeak} from '../helpers/leaks';
import {registeredByPlainTfjs} from '../helpers/registry';
import {roundTrip} from '../helpers/roundtrip';
import {simpson, surrogateRef} from '../reference/seeds';

const KINDS = ['sigmoid', 'erf', 'triangle'] as const;

describe('SurrogateSign', () => {
  it('is exported as tfa.layers.surrogateSign', () => {
    expect(tfa.layers.surrogateSign).to.equal(surrogateSign);
    expect(tfa.layers.SurrogateSign).to.equal(SurrogateSign);
  });

  it('computes sign(x) in the forward pass @wasm', () => {
    const x = tf.tensor2d([
      [-3, -0.01, 0],
      [0.01, 0.7, 5],
    ]);
    const y = tf.tidy(() => surrogateSign().apply(x) as tf.Tensor);
    expect(Array.from(y.dataSync())).to.deep.equal([-1, -1, 0, 1, 1, 1]);
    tf.dispose([x, y]);
  });

  for (const kind of KINDS) {
    for (const beta of [0.5, 3]) {
      it(`back-propagates dy·s(x) with the stated ${kind} surrogate, β = ${beta}${kind === 'erf' && beta === 3 ? ' @wasm' : ''}`, () => {
        const layer = surrogateSign({surrogate: kind, beta});
        const xs = Array.from({length: 41}, (_, i) => -2 + 0.1 * i + 0.013); // avoid x = 0 and the triangle's kinks
        const dys = xs.map((_, i) => 0.5 + 0.05 * i);
        const x = tf.tensor1d(xs);
        const dy = tf.tensor1d(dys);
        const g = tf.tidy(() => tf.grad(v => tf.sum(tf.mul(layer.apply(v) as tf.Tensor, dy)))(x));
        // Elementwise float32 exp/sigmoid against float64: rtol 1e-5.
        expectClose(
          g.dataSync(),
          xs.map((v, i) => dys[i] * surrogateRef(v, kind, beta)),
          {rtol: 1e-5, atol: 1e-6},
          `${kind} grad`,
        );
        tf.dispose([x, dy, g]);
      });
    }
  }

  it('uses surrogates that integrate to 2, the jump of sign (float64 Simpson)', () => {
    for (const kind of KINDS) {
      for (const beta of [0.5, 3]) {
        const area = simpson(x => surrogateRef(x, kind, beta), -60 / beta, 60 / beta);
        expect(area, `${kind} β=${beta}`).to.be.closeTo(2, 1e-6);
      }
    }
  });

  it('uses the exact derivative of 2σ(βx) − 1 for the sigmoid surrogate (float64 central differences)', () => {
    const beta = 2.5;
    const smooth = (x: number) => 2 / (1 + Math.exp(-beta * x)) - 1;
    const x = tf.tensor1d([-1.3, -0.2, 0.4, 1.1]);
    const g = tf.tidy(() => tf.grad(v => tf.sum(surrogateSign({surrogate: 'sigmoid', beta}).apply(v) as tf.Tensor))(x));
    const h = 1e-5;
    const fd = [-1.3, -0.2, 0.4, 1.1].map(v => (smooth(v + h) - smooth(v - h)) / (2 * h));
    expectClose(g.dataSync(), fd, {rtol: 1e-5, atol: 1e-6}, 'sigmoid surrogate vs d/dx(2σ(βx)−1)');
    tf.dispose([x, g]);
  });

  it('lets a sign network learn a linearly separable task through the surrogate', async () => {
    // y = sign(x0 + x1); a sign hidden layer followed by Dense learns it.
    const x = tf.randomNormal([128, 2], 0, 1, 'float32', 3);
    const y = tf.tidy(() => tf.cast(tf.greater(tf.sum(x, 1, true), 0), 'float32'));
    const model = tf.sequential({
      layers: [
        tf.layers.dense({units: 16, inputShape: [2], kernelInitializer: tf.initializers.glorotNormal({seed: 1})}),
        surrogateSign({surrogate: 'sigmoid', beta: 2}),
        tf.layers.dense({units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotNormal({seed: 2})}),
      ],
    });
    model.compile({optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy']});
    const first = model.layers[0].getWeights()[0].dataSync().slice();
    const h = await model.fit(x, y, {epochs: 60, batchSize: 128, verbose: 0});
    const acc = h.history['acc'] as number[];
    // A bias-free-ish separable problem: ≥ 95 % once the hidden signs align (chance is ~50 %).
    expect(acc[acc.length - 1]).to.be.greaterThan(0.95);
    const after = model.layers[0].getWeights()[0].dataSync();
    expect(
      after.some((v, i) => v !== first[i]),
      'first-layer kernel moved through the sign',
    ).to.equal(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('keeps the symbolic input shape and has no weights', () => {
    const layer = surrogateSign();
    const out = layer.apply(tf.input({shape: [3, 5]})) as tf.SymbolicTensor;
    expect(out.shape).to.deep.equal([null, 3, 5]);
    expect(layer.weights).to.have.length(0);
  });

  it('round-trips through tfa.io.fileSystem with its surrogate and β', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({units: 4, inputShape: [3]}), surrogateSign({surrogate: 'triangle', beta: 0.25})],
    });
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
    const loaded = await roundTrip(model, x);
    expect(loaded.layers[1]).to.be.instanceOf(SurrogateSign);
    expect(loaded.layers[1].getConfig()).to.include({surrogate: 'triangle', beta: 0.25});
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('leaks no tensors over 100 fit steps', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({units: 8, inputShape: [4]}), surrogateSign(), tf.layers.dense({units: 1})],
    });
    model.compile({optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 2);
    await expectNoLeak(() => model.fit(x, y, {epochs: 1, batchSize: 16, verbose: 0}), 100);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects an unknown surrogate or a non-positive β with an error naming it', () => {
    expect(() => surrogateSign({surrogate: 'tanh' as never})).to.throw(/surrogate.*tanh/);
    expect(() => surrogateSign({beta: 0})).to.throw(/beta.*0/);
    expect(() => surrogateSign({beta: NaN})).to.throw(/beta.*NaN/);
  });

  it('registers a class name plain tfjs does not, mapped to this class', () => {
    expect(registeredByPlainTfjs(['SurrogateSign'])).to.deep.equal([]);
    expect(tf.serialization.SerializationMap.getMap().classNameMap['SurrogateSign'][0]).to.equal(SurrogateSign);
  });
});
