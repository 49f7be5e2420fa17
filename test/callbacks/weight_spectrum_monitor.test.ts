import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {weightSpectrumMonitor} from '../../src/callbacks/weight_spectrum_monitor';
import type {MetricRecord} from '../../src/callbacks/common';
import {analyze} from '../../src/spectral';
import {bsplineKAN} from '../../src/layers/kan/bspline';
import {expectNoLeak} from '../helpers/leaks';
import {smallMlp} from './models';

function convNet(): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({seed: s});
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        filters: 16,
        kernelSize: 3,
        inputShape: [8, 8, 3],
        activation: 'relu',
        kernelInitializer: init(1),
        name: 'conv',
      }),
      tf.layers.flatten({name: 'flat'}),
      tf.layers.dense({units: 24, activation: 'relu', kernelInitializer: init(2), name: 'fc'}),
      tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(3), name: 'head'}),
    ],
  });
  model.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy'});
  return model;
}

function quiet<T>(fn: () => Promise<T>, sink: string[] = []): Promise<T> {
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    sink.push(a.join(' '));
  };
  return fn().finally(() => {
    console.warn = warn;
  });
}

describe('weightSpectrumMonitor', () => {
  it('writes alpha_mean and per-layer alphas equal to direct analyze calls on the same weights', async () => {
    const model = convNet();
    const x = tf.randomNormal([32, 8, 8, 3], 0, 1, 'float32', 1);
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({length: 32}, (_, i) => i % 10),
        'int32',
      ),
      10,
    );
    const direct: Array<Record<string, number>> = [];
    const check = new tf.CustomCallback({
      onEpochEnd: async () => {
        const rows = await analyze(model, {mpFit: false});
        direct.push(Object.fromEntries(rows.map(r => [r.name, r.alpha])));
      },
    });
    const records: MetricRecord[] = [];
    const h = await quiet(() =>
      model.fit(x, y, {
        epochs: 2,
        verbose: 0,
        callbacks: [weightSpectrumMonitor({onRecord: r => records.push(r)}), check],
      }),
    );
    for (let e = 0; e < 2; e++) {
      const ok = ['conv', 'fc', 'head'].map(n => direct[e][n]).filter(a => a !== -1);
      for (const n of ['conv', 'fc', 'head']) expect(h.history[`alpha/${n}`][e]).to.equal(direct[e][n]);
      expect(h.history.alpha_mean[e] as number).to.be.closeTo(ok.reduce((a, b) => a + b, 0) / ok.length, 1e-12);
    }
    // conv: 3x3 slices of [3, 16] → 9·3 = 27 eigenvalues, ≥ minEvals (10): analysed; flatten has no kernel.
    expect([...new Set(records.map(r => r.layer))]).to.deep.equal(['conv', 'fc', 'head', null]);
    expect(records.filter(r => r.epoch === 0 && r.layer === 'fc').map(r => r.metric)).to.deep.equal([
      'alpha',
      'alpha_weighted',
      'stable_rank',
    ]);
    tf.dispose([x, y]);
  });

  it('covers LSTM/GRU gates, bidirectional, timeDistributed and KAN kernels inside fit, logging the chosen metrics', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.lstm({units: 12, returnSequences: true, inputShape: [6, 10], name: 'lstm'}),
        tf.layers.bidirectional({
          layer: tf.layers.gru({units: 11, returnSequences: true, name: 'gru'}) as tf.layers.RNN,
          name: 'bi',
        }),
        tf.layers.timeDistributed({layer: tf.layers.dense({units: 16, name: 'inner'}), name: 'td'}),
        tf.layers.flatten({name: 'flat'}),
        bsplineKAN({units: 12, name: 'kan'}),
        tf.layers.dense({units: 1, name: 'out'}),
      ],
    });
    model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 6, 10], 0, 1, 'float32', 3);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 4);
    const metrics = ['alpha', 'log_spectral_norm', 'num_spikes', 'erg', 'matrix_entropy'];
    let direct: Awaited<ReturnType<typeof analyze>> = [];
    const check = new tf.CustomCallback({
      onEpochEnd: async () => {
        direct = await analyze(model);
      },
    });
    const h = await quiet(() =>
      model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [weightSpectrumMonitor({metrics}), check]}),
    );
    const names = direct.map(r => r.name);
    expect(names).to.include.members([
      'lstm/kernel[0]',
      'lstm/recurrent_kernel[3]',
      'bi/forward_gru/kernel[2]',
      'bi/backward_gru/recurrent_kernel[0]',
      'td',
      'kan/base_kernel',
      'kan/spline_kernel',
    ]);
    for (const r of direct) {
      expect(h.history[`alpha/${r.name}`][1], r.name).to.deep.equal(r.alpha);
      expect(h.history[`log_spectral_norm/${r.name}`][1]).to.deep.equal(r.logSpectralNorm);
      expect(h.history[`num_spikes/${r.name}`][1]).to.deep.equal(r.numSpikes);
      expect(h.history[`erg/${r.name}`][1]).to.deep.equal(r.erg);
      expect(h.history[`matrix_entropy/${r.name}`][1]).to.deep.equal(r.matrixEntropy);
    }
    expect(h.history).to.have.keys([...metrics.flatMap(m => [`${m}_mean`, ...names.map(n => `${m}/${n}`)]), 'loss']);
    tf.dispose([x, y]);
  });

  it('does not abort fit when nothing has minEvals eigenvalues: warns once naming the reason and arguments, records nothing @wasm', async () => {
    // a 4 → 10 → 3 classifier: kernels with 4 and 3 eigenvalues
    const model = tf.sequential({
      layers: [
        tf.layers.dense({units: 10, activation: 'relu', inputShape: [4], name: 'h'}),
        tf.layers.dense({units: 3, activation: 'softmax', name: 'out'}),
      ],
    });
    model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
    const x = tf.randomNormal([12, 4], 0, 1, 'float32', 1);
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({length: 12}, (_, i) => i % 3),
        'int32',
      ),
      3,
    );
    const warnings: string[] = [];
    const records: MetricRecord[] = [];
    const mon = weightSpectrumMonitor({onRecord: r => records.push(r)});
    const h = await quiet(async () => {
      await model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [mon]});
      return model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [mon]});
    }, warnings);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /nothing to monitor: no weight matrix has at least minEvals = 10 eigenvalues \(h: 4 eigenvalues < minEvals 10; out: 3 eigenvalues < minEvals 10\).*minEvals.*layers/,
    );
    expect(Object.keys(h.history)).to.deep.equal(['loss']);
    expect(records).to.deep.equal([]);
    // lowering minEvals analyses them
    const h2 = await quiet(() =>
      model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [weightSpectrumMonitor({minEvals: 3, warnings: false})]}),
    );
    expect(h2.history).to.have.property('alpha/h');
    tf.dispose([x, y]);
  });

  it('warns once when a layer alpha leaves [2, 6], not again while it stays out (hooks driven directly) @wasm', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 128,
          inputShape: [512],
          name: 'wide',
          kernelInitializer: tf.initializers.randomNormal({seed: 1}),
        }),
      ],
    });
    const mon = weightSpectrumMonitor();
    mon.setModel(model);
    const warnings: string[] = [];
    await quiet(async () => {
      await mon.onTrainBegin();
      for (let e = 0; e < 3; e++) await mon.onEpochEnd(e, {});
    }, warnings);
    const alpha = mon.spectra[0].alpha;
    const outside = mon.spectra[0].status === 'ok' && (alpha < 2 || alpha > 6);
    // A Gaussian 512x128 kernel is a Marchenko-Pastur bulk: its fitted alpha is large (random-like).
    expect(outside).to.equal(true);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/layer 'wide': alpha = .* > 6 \(under-trained/);
    const silent = weightSpectrumMonitor({warnings: false});
    silent.setModel(model);
    const none: string[] = [];
    await quiet(async () => {
      await silent.onTrainBegin();
      await silent.onEpochEnd(0, {});
    }, none);
    expect(none).to.deep.equal([]);
  });

  it('fails at onTrainBegin on an unknown named layer or a named layer without a matrix', async () => {
    const model = convNet();
    const bad = weightSpectrumMonitor({layers: ['fc', 'nope']});
    bad.setModel(model);
    await bad.onTrainBegin().then(
      () => expect.fail('no error'),
      e =>
        expect(String(e)).to.match(
          /layer 'nope' is not in the model; available layers: .*'conv', 'flat', 'fc', 'head'/,
        ),
    );
    const flat = weightSpectrumMonitor({layers: ['flat']});
    flat.setModel(model);
    await flat.onTrainBegin().then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/layer 'flat' has no analysable weight matrix/),
    );
    const tiny = weightSpectrumMonitor({layers: ['h1']});
    tiny.setModel(smallMlp()); // h1 kernel [6, 12]: 6 eigenvalues
    await tiny.onTrainBegin().then(
      () => expect.fail('no error'),
      e =>
        expect(String(e)).to.match(/layer 'h1' has no matrix with enough eigenvalues: h1: 6 eigenvalues < minEvals 10/),
    );
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => weightSpectrumMonitor({every: 1.5})).to.throw(/every.*1.5/);
    expect(() => weightSpectrumMonitor({layers: []})).to.throw(/layers.*\[\]/);
    expect(() => weightSpectrumMonitor({minEvals: 0})).to.throw(/minEvals.*0/);
    expect(() => weightSpectrumMonitor({warnings: 'no' as unknown as boolean})).to.throw(/warnings.*'no'/);
    expect(() => weightSpectrumMonitor({metrics: ['alpha', 'beta']})).to.throw(
      /metrics must be names from .*got 'beta'/,
    );
    expect(() => weightSpectrumMonitor({metrics: []})).to.throw(/metrics must be a non-empty list/);
  });

  it('leaks no tensors over repeated epochs', async () => {
    const model = convNet();
    const x = tf.randomNormal([8, 8, 8, 3], 0, 1, 'float32', 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const mon = weightSpectrumMonitor({every: 1, warnings: false});
    await expectNoLeak(() => model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [mon]}), 3);
    tf.dispose([x, y]);
  });
});
