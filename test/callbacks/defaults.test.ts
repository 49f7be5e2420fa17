// Point 1 of issue 12: callback defaults on the models people build (sequence heads,
// KAN heads, nested models); nothing to watch warns once and never aborts fit.
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {activationKurtosisMonitor} from '../../src/callbacks/activation_kurtosis_monitor';
import {dseMonitor} from '../../src/callbacks/dse_monitor';
import {spectralTruncation} from '../../src/callbacks/spectral_truncation';
import {lastLayerInput} from '../../src/callbacks/common';
import {rbfKAN} from '../../src/layers/kan/rbf';
import {bsplineKAN} from '../../src/layers/kan/bspline';
import {diffusionSpectralEntropy, excessKurtosis} from '../../src/spectral';

/** Runs fn collecting console.warn lines. */
async function collectWarnings<T>(fn: () => Promise<T>): Promise<{result: T; warnings: string[]}> {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...a: unknown[]) => {
    warnings.push(a.join(' '));
  };
  try {
    return {result: await fn(), warnings};
  } finally {
    console.warn = warn;
  }
}

/** Activations at a symbolic tensor of the model (independent of the callbacks' probe code). */
function activationAt(model: tf.LayersModel, t: tf.SymbolicTensor, x: tf.Tensor): tf.Tensor {
  return tf.model({inputs: model.inputs, outputs: t}).predict(x) as tf.Tensor;
}

function seqModel(): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({seed: s});
  return tf.sequential({
    layers: [
      tf.layers.simpleRNN({
        units: 6,
        returnSequences: true,
        inputShape: [5, 3],
        kernelInitializer: init(1),
        recurrentInitializer: 'orthogonal',
        name: 'rnn',
      }),
      tf.layers.timeDistributed({layer: tf.layers.dense({units: 2, kernelInitializer: init(2)}), name: 'td'}),
    ],
  });
}

function kanHeadModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        units: 8,
        activation: 'tanh',
        inputShape: [4],
        kernelInitializer: tf.initializers.glorotUniform({seed: 3}),
        name: 'pre',
      }),
      rbfKAN({units: 3, seed: 4, name: 'kan'}),
    ],
  });
}

function nestedModel(): tf.LayersModel {
  const inner = tf.sequential({
    name: 'inner',
    layers: [
      tf.layers.dense({
        units: 5,
        activation: 'relu',
        inputShape: [6],
        kernelInitializer: tf.initializers.glorotUniform({seed: 5}),
      }),
      tf.layers.dense({units: 2, kernelInitializer: tf.initializers.glorotUniform({seed: 6})}),
    ],
  });
  const input = tf.input({shape: [4]});
  const pre = tf.layers
    .dense({units: 6, activation: 'tanh', name: 'pre', kernelInitializer: tf.initializers.glorotUniform({seed: 7})})
    .apply(input) as tf.SymbolicTensor;
  return tf.model({inputs: input, outputs: inner.apply(pre) as tf.SymbolicTensor});
}

