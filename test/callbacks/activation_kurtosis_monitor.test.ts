import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {activationKurtosisMonitor} from '../../src/callbacks/activation_kurtosis_monitor';
import type {MetricRecord} from '../../src/callbacks/common';
import {channelRmsKurtosis, excessKurtosis} from '../../src/spectral';
import {expectNoLeak} from '../helpers/leaks';
import {layerOutput, smallData, smallMlp} from './models';

describe('activationKurtosisMonitor', () => {
  it('writes per-layer kurtosis, max and mean into history equal to direct calls on the same probe @wasm', async () => {
    const model = smallMlp();
    const {x, y} = smallData(48);
    const probe = x.slice([0, 0], [32, 6]);
    const direct: Array<{h1: number; h2: number; rms1: number}> = [];
    const check = new tf.CustomCallback({
      onEpochEnd: async () => {
        const a1 = layerOutput(model, 'h1', probe);
        const a2 = layerOutput(model, 'h2', probe);
        direct.push({h1: await excessKurtosis(a1), h2: await excessKurtosis(a2), rms1: await channelRmsKurtosis(a1)});
        tf.dispose([a1, a2]);
      },
    });
    const records: MetricRecord[] = [];
    const h = await model.fit(x, y, {
      epochs: 3,
      verbose: 0,
      callbacks: [
        activationKurtosisMonitor({probe, layers: ['h1', 'h2'], channelRms: true, onRecord: r => records.push(r)}),
        check,
      ],
    });
    for (let e = 0; e < 3; e++) {
      // Same float32 activations, same float64 function: equal to 1e-12.
      expect(h.history['kurtosis/h1'][e] as number).to.be.closeTo(direct[e].h1, 1e-12);
      expect(h.history['kurtosis/h2'][e] as number).to.be.closeTo(direct[e].h2, 1e-12);
      expect(h.history['rms_kurtosis/h1'][e] as number).to.be.closeTo(direct[e].rms1, 1e-12);
      expect(h.history.kurtosis_max[e]).to.equal(
        Math.max(h.history['kurtosis/h1'][e] as number, h.history['kurtosis/h2'][e] as number),
      );
      expect(h.history.kurtosis_mean[e] as number).to.be.closeTo((direct[e].h1 + direct[e].h2) / 2, 1e-12);
    }
    expect(records.filter(r => r.epoch === 0).map(r => `${r.metric}:${r.layer}`)).to.deep.equal([
      'kurtosis:h1',
      'rms_kurtosis:h1',
      'kurtosis:h2',
      'rms_kurtosis:h2',
      'kurtosis_max:null',
      'kurtosis_mean:null',
    ]);
    tf.dispose([x, y, probe]);
  });

  it('fails at onTrainBegin, before any epoch, on an unknown layer name', async () => {
    const model = smallMlp();
    const {x, y} = smallData(16);
    let epochs = 0;
    const counter = new tf.CustomCallback({
      onEpochBegin: async () => {
        epochs++;
      },
    });
    const err = await model
      .fit(x, y, {
        epochs: 1,
        verbose: 0,
        callbacks: [activationKurtosisMonitor({probe: x, layers: ['h1', 'hidden']}), counter],
      })
      .then(
        () => null,
        e => String(e),
      );
    expect(err).to.match(/layer 'hidden' is not in the model; available layers: .*'h1', 'h2', 'out'/);
    expect(epochs).to.equal(0);
    tf.dispose([x, y]);
  });

  it('rejects an empty probe, missing layers and bad options with errors naming them', () => {
    const x = tf.zeros([4, 6]);
    expect(() => activationKurtosisMonitor({probe: tf.zeros([0, 6]), layers: ['h1']})).to.throw(
      /probe must have at least 2 samples.*shape=\[0,6\]/,
    );
    expect(() => activationKurtosisMonitor({probe: [], layers: ['h1']})).to.throw(
      /probe must be a tensor or a non-empty list/,
    );
    expect(() => activationKurtosisMonitor({probe: x, layers: []})).to.throw(/layers.*\[\]/);
    expect(() => activationKurtosisMonitor({probe: x, layers: ['h1'], every: -1})).to.throw(/every.*-1/);
    expect(() => activationKurtosisMonitor({probe: x, layers: ['h1'], onRecord: 3 as unknown as () => void})).to.throw(
      /onRecord.*3/,
    );
    x.dispose();
  });

  it('leaks no tensors over repeated epochs', async () => {
    const model = smallMlp();
    const {x, y} = smallData(16);
    const mon = activationKurtosisMonitor({probe: x, layers: ['h1', 'out'], channelRms: true});
    await expectNoLeak(() => model.fit(x, y, {epochs: 3, verbose: 0, callbacks: [mon]}), 4);
    tf.dispose([x, y]);
  });
});
