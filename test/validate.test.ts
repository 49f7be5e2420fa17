import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {
  ValueError,
  finiteData,
  finiteNumber,
  increasingPair,
  integer,
  knownLastDim,
  oneOf,
  positiveInt,
  tensorArg,
} from '../src/validate';

describe('validate', () => {
  it('returns valid values unchanged', () => {
    expect(positiveInt(3, 'units', 'X')).to.equal(3);
    expect(finiteNumber(0.5, 'rate', 'X', {min: 0, max: 1})).to.equal(0.5);
    expect(oneOf('a', ['a', 'b'], 'mode', 'X')).to.equal('a');
    expect(increasingPair([-1, 1], 'gridRange', 'X')).to.deep.equal([-1, 1]);
    expect(knownLastDim([null, 4], 'X')).to.equal(4);
  });
  it('names owner, argument, rule and value', () => {
    expect(() => positiveInt(0, 'gridSize', 'BSplineKAN')).to.throw(
      ValueError,
      'BSplineKAN: gridSize must be a positive integer, got 0.',
    );
    expect(() => integer(2.5, 'splineOrder', 'BSplineKAN')).to.throw(/splineOrder.*2\.5/);
    expect(() => finiteNumber(NaN, 'learningRate', 'Muon')).to.throw(/learningRate.*NaN/);
    expect(() => finiteNumber(-1, 'learningRate', 'Muon', {min: 0})).to.throw(
      /learningRate must be a finite number >= 0, got -1/,
    );
    expect(() => finiteNumber(1, 'momentum', 'Muon', {min: 0, max: 1, maxExclusive: true})).to.throw(
      /momentum.*< 1.*got 1/,
    );
    expect(() => oneOf('RELU', ['relu'], 'activation', 'AFKAN')).to.throw(
      /activation must be one of 'relu', got 'RELU'/,
    );
    expect(() => increasingPair([1, -1], 'gridRange', 'X')).to.throw(/gridRange.*\[1,-1\]/);
    expect(() => knownLastDim([null, null], 'X')).to.throw(/input shape/);
  });
  it('checks tensors by rank and dtype, and data for non-finite values', () => {
    const t = tf.zeros([2, 3], 'int32');
    expect(() => tensorArg(t, 'a', 'eigh', {rank: 3})).to.throw(
      /a must be a tensor of rank 3, got Tensor\[shape=\[2,3\], dtype=int32\]/,
    );
    expect(() => tensorArg(t, 'a', 'eigh', {dtype: 'float32'})).to.throw(/dtype float32/);
    expect(() => tensorArg([1], 'a', 'eigh')).to.throw(/a must be a tf.Tensor, got \[1\]/);
    expect(() => finiteData([1, NaN], 'a', 'eigh')).to.throw(
      /eigh: a must contain only finite values, got NaN at flat index 1/,
    );
    t.dispose();
  });
});
