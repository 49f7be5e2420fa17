import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {execFileSync} from 'child_process';

import * as optimizers from '../../src/optimizers';
const {schedules} = optimizers;

describe('optimizers.schedules', () => {
  it('cosine warms up linearly then follows ½(1 + cos(πt)) down to minLearningRate @wasm', () => {
    const s = schedules.cosine({learningRate: 0.1, decaySteps: 10, warmupSteps: 4, minLearningRate: 0.01});
    expect(s.value(0)).to.be.closeTo(0.025, 1e-15); // 0.1·1/4
    expect(s.value(3)).to.be.closeTo(0.1, 1e-15);
    expect(s.value(4)).to.be.closeTo(0.1, 1e-15); // t = 0
    expect(s.value(9)).to.be.closeTo(0.055, 1e-15); // t = ½: 0.01 + 0.09·½
    expect(s.value(14)).to.be.closeTo(0.01, 1e-15);
    expect(s.value(1000)).to.be.closeTo(0.01, 1e-15);
  });

  it('linearWarmup, exponentialDecay and piecewiseConstant give their hand-computed values', () => {
    const w = schedules.linearWarmup({learningRate: 1e-3, warmupSteps: 10});
    expect([w.value(0), w.value(4), w.value(9), w.value(50)]).to.deep.equal([1e-4, 5e-4, 1e-3, 1e-3]);
    const e = schedules.exponentialDecay({learningRate: 0.1, decaySteps: 10, decayRate: 0.5});
    expect(e.value(10)).to.be.closeTo(0.05, 1e-15);
    expect(e.value(5)).to.be.closeTo(0.1 / Math.SQRT2, 1e-15);
    const st = schedules.exponentialDecay({learningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true});
    expect(st.value(19)).to.be.closeTo(0.05, 1e-15);
    const p = schedules.piecewiseConstant({boundaries: [10, 20], values: [1, 0.5, 0.1]});
    expect([p.value(0), p.value(9), p.value(10), p.value(19), p.value(20), p.value(99)]).to.deep.equal([
      1, 1, 0.5, 0.5, 0.1, 0.1,
    ]);
  });

  it('drives the optimizer step by step (step = updates already applied)', () => {
    const w = tf.variable(tf.zeros([1]), true, 'schedtest/bias');
    const seen: number[] = [];
    const opt = optimizers.adamw({learningRate: step => (seen.push(step), 0), weightDecay: 0});
    for (let i = 0; i < 3; i++) opt.applyGradients([{name: w.name, tensor: tf.ones([1])}]);
    expect(seen).to.deep.equal([0, 1, 2]);
    w.dispose();
    opt.dispose();
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => schedules.cosine({learningRate: -1, decaySteps: 10})).to.throw(/learningRate.*-1/);
    expect(() => schedules.cosine({learningRate: 1, decaySteps: 0})).to.throw(/decaySteps.*0/);
    expect(() => schedules.linearWarmup({learningRate: 1, warmupSteps: 1.5})).to.throw(/warmupSteps.*1\.5/);
    expect(() => schedules.exponentialDecay({learningRate: 1, decaySteps: 1, decayRate: 0})).to.throw(/decayRate.*0/);
    expect(() => schedules.piecewiseConstant({boundaries: [5, 3], values: [1, 2, 3]})).to.throw(/boundaries.*\[5,3\]/);
    expect(() => schedules.piecewiseConstant({boundaries: [5], values: [1]})).to.throw(/values.*\[1\]/);
  });
});

describe('optimizers registry', () => {
  const NAMES = [
    'AdamW',
    'Muon',
    'Spectra',
    'CosineSchedule',
    'LinearWarmupSchedule',
    'ExponentialDecaySchedule',
    'PiecewiseConstantSchedule',
  ];

  it('registers class names that tfjs itself does not use', () => {
    // A fresh process with tfjs only: none of our names is registered there.
    const script = `const tf = require('@tensorflow/tfjs-core'); require('@tensorflow/tfjs-layers');
      const m = tf.serialization.SerializationMap.getMap().classNameMap;
      console.log(JSON.stringify(${JSON.stringify(NAMES)}.filter(n => n in m)), 'Adam' in m);`;
    const out = execFileSync(process.execPath, ['-e', script], {encoding: 'utf8'}).trim();
    expect(out).to.equal('[] true');
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    expect(map['AdamW'][0]).to.equal(optimizers.AdamW);
    expect(map['Muon'][0]).to.equal(optimizers.Muon);
    expect(map['Spectra'][0]).to.equal(optimizers.Spectra);
    expect(map['CosineSchedule'][0]).to.equal(schedules.CosineSchedule);
    expect(map['Adam'][0]).to.not.equal(optimizers.AdamW); // tfjs' own Adam untouched
  });
});
