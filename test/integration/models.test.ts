/**
 * Integration suite (issue 12): small versions of the model kinds of
 * TensorFlow.js' own examples, trained with tfa's optimizers, callbacks and
 * KAN layers as drop-ins. Compact design rather than the full product: every
 * model kind runs with every optimizer (adamw, muon, spectra) with all the
 * monitors together; the hidden Dense of each run is replaced by the next KAN
 * variant in HIDDEN_ROTATION (so each variant and the plain Dense appear);
 * every run checks finite decreasing loss, no tensor growth, save → load
 * (with optimizer) identical predictions, and resume == uninterrupted.
 * SimpleRNN/GRU/LSTM rotate with the optimizers. The VAE has no fit (it is
 * trained by optimizer.minimize), so the callbacks do not apply to it.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {
  HIDDEN_ROTATION,
  type Hidden,
  OPTIMIZERS,
  type OptName,
  callbackSet,
  expectLearning,
  expectMonitored,
  expectNoGrowth,
  hiddenLayer,
  makeOptimizer,
  maxWeightDiff,
  predictions,
  saveAndLoad,
  weightValues,
} from './harness';

const N = 64;
const BATCH = 16;
const EPOCHS = 4;
let rotation = 0;
/** The next hidden-layer kind of the rotation. */
const nextHidden = (): Hidden => HIDDEN_ROTATION[rotation++ % HIDDEN_ROTATION.length];

interface FitCase {
  build(hidden: Hidden): tf.LayersModel;
  loss: string | {[output: string]: string};
  data(): {x: tf.Tensor | tf.Tensor[]; y: tf.Tensor | tf.Tensor[]; probe: tf.Tensor | tf.Tensor[]};
  kurtosis: string[];
  /** weightSpectrumMonitor layers where today's defaults find no kernel (see harness.callbackSet). */
}

const seeded = (s: number) => tf.initializers.glorotUniform({seed: s});
const slice0 = (t: tf.Tensor, n: number) => tf.slice(t, 0, n);

// ---- model kinds -------------------------------------------------------------------------------

/** Embeddings + LSTM encoder/decoder with dot attention (functional; tfjs-examples date-conversion-attention). */
const seq2seq: FitCase = {
  build(hidden) {
    const T = 5;
    const V = 10;
    const encIn = tf.input({shape: [T], name: 'enc_in'});
    const decIn = tf.input({shape: [T], name: 'dec_in'});
    const encEmb = tf.layers
      .embedding({
        inputDim: V,
        outputDim: 8,
        name: 'enc_emb',
        embeddingsInitializer: tf.initializers.randomUniform({minval: -0.1, maxval: 0.1, seed: 1}),
      })
      .apply(encIn);
    const [encSeq, h] = tf.layers
      .lstm({
        units: 16,
        returnSequences: true,
        returnState: true,
        name: 'encoder',
        kernelInitializer: seeded(2),
        recurrentInitializer: tf.initializers.orthogonal({seed: 3}),
      })
      .apply(encEmb) as tf.SymbolicTensor[];
    const decEmb = tf.layers
      .embedding({
        inputDim: V,
        outputDim: 8,
        name: 'dec_emb',
        embeddingsInitializer: tf.initializers.randomUniform({minval: -0.1, maxval: 0.1, seed: 4}),
      })
      .apply(decIn);
    // The encoder's final state reaches the decoder as an input at every step, not as
    // `initialState`: in tfjs 4.22 `fit` of a functional model whose LSTM gets
    // `initialState` throws "When inputs is an array, neither initialState or constants
    // should be provided" (predict works); found while building this suite.
    const state = tf.layers.repeatVector({n: T}).apply(h);
    const decInput = tf.layers.concatenate().apply([decEmb, state] as tf.SymbolicTensor[]);
    const decSeq = tf.layers
      .lstm({
        units: 16,
        returnSequences: true,
        name: 'decoder',
        kernelInitializer: seeded(5),
        recurrentInitializer: tf.initializers.orthogonal({seed: 6}),
      })
      .apply(decInput) as tf.SymbolicTensor;
    const scores = tf.layers.dot({axes: [2, 2]}).apply([decSeq, encSeq]);
    const attention = tf.layers.activation({activation: 'softmax', name: 'attention'}).apply(scores);
    const context = tf.layers.dot({axes: [2, 1], name: 'context'}).apply([attention, encSeq] as tf.SymbolicTensor[]);
    const combined = tf.layers.concatenate().apply([context, decSeq] as tf.SymbolicTensor[]);
    const hid = tf.layers
      .timeDistributed({layer: hiddenLayer(hidden, 16, 'hidden', 7, 'tanh'), name: 'td_hidden'})
      .apply(combined);
    const out = tf.layers
      .timeDistributed({
        layer: tf.layers.dense({units: V, activation: 'softmax', kernelInitializer: seeded(8)}),
        name: 'td_out',
      })
      .apply(hid) as tf.SymbolicTensor;
    return tf.model({inputs: [encIn, decIn], outputs: out});
  },
  loss: 'categoricalCrossentropy',
  data() {
    return tf.tidy(() => {
      // Reverse a sequence of ids 1..9; the decoder sees the target shifted right (0 = start).
      const src = tf.randomUniform([N, 5], 1, 10, 'int32', 11);
      const tgt = tf.reverse(src, 1);
      const dec = tf.concat([tf.zeros([N, 1], 'int32'), tf.slice(tgt, [0, 0], [N, 4])], 1);
      const x = [tf.cast(src, 'float32'), tf.cast(dec, 'float32')];
      return {x, y: tf.oneHot(tgt, 10), probe: x.map(t => slice0(t, 12))};
    });
  },
  kurtosis: ['attention', 'td_hidden'],
};

