import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {NestedDropout, nestedDropout} from '../../src/layers/nested_dropout';
import {expectNoLeak} from '../helpers/leaks';
import {registeredByPlainTfjs} from '../helpers/registry';
import {roundTrip} from '../helpers/roundtrip';
import {geometricPmf, halfGaussianPmf} from '../reference/layers';

/** Maps −0 (a dropped negative unit, x·0) to 0 for exact comparisons. */
const plusZero = (v: number) => v + 0;

/** Kept-unit count k of each training call on a ones input of width n. */
function drawKs(layer: NestedDropout, n: number, calls: number): number[] {
  const x = tf.ones([1, n]);
  const ks: number[] = [];
  for (let i = 0; i < calls; i++) {
    const y = tf.tidy(() => layer.apply(x, {training: true}) as tf.Tensor);
    ks.push(Array.from(y.dataSync()).reduce((a, b) => a + b, 0));
    y.dispose();
  }
  x.dispose();
  return ks;
}

/**
 * Pearson χ² of counts against a pmf, merging tail bins until each expected
 * count is >= 5; returns the statistic and the degrees of freedom.
 */
function chiSquare(ks: number[], pmf: Float64Array): {chi2: number; df: number} {
  const counts = new Float64Array(pmf.length);
  for (const k of ks) counts[k - 1]++;
  const bins: Array<[number, number]> = [];
  let o = 0;
  let e = 0;
  for (let i = 0; i < pmf.length; i++) {
    o += counts[i];
    e += pmf[i] * ks.length;
    if (e >= 5) {
      bins.push([o, e]);
      o = 0;
      e = 0;
    }
  }
  if (e > 0 || o > 0) {
    const last = bins.pop() ?? [0, 0];
    bins.push([last[0] + o, last[1] + e]);
  }
  return {chi2: bins.reduce((s, [oo, ee]) => s + (oo - ee) ** 2 / ee, 0), df: bins.length - 1};
}

/** Upper α = 0.001 χ² quantile, Wilson–Hilferty approximation (z = 3.090). */
const chi2Critical = (df: number) => df * (1 - 2 / (9 * df) + 3.09 * Math.sqrt(2 / (9 * df))) ** 3;

