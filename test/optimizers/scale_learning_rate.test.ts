import {expect} from 'chai';

import * as tfa from '../../src';
import {scaleLearningRate} from '../../src/optimizers/scale_learning_rate';

describe('optimizers.scaleLearningRate', () => {
  it('is exported as tfa.optimizers.scaleLearningRate', () => {
    expect(tfa.optimizers.scaleLearningRate).to.equal(scaleLearningRate);
  });

  it('scales linearly for SGD: 0.1 at B=32 → 0.8 at B=256 and 0.025 at B=8', () => {
    // 0.1·256/32 = 0.8; 0.1·8/32 = 0.025
    expect(scaleLearningRate(0.1, {fromBatch: 32, toBatch: 256, rule: 'linear'})).to.be.closeTo(0.8, 1e-15);
    expect(scaleLearningRate(0.1, {fromBatch: 32, toBatch: 8, rule: 'linear'})).to.be.closeTo(0.025, 1e-15);
  });

  it('scales by the square root for adaptive methods: 1e-3 at B=32 → 2e-3 at B=128, 1e-3/√2 at B=16', () => {
    // 1e-3·√(128/32) = 1e-3·2; 1e-3·√(16/32) = 7.0710678e-4
    expect(scaleLearningRate(1e-3, {fromBatch: 32, toBatch: 128, rule: 'sqrt'})).to.be.closeTo(2e-3, 1e-15);
    expect(scaleLearningRate(1e-3, {fromBatch: 32, toBatch: 16, rule: 'sqrt'})).to.be.closeTo(
      7.071067811865476e-4,
      1e-15,
    );
  });

  it('is the identity when the batch size does not change, and composes (32→64→256 = 32→256)', () => {
    for (const rule of ['linear', 'sqrt'] as const) {
      expect(scaleLearningRate(0.3, {fromBatch: 64, toBatch: 64, rule})).to.equal(0.3);
      const twoHops = scaleLearningRate(scaleLearningRate(0.3, {fromBatch: 32, toBatch: 64, rule}), {
        fromBatch: 64,
        toBatch: 256,
        rule,
      });
      expect(twoHops).to.be.closeTo(scaleLearningRate(0.3, {fromBatch: 32, toBatch: 256, rule}), 1e-15);
    }
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => scaleLearningRate(0, {fromBatch: 1, toBatch: 2, rule: 'linear'})).to.throw(/lr.*0/);
    expect(() => scaleLearningRate(NaN, {fromBatch: 1, toBatch: 2, rule: 'linear'})).to.throw(/lr.*NaN/);
    expect(() => scaleLearningRate(0.1, {fromBatch: 0, toBatch: 2, rule: 'linear'})).to.throw(/fromBatch.*0/);
    expect(() => scaleLearningRate(0.1, {fromBatch: 4, toBatch: 2.5, rule: 'linear'})).to.throw(/toBatch.*2\.5/);
    expect(() => scaleLearningRate(0.1, {fromBatch: 4, toBatch: 8, rule: 'cubic' as never})).to.throw(/rule.*cubic/);
    expect(() => scaleLearningRate(0.1, undefined as never)).to.throw(/rule.*undefined/);
  });
});
