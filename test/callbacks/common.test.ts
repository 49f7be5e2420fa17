import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {
  ActivationProbe,
  type MetricRecord,
  RecordSink,
  checkProbeAgainstModel,
  lastDense,
  layerByName,
  resolveLogs,
} from '../../src/callbacks/common';
import {tempDir} from '../helpers/roundtrip';

function twoInputModel(): tf.LayersModel {
  const a = tf.input({shape: [3], name: 'a'});
  const b = tf.input({shape: [2], name: 'b'});
  const ha = tf.layers
    .dense({units: 4, name: 'ha', kernelInitializer: tf.initializers.glorotUniform({seed: 1})})
    .apply(a) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate({name: 'cat'}).apply([ha, b]) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({units: 1, name: 'out', kernelInitializer: tf.initializers.glorotUniform({seed: 2})})
    .apply(cat) as tf.SymbolicTensor;
  return tf.model({inputs: [a, b], outputs: out});
}

describe('callbacks/common', () => {
  it('ActivationProbe returns model inputs as they are and computes inner activations, flattened to [N, features]', () => {
    const model = twoInputModel();
    const xa = tf.randomNormal([5, 3], 0, 1, 'float32', 1);
    const xb = tf.randomNormal([5, 2], 0, 1, 'float32', 2);
    const probe = new ActivationProbe(model, [model.inputs[1], model.getLayer('ha').output as tf.SymbolicTensor]);
    const before = tf.memory().numTensors;
    const [gotB, gotHa] = probe.run([xa, xb]);
    expect(tf.memory().numTensors).to.equal(before + 2); // only the two results survive
    expect(gotB.arraySync()).to.deep.equal(xb.arraySync());
    const expectedHa = model.getLayer('ha').apply(xa) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(gotHa, expectedHa))).dataSync()[0]).to.be.lessThan(1e-6);
    tf.dispose([xa, xb, gotB, gotHa, expectedHa]);
  });

  it('RecordSink appends JSON Lines (non-finite values as null) and calls onRecord with the same records', () => {
    const file = path.join(tempDir(), 'deep', 'log.jsonl');
    const seen: MetricRecord[] = [];
    const sink = new RecordSink({logFile: file, onRecord: r => seen.push(r)}, 'test');
    sink.emit([
      {epoch: 0, metric: 'a', layer: null, value: 1.5},
      {epoch: 0, metric: 'b', layer: 'x', value: NaN, rank: 2},
    ]);
    sink.emit([{epoch: 1, metric: 'a', layer: null, value: Infinity}]);
    sink.emit([]);
    expect(fs.readFileSync(file, 'utf8')).to.equal(
      '{"epoch":0,"metric":"a","layer":null,"value":1.5}\n{"epoch":0,"metric":"b","layer":"x","value":null,"rank":2}\n' +
        '{"epoch":1,"metric":"a","layer":null,"value":null}\n',
    );
    expect(seen.map(r => r.value)).to.deep.equal([1.5, NaN, Infinity]);
  });

  it('resolveLogs reads Scalars to numbers without disposing them', async () => {
    const s = tf.scalar(0.25);
    expect(await resolveLogs({loss: s, acc: 0.5})).to.deep.equal({loss: 0.25, acc: 0.5});
    expect(s.isDisposed).to.equal(false);
    expect(await resolveLogs(undefined)).to.deep.equal({});
    s.dispose();
  });

  it('layer lookups and probe checks fail with the available names and shapes', () => {
    const model = twoInputModel();
    expect(() => layerByName(model, 'zz', 'who')).to.throw(
      /who: layer 'zz' is not in the model; available layers: 'a', 'ha', 'b', 'cat', 'out'/,
    );
    expect(lastDense(model, 'who').name).to.equal('out');
    const noDense = tf.sequential({layers: [tf.layers.flatten({inputShape: [2, 2], name: 'f'})]});
    expect(() => lastDense(noDense, 'who')).to.throw(/no Dense layer; layers: 'f' \(Flatten\)/);
    expect(() => checkProbeAgainstModel(model, tf.zeros([2, 3]), 'probe', 'who')).to.throw(
      /one tensor per model input \(2\), got 1/,
    );
    expect(() => checkProbeAgainstModel(model, [tf.zeros([2, 3]), tf.zeros([2, 5])], 'probe', 'who')).to.throw(
      /per-sample shape \[2\].*shape=\[2,5\]/,
    );
  });
});