/** A recurrent layer with timeDistributed heads (per-step regression of a running sum). */
function rnnCase(cell: 'simpleRNN' | 'gru' | 'lstm'): FitCase {
  return {
    build(hidden) {
      const args = {
        units: 12,
        returnSequences: true,
        inputShape: [6, 2],
        name: 'rnn',
        kernelInitializer: seeded(21),
        recurrentInitializer: tf.initializers.orthogonal({seed: 22}),
      };
      const rnn =
        cell === 'simpleRNN' ? tf.layers.simpleRNN(args) : cell === 'gru' ? tf.layers.gru(args) : tf.layers.lstm(args);
      return tf.sequential({
        layers: [
          rnn,
          tf.layers.timeDistributed({layer: hiddenLayer(hidden, 12, 'hidden', 23, 'tanh'), name: 'td_hidden'}),
          tf.layers.timeDistributed({
            layer: tf.layers.dense({units: 1, kernelInitializer: seeded(24)}),
            name: 'td_out',
          }),
        ],
      });
    },
    loss: 'meanSquaredError',
    data() {
      return tf.tidy(() => {
        const x = tf.randomNormal([N, 6, 2], 0, 1, 'float32', 25);
        const y = tf.mul(tf.cumsum(tf.slice(x, [0, 0, 0], [N, 6, 1]), 1), 0.5);
        return {x, y, probe: slice0(x, 12)};
      });
    },
    kurtosis: ['rnn', 'td_hidden'],
  };
}

/** Three-class problem on 10 features with a linear rule (shared by the MLP-like kinds). */
function classData(seed: number): {x: tf.Tensor2D; y: tf.Tensor2D} {
  return tf.tidy(() => {
    const x = tf.randomNormal([N, 10], 0, 1, 'float32', seed) as tf.Tensor2D;
    const labels = tf.argMax(tf.matMul(x, tf.randomNormal([10, 3], 0, 1, 'float32', seed + 1)), 1);
    return {x, y: tf.oneHot(labels, 3).toFloat() as tf.Tensor2D};
  });
}

/** A small convnet on 8×8 bar images (tfjs-examples mnist, scaled down). */
const cnn: FitCase = {
  build(hidden) {
    return tf.sequential({
      layers: [
        tf.layers.conv2d({
          filters: 6,
          kernelSize: 3,
          activation: 'relu',
          inputShape: [8, 8, 1],
          name: 'conv',
          kernelInitializer: seeded(31),
        }),
        tf.layers.maxPooling2d({poolSize: 2}),
        tf.layers.flatten({name: 'flat'}),
        hiddenLayer(hidden, 16, 'hidden', 32),
        tf.layers.dense({units: 3, activation: 'softmax', name: 'head', kernelInitializer: seeded(33)}),
      ],
    });
  },
  loss: 'categoricalCrossentropy',
  data() {
    return tf.tidy(() => {
      // Class 0: a horizontal bar, 1: a vertical bar, 2: the diagonal; at a random offset, plus noise.
      const imgs: number[] = [];
      const labels: number[] = [];
      let s = 7;
      const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
      for (let n = 0; n < N; n++) {
        const c = n % 3;
        const off = Math.floor(rnd() * 8);
        for (let i = 0; i < 8; i++) {
          for (let j = 0; j < 8; j++) {
            const on = c === 0 ? i === off : c === 1 ? j === off : i === j;
            imgs.push((on ? 1 : 0) + 0.2 * (rnd() - 0.5));
          }
        }
        labels.push(c);
      }
      const x = tf.tensor4d(imgs, [N, 8, 8, 1]);
      return {x, y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3), probe: slice0(x, 24)};
    });
  },
  kurtosis: ['conv', 'hidden'],
};

