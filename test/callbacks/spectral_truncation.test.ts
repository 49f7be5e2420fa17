import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {spectralTruncation} from '../../src/callbacks/spectral_truncation';
import {loadMnist, mulberry32, toTensors} from '../../data/mnist';
import {withBackend} from '../helpers/backends';
import {expectNoLeak} from '../helpers/leaks';
import {
  columnMean,
  covariance,
  eigDescending,
  probeAccuracy,
  projector,
  toMat,
  truncatedHead,
} from '../reference/callbacks';
import {Matrix} from 'ml-matrix';
import {layerOutput, smallData, smallMlp} from './models';

async function accuracy(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor): Promise<number> {
  const acc = tf.tidy(() => tf.mean(tf.equal(tf.argMax(model.predict(x) as tf.Tensor, 1), labels).toFloat()));
  const v = (await acc.data())[0];
  acc.dispose();
  return v;
}

describe('spectralTruncation', () => {
  it('folds into the head so the model equals "project features, then original head" on random inputs @wasm', async () => {
    const model = smallMlp();
    const {x, y} = smallData(64);
    await model.fit(x, y, {epochs: 3, verbose: 0});
    // Reference from the untouched model: features at the head input (h2 output), float64 PCA by ml-matrix.
    const f = layerOutput(model, 'h2', x);
    const fm = toMat(await f.data(), 64, 8);
    const mu = columnMean(fm);
    const {vectors} = eigDescending(covariance(fm, mu));
    const [wT, bT] = model.getLayer('out').getWeights();
    const w = new Matrix((await wT.array()) as number[][]);
    const b = await bT.data();
    const xr = tf.randomNormal([20, 6], 0, 2, 'float32', 11);
    const fr = layerOutput(model, 'h2', xr);
    const expected = truncatedHead(toMat(await fr.data(), 20, 8), mu, projector(vectors, [0, 1, 2]), w, b);

    const cut = spectralTruncation({trainProbe: x, rank: 3, at: 'manual'});
    expect(await cut.apply(model)).to.equal(3);
    const got = (model.predict(xr) as tf.Tensor).arraySync() as number[][];
    // float32 forward + fold vs float64 reference: 1e-4 absolute on probabilities.
    got.forEach((row, i) => row.forEach((v, c) => expect(Math.abs(v - expected[i][c])).to.be.lessThan(1e-4)));
    // Features below the head are untouched.
    const fAfter = layerOutput(model, 'h2', xr);
    expect(tf.max(tf.abs(tf.sub(fAfter, fr))).dataSync()[0]).to.equal(0);
    tf.dispose([x, y, f, xr, fr, fAfter]);
  });

  it('keeps the model unchanged at full rank D and scans validation accuracy for every d', async () => {
    const model = smallMlp(2);
    const {x, y, labels} = smallData(96, 5);
    await model.fit(x, y, {epochs: 5, verbose: 0});
    const xv = x.slice([0, 0], [48, 6]);
    const yv = y.slice([0, 0], [48, 3]);
    const lv = labels.slice([0], [48]);
    const before = model.predict(x) as tf.Tensor;
    const accFull = await accuracy(model, xv, lv);
    const cut = spectralTruncation({trainProbe: x, validation: [xv, yv], rank: 8, at: 'manual'});
    await cut.apply(model);
    const after = model.predict(x) as tf.Tensor;
    // P = I up to float32 round-off of the eigenvectors.
    expect(tf.max(tf.abs(tf.sub(after, before))).dataSync()[0]).to.be.lessThan(1e-5);
    expect(cut.scan.map(p => p.rank)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(cut.scan[7].accuracy).to.be.closeTo(accFull, 1e-6); // accFull is a float32 mean
    tf.dispose([x, y, labels, xv, yv, lv, before, after]);
  });

  it("with rank 'auto' keeps the smallest d of best validation accuracy, and the model then scores it", async () => {
    const model = smallMlp(3);
    const {x, y, labels} = smallData(96, 6);
    const records: Array<{metric: string; rank?: unknown; value: number}> = [];
    const cut = spectralTruncation({trainProbe: x, validation: [x, labels], onRecord: r => records.push(r)});
    await model.fit(x, y, {epochs: 4, verbose: 0, callbacks: [cut]});
    const best = Math.max(...cut.scan.map(p => p.accuracy));
    const d = cut.chosenRank!;
    expect(cut.scan.find(p => p.accuracy === best)!.rank).to.equal(d);
    expect(await accuracy(model, x, labels)).to.be.closeTo(best, 1e-6); // float32 mean vs JS count
    expect(records.filter(r => r.metric === 'truncation_val_acc')).to.have.length(8);
    expect(records.find(r => r.metric === 'truncation_rank')!.value).to.equal(d);
    tf.dispose([x, y, labels]);
  });

  it('probe() returns head/tail linear-probe accuracies equal to a float64 ridge probe', async () => {
    const model = smallMlp(4);
    const {x, y, labels} = smallData(80, 7);
    await model.fit(x, y, {epochs: 3, verbose: 0});
    const cut = spectralTruncation({
      trainProbe: x,
      trainLabels: y,
      validation: [x.slice([0, 0], [40, 6]), labels.slice([0], [40])],
      rank: 2,
      at: 'manual',
    });
    const rows = await cut.probe(model);
    expect(rows).to.have.length(8);
    const f = layerOutput(model, 'h2', x);
    const fm = toMat(await f.data(), 80, 8);
    const mu = columnMean(fm);
    const {values, vectors} = eigDescending(covariance(fm, mu));
    const yl = await labels.data();
    const ridge = 1e-6 * values[0];
    const fv = toMat(fm.data.subarray(0, 40 * 8), 40, 8);
    for (const d of [1, 3, 8]) {
      const head = Array.from({length: d}, (_, k) => k);
      const tail = Array.from({length: 8 - d}, (_, k) => d + k);
      // Accuracy on 80 (40) samples: a near-tie flipping one argmax moves it by 1/80; allow that.
      expect(rows[d - 1].headTrain).to.be.closeTo(
        probeAccuracy(fm, yl, fm, yl, mu, vectors, head, 3, ridge),
        1 / 80 + 1e-9,
      );
      expect(rows[d - 1].tailTrain).to.be.closeTo(
        probeAccuracy(fm, yl, fm, yl, mu, vectors, tail, 3, ridge),
        1 / 80 + 1e-9,
      );
      expect(rows[d - 1].headValidation).to.be.closeTo(
        probeAccuracy(fm, yl, fv, yl.subarray(0, 40), mu, vectors, head, 3, ridge),
        1 / 40 + 1e-9,
      );
      expect(rows[d - 1].eigenvalue).to.be.closeTo(values[d - 1], 1e-4 * values[0]);
    }
    tf.dispose([x, y, labels, f]);
  });

  it('fails at onTrainBegin, before any epoch, on an unknown layer name and lists the layers', async () => {
    const model = smallMlp();
    const {x, y} = smallData(16);
    let epochs = 0;
    const counter = new tf.CustomCallback({
      onEpochBegin: async () => {
        epochs++;
      },
    });
    const cut = spectralTruncation({trainProbe: x, layer: 'nope', rank: 2});
    let err: Error | null = null;
    await model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [cut, counter]}).catch(e => {
      err = e as Error;
    });
    expect(String(err)).to.match(/layer 'nope' is not in the model; available layers: 'h1_input', 'h1', 'h2', 'out'/);
    expect(epochs).to.equal(0);
    // A probe of the wrong width fails the same way.
    const bad = spectralTruncation({trainProbe: tf.zeros([4, 5]), rank: 2});
    bad.setModel(model);
    await bad.onTrainBegin().then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/trainProbe.*\[6\].*shape=\[4,5\]/),
    );
    tf.dispose([x, y]);
  });

  it('rejects bad arguments with errors naming them', () => {
    const x = tf.zeros([4, 6]);
    expect(() => spectralTruncation({trainProbe: tf.zeros([0, 6]), rank: 2})).to.throw(/trainProbe.*shape=\[0,6\]/);
    expect(() => spectralTruncation({trainProbe: x})).to.throw(/rank 'auto' needs validation/);
    expect(() => spectralTruncation({trainProbe: x, rank: 0})).to.throw(/rank.*0/);
    expect(() => spectralTruncation({trainProbe: x, rank: 2, at: 'end' as 'manual'})).to.throw(/at.*'end'/);
    expect(() => spectralTruncation({trainProbe: x, rank: 2, validation: [x, tf.zeros([3])]})).to.throw(
      /validation y.*shape=\[3\]/,
    );
    // A rank above the feature width is only known once the model is seen (next test).
    expect(() => spectralTruncation({trainProbe: x, rank: 9, at: 'manual'})).to.not.throw();
    x.dispose();
  });

  it('rejects a rank above the feature dimension at onTrainBegin', async () => {
    const model = smallMlp();
    const cut = spectralTruncation({trainProbe: tf.zeros([4, 6]), rank: 9});
    cut.setModel(model);
    await cut.onTrainBegin().then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/rank must be <= the feature dimension 8.*got 9/),
    );
  });

  it('leaks no tensors over repeated fits that each truncate', async () => {
    const model = smallMlp();
    const {x, y, labels} = smallData(32);
    const cut = spectralTruncation({trainProbe: x, trainLabels: labels, validation: [x, y]});
    await expectNoLeak(async () => {
      await model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [cut]});
      await cut.probe();
    }, 4);
    tf.dispose([x, y, labels]);
  });

  it('raises clean test accuracy of an MLP that memorised 40% symmetric label noise on MNIST (wasm)', async () => {
    await withBackend('wasm', async () => {
      const {train, test} = loadMnist({trainSize: 2000, testSize: 2004, seed: 1});
      // 40% symmetric noise: each label replaced, with probability 0.4, by one of the 9 other classes uniformly.
      const rand = mulberry32(7);
      const noisy = Int32Array.from(train.y);
      for (let i = 0; i < noisy.length; i++) {
        if (rand() < 0.4) {
          let c = Math.floor(rand() * 9);
          if (c >= noisy[i]) c++;
          noisy[i] = c;
        }
      }
      const tr = toTensors({...train, y: noisy});
      const te = toTensors(test);
      const xVal = te.x.slice([0, 0], [500, 784]);
      const yVal = te.y.slice([0, 0], [500, 10]);
      const xTest = te.x.slice([500, 0], [1504, 784]);
      const lTest = te.labels.slice([500], [1504]);
      const init = (s: number) => tf.initializers.glorotUniform({seed: s});
      const model = tf.sequential({
        layers: [
          tf.layers.dense({units: 256, activation: 'relu', inputShape: [784], kernelInitializer: init(1)}),
          tf.layers.dense({units: 256, activation: 'relu', kernelInitializer: init(2), name: 'features'}),
          tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(3)}),
        ],
      });
      model.compile({optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
      let untruncated = NaN;
      const before = new tf.CustomCallback({
        onTrainEnd: async () => {
          untruncated = await accuracy(model, xTest, lTest);
        },
      });
      const cut = spectralTruncation({
        layer: 'features',
        trainProbe: tr.x,
        trainLabels: tr.y,
        validation: [xVal, yVal],
      });
      // shuffle: false keeps the run deterministic (loadMnist already shuffled the samples).
      const h = await model.fit(tr.x, tr.y, {
        epochs: 30,
        batchSize: 128,
        shuffle: false,
        verbose: 0,
        callbacks: [before, cut],
      });
      const memorised = h.history.acc[29] as number;
      const truncated = await accuracy(model, xTest, lTest);
      console.log(
        `      noisy-train acc ${memorised.toFixed(3)}; clean test acc ${untruncated.toFixed(3)} -> ${truncated.toFixed(3)} at d = ${cut.chosenRank} of 256`,
      );
      // The spectral linear probe (features are unchanged by the fold): head 1..10 vs tail 11..256.
      const curve = await cut.probe();
      const row = curve[9];
      console.log(
        `      probe at d = 10: head noisy-train ${row.headTrain.toFixed(3)}, clean val ${row.headValidation.toFixed(3)}; tail noisy-train ${row.tailTrain.toFixed(3)}, clean val ${row.tailValidation.toFixed(3)}; all 256: noisy-train ${curve[255].headTrain.toFixed(3)}`,
      );
      expect(memorised).to.be.greaterThan(0.95); // it memorised most of the noisy labels
      // Measured: 0.667 -> 0.753 (+8.6 points, d = 10); assert half of that margin.
      expect(truncated - untruncated).to.be.greaterThan(0.04);
      expect(cut.chosenRank!).to.be.lessThan(32);
      // Measured: head val 0.744 vs tail val 0.288; tail fits noisy train 0.548 but clean val 0.288.
      // Asserted at about half of each measured gap: the generalising signal is in the head, the tail memorises.
      expect(row.headValidation - row.tailValidation).to.be.greaterThan(0.2);
      expect(row.tailTrain - row.tailValidation).to.be.greaterThan(0.1);
      tf.dispose([tr.x, tr.y, tr.labels, te.x, te.y, te.labels, xVal, yVal, xTest, lTest]);
      model.dispose();
    });
  });
});
