import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {csvLogger} from '../../src/callbacks/csv_logger';
import {tempDir} from '../helpers/roundtrip';
import {smallData, smallMlp} from './models';

describe('csvLogger', () => {
  it('writes epoch plus the sorted log keys, one row per epoch, matching history @wasm', async () => {
    const model = smallMlp();
    const {x, y} = smallData(32);
    const file = path.join(tempDir(), 'log.csv');
    const h = await model.fit(x, y, {
      epochs: 3,
      batchSize: 16,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [csvLogger({path: file})],
    });
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).to.equal('epoch,acc,loss,val_acc,val_loss');
    expect(lines).to.have.length(4);
    lines.slice(1).forEach((line, e) => {
      const cells = line.split(',');
      expect(Number(cells[0])).to.equal(e);
      // Same float32 value read twice: exact equality.
      expect(Number(cells[2])).to.equal(h.history.loss[e] as number);
      expect(Number(cells[4])).to.equal(h.history.val_loss[e] as number);
    });
    tf.dispose([x, y]);
  });

  it('replaces the file on a new fit by default and appends without a second header with append: true', async () => {
    const model = smallMlp();
    const {x, y} = smallData(16);
    const file = path.join(tempDir(), 'a.csv');
    await model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [csvLogger({path: file})]});
    await model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [csvLogger({path: file})]});
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).to.have.length(2);
    await model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [csvLogger({path: file, append: true, separator: ';'})]});
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).to.have.length(4);
    expect(lines.filter(l => l.startsWith('epoch'))).to.have.length(1);
    expect(lines[3].split(';')).to.have.length(3); // epoch;acc;loss
    tf.dispose([x, y]);
  });

  it('writes NA for a key missing in a later epoch, driven with synthetic logs', async () => {
    const file = path.join(tempDir(), 'na.csv');
    const cb = csvLogger({path: file});
    await cb.onTrainBegin();
    await cb.onEpochEnd(0, {loss: 1.5, dse: tf.scalar(2.25)});
    await cb.onEpochEnd(1, {loss: 0.5});
    expect(fs.readFileSync(file, 'utf8')).to.equal('epoch,dse,loss\n0,2.25,1.5\n1,NA,0.5\n');
  });

  it('rejects an empty path and a multi-character separator, naming them', () => {
    expect(() => csvLogger({path: ''})).to.throw(/path.*''/);
    expect(() => csvLogger({path: 'x.csv', separator: ';;'})).to.throw(/separator.*';;'/);
    expect(() => csvLogger({path: 'x.csv', append: 1 as unknown as boolean})).to.throw(/append.*1/);
  });

  it('leaks no tensors over 20 epochs', async () => {
    const model = smallMlp();
    const {x, y} = smallData(16);
    const file = path.join(tempDir(), 'leak.csv');
    const cb = csvLogger({path: file});
    await model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [cb]});
    const before = tf.memory().numTensors;
    await model.fit(x, y, {epochs: 20, verbose: 0, callbacks: [cb]});
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([x, y]);
  });
});