/** Two inputs, two outputs (a class and a regression target), functional API. */
const multiIO: FitCase = {
  build(hidden) {
    const a = tf.input({shape: [6], name: 'a'});
    const b = tf.input({shape: [4], name: 'b'});
    const fa = tf.layers.dense({units: 8, activation: 'relu', name: 'fa', kernelInitializer: seeded(41)}).apply(a);
    const fb = tf.layers.dense({units: 8, activation: 'relu', name: 'fb', kernelInitializer: seeded(42)}).apply(b);
    const joint = tf.layers.concatenate({name: 'joint'}).apply([fa, fb] as tf.SymbolicTensor[]);
    const hid = hiddenLayer(hidden, 16, 'hidden', 43).apply(joint);
    const cls = tf.layers
      .dense({units: 3, activation: 'softmax', name: 'cls', kernelInitializer: seeded(44)})
      .apply(hid) as tf.SymbolicTensor;
    const reg = tf.layers.dense({units: 1, name: 'reg', kernelInitializer: seeded(45)}).apply(hid) as tf.SymbolicTensor;
    return tf.model({inputs: [a, b], outputs: [cls, reg]});
  },
  loss: {cls: 'categoricalCrossentropy', reg: 'meanSquaredError'},
  data() {
    return tf.tidy(() => {
      const {x, y} = classData(46);
      const xa = tf.slice(x, [0, 0], [N, 6]);
      const xb = tf.slice(x, [0, 6], [N, 4]);
      const reg = tf.sum(tf.square(tf.slice(x, [0, 0], [N, 3])), 1, true);
      return {x: [xa, xb], y: [y, reg], probe: [slice0(xa, 24), slice0(xb, 24)]};
    });
  },
  kurtosis: ['joint', 'hidden'],
};

/** A Sequential encoder used as a layer of a functional model. */
const nested: FitCase = {
  build(hidden) {
    const encoder = tf.sequential({
      name: 'encoder',
      layers: [
        tf.layers.dense({units: 16, activation: 'relu', inputShape: [10], name: 'enc1', kernelInitializer: seeded(51)}),
        hiddenLayer(hidden, 12, 'hidden', 52),
      ],
    });
    const input = tf.input({shape: [10]});
    const code = tf.layers
      .dense({units: 12, activation: 'relu', name: 'code', kernelInitializer: seeded(53)})
      .apply(encoder.apply(input) as tf.SymbolicTensor);
    const out = tf.layers
      .dense({units: 3, activation: 'softmax', name: 'head', kernelInitializer: seeded(54)})
      .apply(code) as tf.SymbolicTensor;
    return tf.model({inputs: input, outputs: out});
  },
  loss: 'categoricalCrossentropy',
  data() {
    const {x, y} = classData(55);
    return {x, y, probe: tf.tidy(() => slice0(x, 24))};
  },
  kurtosis: ['code'],
};

/** An MLP classifier trained by `fitDataset` from a `tf.data` pipeline. */
function datasetModel(hidden: Hidden): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.inputLayer({inputShape: [10]}),
      hiddenLayer(hidden, 16, 'hidden', 61),
      tf.layers.dense({units: 3, activation: 'softmax', name: 'head', kernelInitializer: seeded(62)}),
    ],
  });
}

async function runDatasetCase(opt: OptName, hidden: Hidden): Promise<void> {
  const model = datasetModel(hidden);
  model.compile({optimizer: makeOptimizer(opt), loss: 'categoricalCrossentropy'});
  const {x, y} = classData(63);
  const ys = await y.array();
  const rows = (await x.array()).map((r, i) => ({x: r, y: ys[i]}));
  // Element tensors are created lazily by the pipeline; fitDataset disposes each batch.
  const dataset = () =>
    tf.data
      .array(rows)
      .map(r => ({xs: tf.tensor1d((r as {x: number[]}).x), ys: tf.tensor1d((r as {y: number[]}).y)}))
      .batch(BATCH);
  const probe = tf.tidy(() => slice0(x, 24));
  const cbs = callbackSet(model, probe, ['hidden']);
  const h = await model.fitDataset(dataset(), {epochs: EPOCHS, verbose: 0, callbacks: cbs.callbacks});
  expectLearning(h.history.loss as number[], `fitDataset ${opt}/${hidden}`);
  expectMonitored(h, cbs.csvFile, ['hidden']);
  await expectNoGrowth(
    () =>
      model.fitDataset(dataset(), {epochs: 1, verbose: 0, callbacks: callbackSet(model, probe, ['hidden']).callbacks}),
    'fitDataset + callbacks',
  );
  await resumeCheck(model, m => m.fitDataset(dataset(), {epochs: 2, verbose: 0}), x);
  tf.dispose([x, y, probe]);
  model.dispose();
}