describe('callback defaults on sequence, KAN and nested models (issue 12, point 1)', () => {
  it('dseMonitor defaults to the input of a timeDistributed(dense) head, positions flattened into samples', async () => {
    const model = seqModel();
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    const x = tf.randomNormal([6, 5, 3], 0, 1, 'float32', 1);
    const y = tf.randomNormal([6, 5, 2], 0, 1, 'float32', 2);
    const direct: number[] = [];
    const check = new tf.CustomCallback({
      onEpochEnd: async () => {
        const a = activationAt(model, model.getLayer('rnn').output as tf.SymbolicTensor, x); // [6, 5, 6]
        const z = tf.reshape(a, [30, 6]) as tf.Tensor2D;
        direct.push(await diffusionSpectralEntropy(z, {sigma: 2}));
        tf.dispose([a, z]);
      },
    });
    const {result: h, warnings} = await collectWarnings(() =>
      model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [dseMonitor({probe: x, sigma: 2}), check]}),
    );
    expect(warnings).to.deep.equal([]);
    expect(h.history.dse).to.have.length(2);
    h.history.dse.forEach((v, e) => expect(v as number).to.be.closeTo(direct[e], 1e-9));
    tf.dispose([x, y]);
  });

  it('dseMonitor repeats per-sequence labels over positions for dsmi', async () => {
    const model = seqModel();
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    const x = tf.randomNormal([6, 5, 3], 0, 1, 'float32', 3);
    const y = tf.randomNormal([6, 5, 2], 0, 1, 'float32', 4);
    const labels = tf.tensor1d([0, 1, 0, 1, 0, 1], 'int32');
    const h = await model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [dseMonitor({probe: x, labels, sigma: 2})]});
    expect(Number.isFinite(h.history.dsmi[0] as number)).to.equal(true);
    tf.dispose([x, y, labels]);
  });

  for (const [kind, build, featureOf] of [
    ['a KAN head', kanHeadModel, 'pre'],
    ['a nested model as last layer', nestedModel, 'pre'],
  ] as const) {
    it(`dseMonitor defaults to the input of ${kind}`, async () => {
      const model = build();
      model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
      const x = tf.randomNormal([12, 4], 0, 1, 'float32', 5);
      const y = tf.randomNormal([12, model.outputs[0].shape[1] as number], 0, 1, 'float32', 6);
      const direct: number[] = [];
      const check = new tf.CustomCallback({
        onEpochEnd: async () => {
          const z = activationAt(model, model.getLayer(featureOf).output as tf.SymbolicTensor, x) as tf.Tensor2D;
          direct.push(await diffusionSpectralEntropy(z, {sigma: 1}));
          z.dispose();
        },
      });
      const records: string[] = [];
      const h = await model.fit(x, y, {
        epochs: 2,
        verbose: 0,
        callbacks: [dseMonitor({probe: x, sigma: 1, onRecord: r => records.push(String(r.layer))}), check],
      });
      h.history.dse.forEach((v, e) => expect(v as number).to.be.closeTo(direct[e], 1e-9));
      expect(records[0]).to.equal(featureOf);
      tf.dispose([x, y]);
    });
  }

  it('dseMonitor with nothing to monitor (a Concatenate head) warns once, records nothing, and fit completes', async () => {
    const a = tf.input({shape: [3]});
    const b = tf.input({shape: [2]});
    const out = tf.layers
      .concatenate()
      .apply([
        tf.layers.dense({units: 2}).apply(a) as tf.SymbolicTensor,
        tf.layers.dense({units: 2}).apply(b) as tf.SymbolicTensor,
      ]) as tf.SymbolicTensor;
    const model = tf.model({inputs: [a, b], outputs: out});
    model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
    const xs = [tf.ones([4, 3]), tf.ones([4, 2])];
    const y = tf.zeros([4, 4]);
    const mon = dseMonitor({probe: xs});
    const records: unknown[] = [];
    const mon2 = dseMonitor({probe: xs, onRecord: r => records.push(r)});
    const {result: h, warnings} = await collectWarnings(async () => {
      const h1 = await model.fit(xs, y, {epochs: 3, verbose: 0, callbacks: [mon, mon2]});
      await model.fit(xs, y, {epochs: 1, verbose: 0, callbacks: [mon]}); // second fit: no second warning
      return h1;
    });
    expect(h.history.loss).to.have.length(3);
    expect(h.history.dse).to.equal(undefined);
    expect(records).to.deep.equal([]);
    expect(warnings).to.have.length(2); // once per monitor instance
    expect(warnings[0]).to.match(
      /dseMonitor: nothing to monitor: the last layer '.*' \(Concatenate\) takes 2 input tensors; set the 'layer' argument/,
    );
    tf.dispose([...xs, y]);
  });

  it('lastLayerInput names the input of the layer producing the first output', () => {
    const found = lastLayerInput(seqModel());
    expect(found.ok).to.equal(true);
    if (found.ok) {
      expect(found.layer.name).to.equal('td');
      expect(found.feature.shape).to.deep.equal([null, 5, 6]);
    }
  });

  it('spectralTruncation warns once and leaves a model with a KAN or timeDistributed head unchanged; apply() throws', async () => {
    for (const build of [kanHeadModel, seqModel]) {
      const model = build();
      model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
      const inShape = model.inputs[0].shape.slice(1) as number[];
      const outShape = model.outputs[0].shape.slice(1) as number[];
      const x = tf.randomNormal([8, ...inShape], 0, 1, 'float32', 7);
      const y = tf.zeros([8, ...outShape]);
      const cut = spectralTruncation({trainProbe: x, rank: 2});
      let before: Float32Array[] = [];
      const snap = new tf.CustomCallback({
        onTrainEnd: async () => {
          before = model.getWeights().map(w => w.dataSync() as Float32Array);
        },
      });
      const {warnings} = await collectWarnings(() => model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [snap, cut]}));
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(
        /spectralTruncation: nothing to truncate: the last layer '.*' is a (RBFKAN|TimeDistributed), not a Dense layer.*'layer' argument/,
      );
      expect(cut.chosenRank).to.equal(null);
      model.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).to.deep.equal(Array.from(before[i])));
      await cut.apply(model).then(
        () => expect.fail('no error'),
        e => expect(String(e)).to.match(/not a Dense layer/),
      );
      tf.dispose([x, y]);
    }
  });

  it('a named nested model is measured at its output in the outer graph (tfjs `layer.output` throws there)', async () => {
    const inner = tf.sequential({
      name: 'encoder',
      layers: [
        tf.layers.dense({units: 5, inputShape: [4], kernelInitializer: tf.initializers.glorotUniform({seed: 8})}),
      ],
    });
    const input = tf.input({shape: [4]});
    const code = inner.apply(input) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.dense({units: 2, name: 'head'}).apply(code) as tf.SymbolicTensor,
    });
    model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
    const x = tf.randomNormal([10, 4], 0, 1, 'float32', 9);
    const y = tf.zeros([10, 2]);
    let direct = {dse: NaN, kurt: NaN};
    const check = new tf.CustomCallback({
      onEpochEnd: async () => {
        const z = activationAt(model, code, x) as tf.Tensor2D;
        direct = {dse: await diffusionSpectralEntropy(z, {sigma: 1}), kurt: await excessKurtosis(z)};
        z.dispose();
      },
    });
    const h = await model.fit(x, y, {
      epochs: 1,
      verbose: 0,
      callbacks: [
        dseMonitor({probe: x, layer: 'encoder', sigma: 1}),
        activationKurtosisMonitor({probe: x, layers: ['encoder']}),
        check,
      ],
    });
    expect(h.history.dse[0] as number).to.be.closeTo(direct.dse, 1e-9);
    expect(h.history['kurtosis/encoder'][0] as number).to.be.closeTo(direct.kurt, 1e-9);
    tf.dispose([x, y]);
  });

  it('an explicitly named wrong layer still throws', async () => {
    const model = kanHeadModel();
    model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
    const x = tf.zeros([4, 4]);
    const y = tf.zeros([4, 3]);
    const err = await model
      .fit(x, y, {epochs: 1, verbose: 0, callbacks: [dseMonitor({probe: x, layer: 'nope'})]})
      .catch(e => e as Error);
    expect(String(err)).to.match(/layer 'nope' is not in the model/);
    const err2 = await model
      .fit(x, y, {epochs: 1, verbose: 0, callbacks: [spectralTruncation({trainProbe: x, rank: 1, layer: 'pre'})]})
      .catch(e => e as Error);
    expect(String(err2)).to.match(/layer 'pre' must feed a Dense layer directly/);
    const kan = tf.sequential({layers: [bsplineKAN({units: 2, inputShape: [4]})]});
    expect(kan.layers).to.have.length(1);
    tf.dispose([x, y]);
  });
});
