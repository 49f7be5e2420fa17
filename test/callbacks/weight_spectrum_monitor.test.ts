import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {weightSpectrumMonitor} from '../../src/callbacks/weight_spectrum_monitor';
import type {MetricRecord} from '../../src/callbacks/common';
import {weightSpectrum} from '../../src/spectral';
import {expectNoLeak} from '../helpers/leaks';
import {smallMlp} from './models';

function convNet(): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({seed: s});
  const model = tf.sequential({layers: [
    tf.layers.conv2d({filters: 16, kernelSize: 3, inputShape: [8, 8, 3], activation: 'relu', kernelInitializer: init(1), name: 'conv'}),
    tf.layers.flatten({name: 'flat'}),
    tf.layers.dense({units: 24, activation: 'relu', kernelInitializer: init(2), name: 'fc'}),
    tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: init(3), name: 'head'}),
  ]});
  model.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy'});
  return model;
}

/** The layer's kernel variable (getWeights returns the variables themselves: never dispose). */
function kernelOf(model: tf.LayersModel, name: string): tf.Tensor {
  return model.getLayer(name).getWeights()[0];
}

function quiet<T>(fn: () => Promise<T>, sink: string[] = []): Promise<T> {
  const warn = console.warn;
  console.warn = (...a: unknown[]) => { sink.push(a.join(' ')); };
  return fn().finally(() => { console.warn = warn; });
}

describe('weightSpectrumMonitor', () => {
  it('writes alpha_mean and per-layer alphas equal to weightSpectrum of the same kernels', async () => {
    const model = convNet();
    const x = tf.randomNormal([32, 8, 8, 3], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d(Array.from({length: 32}, (_, i) => i % 10), 'int32'), 10);
    const direct: Array<Record<string, number>> = [];
    const check = new tf.CustomCallback({onEpochEnd: async () => {
      const row: Record<string, number> = {};
      for (const name of ['conv', 'fc', 'head']) {
        const k = kernelOf(model, name);
        row[name] = (await weightSpectrum(k)).alpha; // k is the variable itself (getWeights): not disposed
      }
      direct.push(row);
    }});
    const records: MetricRecord[] = [];
    const h = await quiet(() => model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [
      weightSpectrumMonitor({onRecord: r => records.push(r)}), check]}));
    for (let e = 0; e < 2; e++) {
      const ok = ['conv', 'fc', 'head'].map(n => direct[e][n]).filter(a => a !== -1);
      for (const n of ['conv', 'fc', 'head']) expect(h.history[`alpha/${n}`][e]).to.equal(direct[e][n]);
      expect(h.history.alpha_mean[e] as number).to.be.closeTo(ok.reduce((a, b) => a + b, 0) / ok.length, 1e-12);
    }
    // conv: 3x3 slices of [3, 16] → 9·3 = 27 eigenvalues, ≥ minEvals (10): analysed; flatten has no kernel.
    expect([...new Set(records.map(r => r.layer))]).to.deep.equal(['conv', 'fc', 'head', null]);
    expect(records.filter(r => r.epoch === 0 && r.layer === 'fc').map(r => r.metric))
      .to.deep.equal(['alpha', 'alpha_weighted', 'stable_rank', 'erg_gap', 'spectral_norm', 'log_norm']);
    tf.dispose([x, y]);
  });

  it('warns once when a layer alpha leaves [2, 6], not again while it stays out (hooks driven directly) @wasm', async () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 128, inputShape: [512], name: 'wide', kernelInitializer: tf.initializers.randomNormal({seed: 1})})]});
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
    await quiet(async () => { await silent.onTrainBegin(); await silent.onEpochEnd(0, {}); }, none);
    expect(none).to.deep.equal([]);
  });

  it('fails at onTrainBegin on an unknown layer, a layer without a kernel, or no analysable kernel', async () => {
    const model = convNet();
    const bad = weightSpectrumMonitor({layers: ['fc', 'nope']});
    bad.setModel(model);
    await bad.onTrainBegin().then(() => expect.fail('no error'), e => expect(String(e)).to.match(/layer 'nope' is not in the model; available layers: .*'conv', 'flat', 'fc', 'head'/));
    const flat = weightSpectrumMonitor({layers: ['flat']});
    flat.setModel(model);
    await flat.onTrainBegin().then(() => expect.fail('no error'), e => expect(String(e)).to.match(/layer 'flat' \(Flatten\) must have a Dense .* kernel, got none/));
    const tiny = weightSpectrumMonitor();
    tiny.setModel(smallMlp()); // kernels with 6, 8 and 3 eigenvalues
    await tiny.onTrainBegin().then(() => expect.fail('no error'), e => expect(String(e)).to.match(/no Dense or Conv2D kernel with at least 10 eigenvalues/));
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => weightSpectrumMonitor({every: 1.5})).to.throw(/every.*1.5/);
    expect(() => weightSpectrumMonitor({layers: []})).to.throw(/layers.*\[\]/);
    expect(() => weightSpectrumMonitor({minEvals: 0})).to.throw(/minEvals.*0/);
    expect(() => weightSpectrumMonitor({warnings: 'no' as unknown as boolean})).to.throw(/warnings.*'no'/);
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