describe('NestedDropout', () => {
  it('is the identity at inference and keeps the first inferenceUnits when set @wasm', () => {
    const x = tf.randomNormal([3, 6], 0, 1, 'float32', 1);
    const all = nestedDropout({seed: 1});
    const y = tf.tidy(() => all.apply(x) as tf.Tensor);
    expect(Array.from(y.dataSync())).to.deep.equal(Array.from(x.dataSync()));
    const four = nestedDropout({inferenceUnits: 4});
    const y4 = tf.tidy(() => four.apply(x) as tf.Tensor);
    const xd = x.dataSync();
    expect(Array.from(y4.dataSync(), plusZero)).to.deep.equal(Array.from(xd, (v, i) => (i % 6 < 4 ? v : 0)));
    tf.dispose([x, y, y4]);
  });

  it('zeros every unit after one sampled k per training call, without rescaling, on every leading position', () => {
    const layer = nestedDropout({sigma: 3, seed: 7});
    const x = tf.randomNormal([4, 2, 10], 0, 1, 'float32', 2);
    for (let call = 0; call < 20; call++) {
      const y = tf.tidy(() => layer.apply(x, {training: true}) as tf.Tensor);
      const k = layer.lastUnits!;
      expect(k).to.be.within(1, 10);
      const xd = x.dataSync();
      expect(Array.from(y.dataSync(), plusZero)).to.deep.equal(Array.from(xd, (v, i) => (i % 10 < k ? v : 0)));
      y.dispose();
    }
    x.dispose();
  });

  it('exposes p(k) ∝ exp(−(k/σ)²), k = 1..N, equal to the official GaussianDist in float64', () => {
    const layer = nestedDropout({sigma: 10});
    layer.build([null, 50]);
    const p = layer.probabilities();
    const ref = halfGaussianPmf(50, 10);
    p.forEach((v, i) => expect(v).to.be.closeTo(ref[i], 1e-12));
  });

  it('draws k from the half-Gaussian: χ² of 3000 seeded draws below the α = 0.001 critical value', () => {
    const layer = nestedDropout({sigma: 8, seed: 123});
    const ks = drawKs(layer, 30, 3000);
    const {chi2, df} = chiSquare(ks, halfGaussianPmf(30, 8));
    expect(chi2, `χ² ${chi2.toFixed(2)} on ${df} df`).to.be.below(chi2Critical(df));
    // Same seed, same stream.
    expect(drawKs(nestedDropout({sigma: 8, seed: 123}), 30, 50)).to.deep.equal(ks.slice(0, 50));
  });

  it("draws k from the truncated geometric with distribution 'geometric' (χ² test, 3000 draws)", () => {
    const layer = nestedDropout({distribution: 'geometric', p: 0.2, seed: 5});
    const ks = drawKs(layer, 20, 3000);
    const {chi2, df} = chiSquare(ks, geometricPmf(20, 0.2));
    expect(chi2, `χ² ${chi2.toFixed(2)} on ${df} df`).to.be.below(chi2Critical(df));
  });

  // runLayerSuite's fit step needs a trainable weight; this layer has none,
  // so its other checks are done here by hand.
  it('keeps symbolic and concrete shapes, has one non-trainable stream_state weight, and reloads its config unchanged', async () => {
    const layer = nestedDropout({seed: 3, mu: 1, sigma: 4, inferenceUnits: 5});
    const input = tf.input({shape: [2, 6]});
    const out = layer.apply(input) as tf.SymbolicTensor;
    expect(out.shape).to.deep.equal([null, 2, 6]);
    expect(layer.trainableWeights).to.have.length(0);
    expect(
      layer.nonTrainableWeights.map(w => [w.originalName.replace(/_\d+$/, '').split('/').pop(), w.dtype, w.shape]),
    ).to.deep.equal([['stream_state', 'int32', []]]);
    expect(layer.getWeights()[0].dataSync()[0]).to.equal(3); // the stream starts at the seed
    const model = tf.model({inputs: input, outputs: out});
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async a => {
        artifacts = a;
        return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const strip = ({name: _n, ...rest}: tf.serialization.ConfigDict) => rest;
    expect(strip(loaded.layers[1].getConfig())).to.deep.equal(strip(layer.getConfig()));
    const x = tf.ones([3, 2, 6]);
    const y = loaded.predict(x) as tf.Tensor;
    expect(y.shape).to.deep.equal([3, 2, 6]);
    expect(Array.from(y.dataSync())).to.deep.equal(Array.from({length: 36}, (_, i) => (i % 6 < 5 ? 1 : 0)));
    tf.dispose([x, y]);
    loaded.dispose();
    model.dispose();
  });

  it('round-trips an inferenceUnits chosen after training through tfa.io.fileSystem', async () => {
    const drop = nestedDropout({distribution: 'half-gaussian', sigma: 2, seed: 9});
    const model = tf.sequential({
      layers: [tf.layers.dense({units: 5, inputShape: [3]}), drop, tf.layers.dense({units: 2})],
    });
    drop.setInferenceUnits(3);
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    const loaded = await roundTrip(model, x);
    const cfg = loaded.layers[1].getConfig();
    expect(cfg).to.deep.include({inferenceUnits: 3, distribution: 'half-gaussian', sigma: 2, seed: 9});
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  for (const seed of [7, null]) {
    it(`save → load (same process) → continue equals uninterrupted training exactly (${seed == null ? 'unseeded' : 'seeded'})`, async () => {
      const build = () => {
        const init = (s: number) => tf.initializers.glorotUniform({seed: s});
        const m = tf.sequential({
          layers: [
            tf.layers.dense({units: 12, inputShape: [4], kernelInitializer: init(1)}),
            nestedDropout({sigma: 4, seed}),
            tf.layers.dense({units: 2, kernelInitializer: init(2)}),
          ],
        });
        m.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
        return m;
      };
      const x = tf.randomNormal([32, 4], 0, 1, 'float32', 11);
      const y = tf.randomNormal([32, 2], 0, 1, 'float32', 12);
      const opts = {batchSize: 8, shuffle: false, verbose: 0} as const; // 4 draws per epoch
      const a = build();
      await a.fit(x, y, {...opts, epochs: 2});
      let artifacts: tf.io.ModelArtifacts | undefined;
      await a.save(
        tf.io.withSaveHandler(async art => {
          artifacts = art;
          return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
        }),
        {includeOptimizer: true},
      );
      // Same process: the reloaded variables get `_1`-suffixed names.
      const b = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      expect(b.layers[1].weights[0].name).to.not.equal(a.layers[1].weights[0].name);
      const kA: number[] = [];
      const kB: number[] = [];
      const track = (m: tf.LayersModel, ks: number[]) =>
        new tf.CustomCallback({
          onBatchEnd: async () => {
            ks.push((m.layers[1] as NestedDropout).lastUnits!);
          },
        });
      await a.fit(x, y, {...opts, epochs: 3, callbacks: [track(a, kA)]});
      await b.fit(x, y, {...opts, epochs: 3, callbacks: [track(b, kB)]});
      expect(kB).to.deep.equal(kA);
      expect(new Set(kA).size).to.be.greaterThan(1); // the draws vary, so equality is not trivial
      const wa = a.getWeights();
      const wb = b.getWeights();
      wa.forEach((w, i) => expect(Array.from(wb[i].dataSync())).to.deep.equal(Array.from(w.dataSync())));
      tf.dispose([x, y]);
      a.dispose();
      b.dispose();
    });
  }

  it('a fresh unseeded layer draws from a different stream than a reloaded one', () => {
    const a = nestedDropout({sigma: 6});
    const b = nestedDropout({sigma: 6});
    // Two random seeds: 40 draws from 30 widths are equal with negligible probability.
    expect(drawKs(a, 30, 40)).to.not.deep.equal(drawKs(b, 30, 40));
    // setWeights (as load does) moves b onto a's stream.
    b.setWeights(a.getWeights());
    expect(drawKs(b, 30, 20)).to.deep.equal(drawKs(a, 30, 20));
  });

  it('leaks no tensors over 100 fit steps', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({units: 8, inputShape: [4]}),
        nestedDropout({sigma: 4, seed: 1}),
        tf.layers.dense({units: 1, useBias: false}),
      ],
    });
    model.compile({optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 2);
    await expectNoLeak(() => model.fit(x, y, {epochs: 1, batchSize: 16, verbose: 0}), 100);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad configurations with errors naming the argument and value', () => {
    expect(() => nestedDropout({sigma: 0})).to.throw(/sigma.*0/);
    expect(() => nestedDropout({distribution: 'gaussian' as never})).to.throw(/distribution.*'gaussian'/);
    expect(() => nestedDropout({p: 1.5})).to.throw(/p .*1\.5/);
    expect(() => nestedDropout({p: 0})).to.throw(/p .*0/);
    expect(() => nestedDropout({inferenceUnits: 0})).to.throw(/inferenceUnits.*0/);
    expect(() => nestedDropout({seed: -1})).to.throw(/seed.*-1/);
    expect(() => nestedDropout({inferenceUnits: 9}).apply(tf.input({shape: [4]}))).to.throw(
      /inferenceUnits.*\[1, 4\].*9/,
    );
    expect(() => nestedDropout({sigma: 0.01, mu: -10}).apply(tf.input({shape: [4]}))).to.throw(/sigma.*0\.01/);
  });
  it('registers class names that plain tfjs does not, mapped to these classes', () => {
    expect(registeredByPlainTfjs(['NestedDropout'])).to.deep.equal([]);
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const [name, cls] of Object.entries({NestedDropout} as Record<string, unknown>))
      expect(map[name][0]).to.equal(cls);
  });
});
