import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {dseMonitor} from '../../src/callbacks/dse_monitor';
import type {MetricRecord} from '../../src/callbacks/common';
import {diffusionSpectralEntropy, diffusionSpectralMutualInfo} from '../../src/spectral';
import {expectNoLeak} from '../helpers/leaks';
import {tempDir} from '../helpers/roundtrip';
import {layerOutput, smallData, smallMlp} from './models';

describe('dseMonitor', () => {
  it('writes dse and dsmi into history equal to direct calls on the same model and probe @wasm', async () => {
    const model = smallMlp();
    const {x, y, labels} = smallData(48);
    const probe = x.slice([0, 0], [40, 6]);
    const probeLabels = labels.slice([0], [40]);
    const direct: Array<{dse: number; dsmi: number}> = [];
    // Runs after dseMonitor in the same epoch, on the same weights: the reference path.
    const check = new tf.CustomCallback({
      onEpochEnd: async () => {
        const z = layerOutput(model, 'h2', probe); // default layer: the input of the last Dense = h2's output
        direct.push({
          dse: await diffusionSpectralEntropy(z, {sigma: 3}),
          dsmi: await diffusionSpectralMutualInfo(z, probeLabels, {sigma: 3}),
        });
        z.dispose();
      },
    });
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (...a: unknown[]) => {
      warnings.push(a.join(' '));
    };
    let h: tf.History;
    try {
      h = await model.fit(x, y, {
        epochs: 3,
        batchSize: 16,
        verbose: 0,
        callbacks: [
          dseMonitor({probe, labels: tf.oneHot(probeLabels, 3), sigma: 3}),
          check,
          tf.callbacks.earlyStopping({monitor: 'dse', mode: 'max', patience: 5}),
        ],
      });
    } finally {
      console.warn = warn;
    }
    expect(warnings.filter(w => /dse/.test(w))).to.deep.equal([]); // earlyStopping found its metric
    expect(h.history.dse).to.have.length(3);
    h.history.dse.forEach((v, e) => {
      // Same float32 features, same function: equal up to the order of float64 sums (1e-9 bits).
      expect(v as number).to.be.closeTo(direct[e].dse, 1e-9);
      expect(h.history.dsmi[e] as number).to.be.closeTo(direct[e].dsmi, 1e-9);
    });
    tf.dispose([x, y, labels, probe, probeLabels]);
  });

  it('computes every `every` epochs on a named layer and reports the median sigma it used', async () => {
    const model = smallMlp(2);
    const {x, y} = smallData(32);
    const records: MetricRecord[] = [];
    const file = path.join(tempDir(), 'dse.jsonl');
    const mon = dseMonitor({
      probe: x,
      layer: 'h1',
      every: 2,
      sigma: 'median',
      onRecord: r => records.push(r),
      logFile: file,
    });
    let direct = NaN;
    const check = new tf.CustomCallback({
      onEpochEnd: async (epoch, logs) => {
        if (epoch !== 3) return;
        const z = layerOutput(model, 'h1', x);
        direct = await diffusionSpectralEntropy(z, {sigma: mon.sigmaUsed});
        z.dispose();
        expect(logs!.dse).to.be.closeTo(direct, 1e-9);
      },
    });
    const h = await model.fit(x, y, {epochs: 4, verbose: 0, callbacks: [mon, check]});
    expect(h.history.dse).to.have.length(2); // epochs 1 and 3 only
    expect(Number.isFinite(direct)).to.equal(true);
    expect(records.map(r => `${r.epoch}:${r.metric}:${r.layer}`)).to.deep.equal([
      '1:dse:h1',
      '1:dse_sigma:h1',
      '3:dse:h1',
      '3:dse_sigma:h1',
    ]);
    expect(records[3].value).to.equal(mon.sigmaUsed);
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map(l => JSON.parse(l));
    expect(lines).to.deep.equal(records.map(r => ({...r})));
    tf.dispose([x, y]);
  });

  it("resolves sigma 'sqrt-d' to the square root of the feature width", async () => {
    const model = smallMlp(3);
    const {x, y} = smallData(16);
    const mon = dseMonitor({probe: x, sigma: 'sqrt-d'});
    await model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [mon]});
    expect(mon.sigmaUsed).to.equal(Math.sqrt(8));
    tf.dispose([x, y]);
  });

  it("passes method 'lanczos' through: history equals a direct lanczos call", async () => {
    const model = smallMlp(5);
    const {x, y} = smallData(96);
    let direct = NaN;
    const check = new tf.CustomCallback({
      onEpochEnd: async () => {
        const z = layerOutput(model, 'h2', x);
        direct = await diffusionSpectralEntropy(z, {sigma: 2, method: 'lanczos'});
        z.dispose();
      },
    });
    // N = 96 > deflation 32 + steps 30, so the Lanczos path really runs; it is seeded (seed 0): deterministic.
    const h = await model.fit(x, y, {
      epochs: 1,
      verbose: 0,
      callbacks: [dseMonitor({probe: x, sigma: 2, method: 'lanczos'}), check],
    });
    expect(h.history.dse[0] as number).to.be.closeTo(direct, 1e-9);
    tf.dispose([x, y]);
  });

  it('resolves its layer afresh for each fit, so one instance serves two models (keras#20256)', async () => {
    const {x, y} = smallData(24);
    const mon = dseMonitor({probe: x, sigma: 'sqrt-d'});
    const a = smallMlp(6);
    const b = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 5,
          activation: 'relu',
          inputShape: [6],
          kernelInitializer: tf.initializers.glorotUniform({seed: 9}),
        }),
        tf.layers.dense({units: 3, activation: 'softmax'}),
      ],
    });
    b.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
    await a.fit(x, y, {epochs: 1, verbose: 0, callbacks: [mon]});
    expect(mon.sigmaUsed).to.equal(Math.sqrt(8)); // a: the last Dense reads 8 features
    const hb = await b.fit(x, y, {epochs: 1, verbose: 0, callbacks: [mon]});
    expect(mon.sigmaUsed).to.equal(Math.sqrt(5)); // b: 5 features
    const z = tf.model({inputs: b.inputs, outputs: b.layers[0].output as tf.SymbolicTensor}).predict(x) as tf.Tensor2D;
    expect(hb.history.dse[0] as number).to.be.closeTo(await diffusionSpectralEntropy(z, {sigma: Math.sqrt(5)}), 1e-9);
    tf.dispose([x, y, z]);
  });

  it('fails at onTrainBegin, before any epoch, on an unknown layer and on a probe that does not fit the model', async () => {
    const model = smallMlp();
    const {x, y} = smallData(16);
    let epochs = 0;
    const counter = new tf.CustomCallback({
      onEpochBegin: async () => {
        epochs++;
      },
    });
    const err = await model
      .fit(x, y, {epochs: 2, verbose: 0, callbacks: [dseMonitor({probe: x, layer: 'dense_9'}), counter]})
      .then(
        () => null,
        e => String(e),
      );
    expect(err).to.match(/dseMonitor: layer 'dense_9' is not in the model; available layers: .*'h1', 'h2', 'out'/);
    const err2 = await model
      .fit(x, y, {epochs: 2, verbose: 0, callbacks: [dseMonitor({probe: tf.zeros([8, 4])}), counter]})
      .then(
        () => null,
        e => String(e),
      );
    expect(err2).to.match(/probe must have per-sample shape \[6\].*shape=\[8,4\]/);
    expect(epochs).to.equal(0);
    tf.dispose([x, y]);
  });

  it('rejects an empty probe, bad labels and bad options with errors naming them', () => {
    const x = tf.zeros([10, 6]);
    expect(() => dseMonitor({probe: tf.zeros([0, 6])})).to.throw(/probe must have at least 2 samples.*shape=\[0,6\]/);
    expect(() => dseMonitor({probe: x, labels: tf.zeros([9])})).to.throw(/labels must be \[10\].*shape=\[9\]/);
    expect(() => dseMonitor({probe: x, every: 0})).to.throw(/every.*0/);
    expect(() => dseMonitor({probe: x, sigma: -1})).to.throw(/sigma.*-1/);
    expect(() => dseMonitor({probe: x, sigma: 'auto' as 'median'})).to.throw(/sigma.*'auto'/);
    expect(() => dseMonitor({probe: x, t: 0})).to.throw(/t.*0/);
    expect(() => dseMonitor({probe: x, method: 'svd' as 'exact'})).to.throw(/method.*'svd'/);
    expect(() => dseMonitor({probe: x, logFile: ''})).to.throw(/logFile.*''/);
    x.dispose();
  });

  it('leaks no tensors over 12 epochs and does not dispose the probe', async () => {
    const model = smallMlp();
    const {x, y, labels} = smallData(24);
    const mon = dseMonitor({probe: x, labels, sigma: 'median'});
    await expectNoLeak(() => model.fit(x, y, {epochs: 3, verbose: 0, callbacks: [mon]}), 4);
    expect(x.isDisposed || labels.isDisposed).to.equal(false);
    tf.dispose([x, y, labels]);
  });
});