/** z = μ + exp(logσ²/2)·ε, with ε an input so training is reproducible (a custom layer, as in tfjs-examples' VAE). */
class Reparameterize extends tf.layers.Layer {
  static className = 'TfaIntegrationReparameterize';
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (inputShape as tf.Shape[])[0];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [mu, logVar, eps] = inputs as tf.Tensor[];
      return tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
    });
  }
}
tf.serialization.registerClass(Reparameterize);

function vaeModel(hidden: Hidden): tf.LayersModel {
  const x = tf.input({shape: [16], name: 'x'});
  const eps = tf.input({shape: [2], name: 'eps'});
  const h = hiddenLayer(hidden, 16, 'hidden', 71).apply(x);
  const mu = tf.layers.dense({units: 2, name: 'mu', kernelInitializer: seeded(72)}).apply(h) as tf.SymbolicTensor;
  const logVar = tf.layers
    .dense({units: 2, name: 'log_var', kernelInitializer: seeded(73)})
    .apply(h) as tf.SymbolicTensor;
  const z = new Reparameterize({name: 'z'}).apply([mu, logVar, eps]) as tf.SymbolicTensor;
  const d = tf.layers.dense({units: 16, activation: 'relu', name: 'dec', kernelInitializer: seeded(74)}).apply(z);
  const recon = tf.layers
    .dense({units: 16, activation: 'sigmoid', name: 'recon', kernelInitializer: seeded(75)})
    .apply(d) as tf.SymbolicTensor;
  return tf.model({inputs: [x, eps], outputs: [recon, mu, logVar]});
}

/** One epoch of `optimizer.minimize` on the ELBO (BCE summed over features + KL), batches in order; mean loss. */
function vaeEpoch(model: tf.LayersModel, opt: tf.Optimizer, x: tf.Tensor2D, epoch: number): number {
  const vars = model.trainableWeights.map(w => w.read() as tf.Variable);
  let total = 0;
  for (let b = 0; b < N / BATCH; b++) {
    const cost = opt.minimize(
      () => {
        const xb = tf.slice(x, b * BATCH, BATCH);
        const eps = tf.randomNormal([BATCH, 2], 0, 1, 'float32', 1000 * epoch + b);
        const [recon, mu, logVar] = model.apply([xb, eps], {training: true}) as tf.Tensor[];
        const bce = tf.neg(
          tf.mean(
            tf.sum(
              tf.add(
                tf.mul(xb, tf.log(tf.add(recon, 1e-7))),
                tf.mul(tf.sub(1, xb), tf.log(tf.add(tf.sub(1, recon), 1e-7))),
              ),
              1,
            ),
          ),
        );
        const kl = tf.mul(-0.5, tf.mean(tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar)), 1)));
        return tf.add(bce, kl) as tf.Scalar;
      },
      true,
      vars,
    )!;
    total += cost.dataSync()[0];
    cost.dispose();
  }
  return total / (N / BATCH);
}

