import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {activationSpectrumMonitor} from '../../src/callbacks/activation_spectrum_monitor';
import type {MetricRecord} from '../../src/callbacks/common';
import {activationSpectrum, massiveActivations} from '../../src/spectral';
import {expectNoLeak} from '../helpers/leaks';

/** Output of layer `name` for x, through an independent sub-model (shape kept). */
function output(model: tf.LayersModel, name: string, x: tf.Tensor): tf.Tensor {
  return tf
    .model({inputs: model.inputs, outputs: model.getLayer(name).output as tf.SymbolicTensor})
    .predict(x) as tf.Tensor;
}

const KEYS = [
  'spectral_entropy',
  'effective_rank',
  'frac_above_mp',
  'ks_mp',
  'lambda_max_over_mp_edge',
  'massive_ratio',
  'max_abs',
];

type Case = {model: tf.LayersModel; x: tf.Tensor; y: tf.Tensor; layers: string[]};
const LABELS = ['Dense', 'CNN', 'LSTM'] as const;

function build(label: (typeof LABELS)[number]): Case {
  if (label === 'Dense') return denseCase();
  if (label === 'CNN') return cnnCase();
  return lstmCase();
}

function denseCase(): Case {
  const dense = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 24,
        activation: 'relu',
        inputShape: [10],
        name: 'hidden',
        kernelInitializer: tf.initializers.glorotNormal({seed: 1}),
      }),
      tf.layers.dense({units: 1, name: 'out', kernelInitializer: tf.initializers.glorotNormal({seed: 2})}),
    ],
  });
  return {
    model: dense,
    x: tf.randomNormal([64, 10], 0, 1, 'float32', 1),
    y: tf.randomNormal([64, 1], 0, 1, 'float32', 2),
    layers: ['hidden'],
  };
}

function cnnCase(): Case {
  const cnn = tf.sequential({
    layers: [
      tf.layers.conv2d({
        filters: 6,
        kernelSize: 3,
        activation: 'relu',
        inputShape: [8, 8, 2],
        name: 'conv',
        kernelInitializer: tf.initializers.glorotNormal({seed: 3}),
      }),
      tf.layers.flatten({name: 'flat'}),
      tf.layers.dense({units: 1, name: 'out', kernelInitializer: tf.initializers.glorotNormal({seed: 4})}),
    ],
  });
  return {
    model: cnn,
    x: tf.randomNormal([16, 8, 8, 2], 0, 1, 'float32', 3),
    y: tf.randomNormal([16, 1], 0, 1, 'float32', 4),
    layers: ['conv', 'flat'],
  };
}

function lstmCase(): Case {
  const lstm = tf.sequential({
    layers: [
      tf.layers.lstm({
        units: 8,
        returnSequences: true,
        inputShape: [5, 4],
        name: 'lstm',
        kernelInitializer: tf.initializers.glorotNormal({seed: 5}),
      }),
      tf.layers.timeDistributed({layer: tf.layers.dense({units: 1}), name: 'td'}),
    ],
  });
  return {
    model: lstm,
    x: tf.randomNormal([16, 5, 4], 0, 1, 'float32', 5),
    y: tf.randomNormal([16, 5, 1], 0, 1, 'float32', 6),
    layers: ['lstm'],
  };
}

describe('activationSpectrumMonitor', () => {
  for (const label of LABELS) {
    it(`logs per-layer descriptors equal to direct activationSpectrum/massiveActivations calls inside fit (${label})${label === 'Dense' ? ' @wasm' : ''}`, async () => {
      const {model, x, y, layers} = build(label);
      model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
      const direct: Array<Record<string, number>> = [];
      const check = new tf.CustomCallback({
        onEpochEnd: async () => {
          const row: Record<string, number> = {};
          for (const name of layers) {
            const a = output(model, name, x);
            const s = await activationSpectrum(a);
            const m = await massiveActivations(a);
            Object.assign(row, {
              [`spectral_entropy/${name}`]: s.spectralEntropy,
              [`effective_rank/${name}`]: s.effectiveRank,
              [`frac_above_mp/${name}`]: s.fracAboveMP,
              [`ks_mp/${name}`]: s.ksMP,
              [`lambda_max_over_mp_edge/${name}`]: s.lambdaMaxOverEdge,
              [`massive_ratio/${name}`]: m.ratio,
              [`max_abs/${name}`]: m.maxAbs,
            });
            a.dispose();
          }
          direct.push(row);
        },
      });
      const records: MetricRecord[] = [];
      const mon = activationSpectrumMonitor({probe: x, layers, onRecord: r => records.push(r)});
      const h = await model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [mon, check]});
      for (let e = 0; e < 2; e++) {
        for (const [k, v] of Object.entries(direct[e])) expect(h.history[k][e], k).to.deep.equal(v);
      }
      expect(Object.keys(h.history).sort()).to.deep.equal(
        ['loss', ...layers.flatMap(l => KEYS.map(k => `${k}/${l}`))].sort(),
      );
      const top = records.filter(r => r.metric === 'top_channels' && r.epoch === 1);
      expect(top).to.have.length(layers.length);
      expect(String(top[0].channels).split(',')).to.have.length(3);
      expect(mon.last[0].spectrum.eigenvalues.length).to.be.greaterThan(1);
      // leak-free over further epochs
      await expectNoLeak(
        () => model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [activationSpectrumMonitor({probe: x, layers})]}),
        3,
      );
      tf.dispose([x, y]);
    });
  }

  it('rejects missing probe/layers, unknown layers and a probe of the wrong shape', async () => {
    const {model, x, y} = build('Dense');
    expect(() => activationSpectrumMonitor({probe: x, layers: []})).to.throw(/layers must be a non-empty list/);
    expect(() => activationSpectrumMonitor({probe: x, layers: ['hidden'], topK: 0})).to.throw(
      /topK must be a positive integer, got 0/,
    );
    const bad = activationSpectrumMonitor({probe: x, layers: ['nope']});
    bad.setModel(model);
    await bad.onTrainBegin().then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/layer 'nope' is not in the model/),
    );
    const wrong = activationSpectrumMonitor({probe: tf.zeros([4, 3]), layers: ['hidden']});
    wrong.setModel(model);
    await wrong.onTrainBegin().then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/probe must have per-sample shape \[10\]/),
    );
    tf.dispose([x, y]);
  });
});
