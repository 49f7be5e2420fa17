import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {muon, muonExcludeDefaults} from '../../src/optimizers';
import {isExcluded, muonRoute} from '../../src/optimizers/routing';

/** A model with every kind of weight Muon must route: conv, embedding, dense, norm, user names. */
function convNet(): tf.LayersModel {
  const input = tf.input({shape: [8, 8, 1]});
  let h = tf.layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu'}).apply(input) as tf.SymbolicTensor; // [3,3,1,4]
  h = tf.layers.conv2d({filters: 6, kernelSize: 3, activation: 'relu'}).apply(h) as tf.SymbolicTensor; // [3,3,4,6]
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({units: 5, name: 'My_Hidden'}).apply(h) as tf.SymbolicTensor;
  h = tf.layers.layerNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({units: 3}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.activation({activation: 'softmax'}).apply(h) as tf.SymbolicTensor;
  return tf.model({inputs: input, outputs: out});
}

describe('muon routing', () => {
  it('sends rank >= 2 kernels to Muon and biases, gains and excluded names to AdamW, on real tfjs variable names @wasm', () => {
    const model = convNet();
    const names = model.trainableWeights.map(w => w.name);
    const [conv1, , conv2, , hidden, , gamma, , head] = names;
    expect(conv1).to.match(/^conv2d_Conv2D\d+\/kernel$/);
    expect(hidden).to.equal('My_Hidden/kernel');
    expect(head).to.match(/^dense_Dense\d+\/kernel$/);
    const routes = model.trainableWeights.map(w => muonRoute(w.name, w.shape as number[], []));
    expect(routes).to.deep.equal(['muon', 'adamw', 'muon', 'adamw', 'muon', 'adamw', 'adamw', 'adamw', 'muon', 'adamw']);
    expect(gamma).to.match(/layer_normalization.*\/gamma$/);

    const excl = muonExcludeDefaults(model);
    expect(excl).to.deep.equal([head, conv1]); // output kernel (through the softmax Activation), first conv
    const withDefaults = model.trainableWeights.filter(w => muonRoute(w.name, w.shape as number[], excl) === 'muon').map(w => w.name);
    expect(withDefaults).to.deep.equal([conv2, hidden]);
    model.dispose();
  });

  it('lists embeddings and nested models in muonExcludeDefaults', () => {
    const inner = tf.sequential({layers: [
      tf.layers.embedding({inputDim: 20, outputDim: 4, inputLength: 3, name: 'Tok_Embed'}),
      tf.layers.flatten(),
      tf.layers.dense({units: 6, activation: 'relu'}),
    ]});
    const outer = tf.sequential({layers: [inner, tf.layers.dense({units: 2, name: 'final_out'})]});
    expect(muonExcludeDefaults(outer)).to.deep.equal(['final_out/kernel', 'Tok_Embed/embeddings']);
    outer.dispose();
  });

  it('matches strings as substrings (also after tfjs renames a reloaded variable) and RegExps by test', () => {
    expect(isExcluded('Out_Layer/kernel_1', ['Out_Layer/kernel'])).to.equal(true);
    expect(isExcluded('dense_Dense10/kernel', ['dense_Dense1/kernel'])).to.equal(false);
    expect(isExcluded('enc/embeddings', ['embedding'])).to.equal(true);
    const g = /head/g; // stateful global RegExps must not alternate
    expect([isExcluded('head/kernel', [g]), isExcluded('head/kernel', [g])]).to.deep.equal([true, true]);
    expect(isExcluded('x/kernel', [/^y/])).to.equal(false);
  });

  it('applies the routing inside the optimizer: momentum slots for Muon variables, m and v for AdamW ones', async () => {
    const model = convNet();
    const opt = muon({exclude: muonExcludeDefaults(model)});
    model.compile({optimizer: opt, loss: 'categoricalCrossentropy'});
    await model.fit(tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 1), tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3), {epochs: 1, verbose: 0});
    const slots = (await opt.getWeights()).slice(1).map(w => w.name);
    const muonVars = slots.filter(n => n.endsWith('/momentum')).map(n => n.slice(0, -'/momentum'.length));
    const names = model.trainableWeights.map(w => w.name);
    expect(muonVars).to.deep.equal([names[2], names[4]]);
    expect(slots.filter(n => n.endsWith('/v'))).to.have.length(names.length - 2);
    opt.dispose();
    model.dispose();
  });

  it('rejects a non-model in muonExcludeDefaults', () => {
    expect(() => muonExcludeDefaults({} as tf.LayersModel)).to.throw(/model.*LayersModel/);
  });
});
