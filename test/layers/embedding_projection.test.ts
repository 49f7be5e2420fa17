import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import * as tfa from '../../src';
import {EmbeddingProjection, embeddingProjection} from '../../src/layers/embedding_projection';
import {expectClose} from '../helpers/close';
import {gradientCheck} from '../helpers/gradcheck';
import {runLayerSuite} from '../helpers/layer_suite';
import {expectNoLeak} from '../helpers/leaks';
import {registeredByPlainTfjs} from '../helpers/registry';
import {roundTrip} from '../helpers/roundtrip';
import {tokenTask} from '../../scripts/experiments/osp_embproj';

describe('EmbeddingProjection', () => {
  it('is exported as tfa.layers.embeddingProjection', () => {
    expect(tfa.layers.embeddingProjection).to.equal(embeddingProjection);
    expect(tfa.layers.EmbeddingProjection).to.equal(EmbeddingProjection);
  });

  it('starts as an orthogonal d×d kernel with zero bias: WᵀW = I, norms of embeddings preserved @wasm', () => {
    const layer = embeddingProjection({seed: 3});
    const x = tf.randomNormal([2, 5, 12], 0, 1, 'float32', 1);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const [w, b] = layer.getWeights();
    expect(w.shape).to.deep.equal([12, 12]);
    const wtw = tf.tidy(() => tf.matMul(w, w, true, false));
    const eye = tf.eye(12);
    // Orthogonal init via QR in float32: 1e-5.
    expectClose(wtw.dataSync(), eye.dataSync(), {rtol: 0, atol: 1e-5}, 'WᵀW');
    expect(Array.from(b.dataSync()).every(v => v === 0)).to.equal(true);
    const nx = tf.tidy(() => tf.norm(x, 'euclidean', -1));
    const ny = tf.tidy(() => tf.norm(y, 'euclidean', -1));
    expectClose(ny.dataSync(), nx.dataSync(), {rtol: 1e-5, atol: 1e-6}, 'row norms');
    tf.dispose([x, y, wtw, eye, nx, ny]);
  });

  it('computes x·W + b (float64 reference) with a trained bias and a non-square kernel [4, 3]', () => {
    const layer = embeddingProjection({units: 3});
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 2);
    tf.tidy(() => layer.apply(x) as tf.Tensor);
    layer.setWeights([tf.randomNormal([4, 3], 0, 1, 'float32', 3), tf.tensor1d([0.5, -1, 2])]);
    const y = tf.tidy(() => layer.apply(x) as tf.Tensor);
    const [w, b] = layer.getWeights().map(t => t.dataSync());
    const xd = x.dataSync();
    const ref = new Float64Array(15);
    for (let r = 0; r < 5; r++)
      for (let o = 0; o < 3; o++) {
        let z = b[o];
        for (let i = 0; i < 4; i++) z += xd[r * 4 + i] * w[i * 3 + o];
        ref[r * 3 + o] = z;
      }
    expectClose(y.dataSync(), ref, {rtol: 1e-5, atol: 1e-6}, 'y');
    tf.dispose([x, y]);
  });

  it('merges into the embedding table: embedding(E·W + b) equals projection(embedding(E))', () => {
    const emb = tf.layers.embedding({
      inputDim: 10,
      outputDim: 6,
      embeddingsInitializer: tf.initializers.randomNormal({seed: 1}),
    });
    const proj = embeddingProjection({seed: 2});
    const tokens = tf.tensor2d([
      [1, 4, 9],
      [0, 0, 7],
    ]);
    const y = tf.tidy(() => proj.apply(emb.apply(tokens)) as tf.Tensor);
    proj.setWeights([proj.getWeights()[0], tf.randomNormal([6], 0, 1, 'float32', 5)]);
    const y2 = tf.tidy(() => proj.apply(emb.apply(tokens)) as tf.Tensor);
    const merged = proj.mergeInto(emb.getWeights()[0] as tf.Tensor2D);
    const viaMerged = tf.tidy(() => tf.gather(merged, tf.cast(tokens, 'int32')));
    expectClose(viaMerged.dataSync(), y2.dataSync(), {rtol: 1e-5, atol: 1e-6}, 'merged lookup');
    tf.dispose([tokens, y, y2, merged, viaMerged]);
  });

  it('agrees with central finite differences for inputs, kernel and bias', () => {
    const layer = embeddingProjection({units: 2, seed: 1});
    const x = tf.randomNormal([3, 3], 0, 1, 'float32', 6);
    expect(gradientCheck(layer, x).checked).to.be.greaterThan(10);
    x.dispose();
  });

  it('passes the layer suite', async () => {
    await runLayerSuite({
      make: () => embeddingProjection({seed: 1}),
      inputShape: [3, 5],
      outputShape: [3, 5],
      weights: {kernel: [5, 5], bias: [5]},
    });
  });

  it('round-trips through tfa.io.fileSystem with a trained bias', async () => {
    // (tfjs' own Embedding config gains dtype/inputLength on reload, which roundTrip's strict config check
    // rejects; the projection is therefore checked after a Dense.)
    const model = tf.sequential({
      layers: [tf.layers.dense({units: 4, inputShape: [3]}), embeddingProjection({units: 5, seed: 4})],
    });
    model.layers[1].setWeights([model.layers[1].getWeights()[0], tf.tensor1d([1, 2, 3, 4, 5])]);
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
    const loaded = await roundTrip(model, x);
    expect(loaded.layers[1]).to.be.instanceOf(EmbeddingProjection);
    expect(loaded.layers[1].getConfig()).to.include({units: 5, useBias: true, seed: 4});
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('leaks no tensors over 100 fit steps (Embedding + projection, Muon)', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({inputDim: 12, outputDim: 4, inputLength: 3}),
        embeddingProjection(),
        tf.layers.flatten(),
        tf.layers.dense({units: 1}),
      ],
    });
    model.compile({
      optimizer: tfa.optimizers.muon({exclude: tfa.optimizers.muonExcludeDefaults(model)}),
      loss: 'meanSquaredError',
    });
    const x = tf.tensor2d([
      [1, 2, 3],
      [11, 0, 5],
    ]);
    const y = tf.tensor2d([[1], [0]]);
    await expectNoLeak(() => model.fit(x, y, {epochs: 1, verbose: 0}), 100);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('cuts embedding-driven kurtosis in a Muon-trained token model (activationKurtosisMonitor, planted outlier channel, cpu)', async () => {
    // OSP's mechanism at toy scale: an embedding with one outlier channel (×20) feeds the model; the projection,
    // orthogonal at init and trained by Muon (embedding and head on AdamW), spreads that channel over all 16.
    // (The Embedding gradient needs UnsortedSegmentSum: stock wasm lacks it, so this runs on the cpu test backend.)
    const {x, y} = tokenTask(128, 3, 32, 4);
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({
          inputDim: 32,
          outputDim: 16,
          inputLength: 4,
          name: 'emb',
          embeddingsInitializer: tf.initializers.randomNormal({seed: 1}),
        }),
        embeddingProjection({name: 'proj', seed: 2}),
        tf.layers.flatten(),
        tf.layers.dense({
          units: 32,
          activation: 'relu',
          name: 'hidden',
          kernelInitializer: tf.initializers.glorotUniform({seed: 3}),
        }),
        tf.layers.dense({
          units: 32,
          activation: 'softmax',
          name: 'head',
          kernelInitializer: tf.initializers.glorotUniform({seed: 4}),
        }),
      ],
    });
    const e = model.layers[0].getWeights()[0];
    const outlier = tf.tidy(() => tf.mul(e, tf.concat([tf.fill([1], 20), tf.ones([15])])));
    model.layers[0].setWeights([outlier]);
    const opt = tfa.optimizers.muon({exclude: tfa.optimizers.muonExcludeDefaults(model), adamw: {learningRate: 3e-3}});
    model.compile({optimizer: opt, loss: 'categoricalCrossentropy'});
    const mon = tfa.callbacks.activationKurtosisMonitor({probe: x, layers: ['emb', 'proj'], every: 3});
    const h = await model.fit(x, y, {epochs: 3, batchSize: 64, verbose: 0, callbacks: [mon]});
    const kEmb = (h.history['kurtosis/emb'] as number[])[0];
    const kProj = (h.history['kurtosis/proj'] as number[])[0];
    // One channel 20× the others: the pooled embedding output is heavy-tailed (measured κ ≈ 119).
    expect(kEmb).to.be.greaterThan(20);
    // After the rotation the outlier is shared by all 16 channels (measured κ ≈ 18): at least 4× lower.
    expect(kProj).to.be.lessThan(kEmb / 4);
    tf.dispose([x, y, outlier]);
    model.dispose();
    opt.dispose();
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => embeddingProjection({units: 0})).to.throw(/units.*0/);
    expect(() => embeddingProjection({useBias: 'yes' as never})).to.throw(/useBias.*yes/);
    const l = embeddingProjection();
    expect(() => l.mergeInto(tf.zeros([3, 4]) as tf.Tensor2D)).to.throw(/built/);
    l.build([null, 5]);
    expect(() => l.mergeInto(tf.zeros([3, 4]) as tf.Tensor2D)).to.throw(/5 columns.*3,4/);
  });

  it('registers a class name plain tfjs does not, mapped to this class', () => {
    expect(registeredByPlainTfjs(['EmbeddingProjection'])).to.deep.equal([]);
    expect(tf.serialization.SerializationMap.getMap().classNameMap['EmbeddingProjection'][0]).to.equal(
      EmbeddingProjection,
    );
  });
});