async function runVaeCase(opt: OptName, hidden: Hidden): Promise<void> {
  const model = vaeModel(hidden);
  const optimizer = makeOptimizer(opt);
  const x = tf.tidy(() =>
    tf.sigmoid(
      tf.mul(tf.matMul(tf.randomNormal([N, 2], 0, 1, 'float32', 76), tf.randomNormal([2, 16], 0, 1, 'float32', 77)), 2),
    ),
  ) as tf.Tensor2D;
  const losses: number[] = [];
  for (let e = 0; e < EPOCHS; e++) losses.push(vaeEpoch(model, optimizer, x, e));
  expectLearning(losses, `VAE ${opt}/${hidden}`);
  let e = EPOCHS;
  await expectNoGrowth(async () => vaeEpoch(model, optimizer, x, e++), 'optimizer.minimize');
  // Save the model and the optimizer state; reload both; continue both.
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async a => {
      artifacts = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  const state = await optimizer.getWeights();
  const resumed = makeOptimizer(opt);
  await resumed.setWeights(state);
  const probe = [tf.slice(x, 0, 8), tf.zeros([8, 2])];
  predictions(model, probe).forEach((p, i) =>
    expect(Array.from(predictions(loaded, probe)[i]), `reloaded prediction ${i}`).to.deep.equal(Array.from(p)),
  );
  for (let k = 0; k < 2; k++) {
    vaeEpoch(model, optimizer, x, 100 + k);
    vaeEpoch(loaded, resumed, x, 100 + k);
  }
  expect(maxWeightDiff(weightValues(model), weightValues(loaded)), 'resumed vs uninterrupted weights').to.equal(0);
  tf.dispose([x, ...probe]);
  optimizer.dispose();
  resumed.dispose();
  model.dispose();
  loaded.dispose();
}

// ---- the checks --------------------------------------------------------------------------------

async function runFitCase(c: FitCase, opt: OptName, hidden: Hidden): Promise<void> {
  const model = c.build(hidden);
  model.compile({optimizer: makeOptimizer(opt), loss: c.loss});
  const {x, y, probe} = c.data();
  const fitArgs = {batchSize: BATCH, shuffle: false, verbose: 0} as const;
  const cbs = callbackSet(model, probe, c.kurtosis);
  const h = await model.fit(x, y, {...fitArgs, epochs: EPOCHS, callbacks: cbs.callbacks});
  expectLearning(h.history.loss as number[], `${opt}/${hidden}`);
  expectMonitored(h, cbs.csvFile, c.kurtosis);
  // Another epoch with fresh callbacks must not leave tensors behind.
  await expectNoGrowth(
    () => model.fit(x, y, {...fitArgs, epochs: 1, callbacks: callbackSet(model, probe, c.kurtosis).callbacks}),
    'fit + callbacks',
  );
  await resumeCheck(model, m => m.fit(x, y, {...fitArgs, epochs: 2}), x);
  tf.dispose([x, y, probe].flat());
  model.dispose();
}

/** save (with optimizer) → load → identical predictions; continuing both gives identical weights. */
async function resumeCheck(
  model: tf.LayersModel,
  train: (m: tf.LayersModel) => Promise<unknown>,
  x: tf.Tensor | tf.Tensor[],
): Promise<void> {
  const loaded = await saveAndLoad(model);
  expect(maxWeightDiff(weightValues(model), weightValues(loaded)), 'reloaded weights').to.equal(0);
  const pa = predictions(model, x);
  const pb = predictions(loaded, x);
  pa.forEach((p, i) => expect(Array.from(pb[i]), `reloaded prediction ${i}`).to.deep.equal(Array.from(p)));
  await train(model);
  await train(loaded);
  expect(maxWeightDiff(weightValues(model), weightValues(loaded)), 'resumed vs uninterrupted weights').to.equal(0);
  loaded.dispose();
}

describe('integration: model kinds of the tfjs examples × optimizers × callbacks × KAN variants', function () {
  this.timeout(60000);

  for (const opt of OPTIMIZERS) {
    const hidden = nextHidden();
    it(`seq2seq (embeddings + LSTM encoder/decoder + attention), ${opt}, hidden ${hidden}`, async () =>
      runFitCase(seq2seq, opt, hidden));
  }
  (['simpleRNN', 'gru', 'lstm'] as const).forEach((cell, i) => {
    const opt = OPTIMIZERS[i];
    const hidden = nextHidden();
    it(`${cell} with timeDistributed heads, ${opt}, hidden ${hidden} @wasm`, async () =>
      runFitCase(rnnCase(cell), opt, hidden));
  });
  for (const opt of OPTIMIZERS) {
    const hidden = nextHidden();
    it(`fitDataset from tf.data, ${opt}, hidden ${hidden} @wasm`, async () => runDatasetCase(opt, hidden));
  }
  for (const opt of OPTIMIZERS) {
    const hidden = nextHidden();
    it(`VAE with a custom layer trained by optimizer.minimize, ${opt}, hidden ${hidden} @wasm`, async () =>
      runVaeCase(opt, hidden));
  }
  for (const opt of OPTIMIZERS) {
    const hidden = nextHidden();
    it(`CNN (conv2d, maxPooling, dense), ${opt}, hidden ${hidden}`, async () => runFitCase(cnn, opt, hidden));
  }
  for (const opt of OPTIMIZERS) {
    const hidden = nextHidden();
    it(`multi-input/multi-output functional model, ${opt}, hidden ${hidden} @wasm`, async () =>
      runFitCase(multiIO, opt, hidden));
  }
  for (const opt of OPTIMIZERS) {
    const hidden = nextHidden();
    it(`nested model (Sequential encoder inside a functional model), ${opt}, hidden ${hidden} @wasm`, async () =>
      runFitCase(nested, opt, hidden));
  }
});
