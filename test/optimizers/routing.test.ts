import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {bsplineKAN} from '../../src/layers';
import {muon, muonExcludeDefaults, muonGateSplits} from '../../src/optimizers';
import {inferFusedGates, isExcluded, muonRoute} from '../../src/optimizers/routing';

const sym = (x: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]) => x as tf.SymbolicTensor;

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
    expect(routes).to.deep.equal([
      'muon',
      'adamw',
      'muon',
      'adamw',
      'muon',
      'adamw',
      'adamw',
      'adamw',
      'muon',
      'adamw',
    ]);
    expect(gamma).to.match(/layer_normalization.*\/gamma$/);

    const excl = muonExcludeDefaults(model);
    expect(excl).to.deep.equal([head, conv1]); // output kernel (through the softmax Activation), first conv
    const withDefaults = model.trainableWeights
      .filter(w => muonRoute(w.name, w.shape as number[], excl) === 'muon')
      .map(w => w.name);
    expect(withDefaults).to.deep.equal([conv2, hidden]);
    model.dispose();
  });

  it('lists embeddings and nested models in muonExcludeDefaults', () => {
    const inner = tf.sequential({
      layers: [
        tf.layers.embedding({inputDim: 20, outputDim: 4, inputLength: 3, name: 'Tok_Embed'}),
        tf.layers.flatten(),
        tf.layers.dense({units: 6, activation: 'relu'}),
      ],
    });
    const outer = tf.sequential({layers: [inner, tf.layers.dense({units: 2, name: 'final_out'})]});
    // tfjs suffixes variable names already used in the process (`Tok_Embed/embeddings_9`): compare with the real ones.
    const headKernel = outer.layers[1].weights[0].name;
    const embeddings = inner.layers[0].weights[0].name;
    expect(headKernel).to.match(/^final_out\/kernel/);
    expect(embeddings).to.match(/^Tok_Embed\/embeddings/);
    expect(muonExcludeDefaults(outer)).to.deep.equal([headKernel, embeddings]);
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
    await model.fit(
      tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 1),
      tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3),
      {epochs: 1, verbose: 0},
    );
    const slots = (await opt.getWeights()).slice(1).map(w => w.name);
    const muonVars = slots.filter(n => n.endsWith('/momentum')).map(n => n.slice(0, -'/momentum'.length));
    const names = model.trainableWeights.map(w => w.name);
    expect(muonVars).to.deep.equal([names[2], names[4]]);
    expect(slots.filter(n => n.endsWith('/v'))).to.have.length(names.length - 2);
    opt.dispose();
    model.dispose();
  });

  it('rejects a non-model in muonExcludeDefaults and muonGateSplits', () => {
    expect(() => muonExcludeDefaults({} as tf.LayersModel)).to.throw(/model.*LayersModel/);
    expect(() => muonGateSplits([null as unknown as tf.LayersModel])).to.throw(/model.*LayersModel/);
  });

  it("muon() sends a compiled model's Embedding to AdamW by default, and to Muon with excludeEmbeddings: false", async () => {
    for (const excludeEmbeddings of [undefined, false]) {
      const model = tf.sequential({
        layers: [
          tf.layers.embedding({inputDim: 12, outputDim: 6, inputLength: 4, name: `Words${String(excludeEmbeddings)}`}),
          tf.layers.flatten(),
          tf.layers.dense({units: 5, activation: 'relu'}),
          tf.layers.dense({units: 2}),
        ],
      });
      const opt = muon({excludeEmbeddings});
      model.compile({optimizer: opt, loss: 'meanSquaredError'});
      await model.fit(
        tf.tensor2d([
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ]),
        tf.ones([2, 2]),
        {epochs: 1, verbose: 0},
      );
      const slots = (await opt.getWeights()).map(w => w.name);
      const emb = model.trainableWeights[0].name;
      expect(emb).to.match(/\/embeddings$/);
      expect(slots.includes(`${emb}/momentum`), `Muon slot for ${emb}`).to.equal(excludeEmbeddings === false);
      expect(slots.includes(`${emb}/v`), `AdamW slot for ${emb}`).to.equal(excludeEmbeddings !== false);
      opt.dispose();
      model.dispose();
    }
  });

  it('finds the head through nested models, multi-input weightless layers and wrappers (VAE-like decoder sub-model)', () => {
    // Decoder sub-model whose output is sigmoid(add(two Dense heads)).
    const zi = tf.input({shape: [3]});
    const dh = sym(tf.layers.dense({units: 6, activation: 'relu', name: 'dec_hidden'}).apply(zi));
    const a = sym(tf.layers.dense({units: 4, name: 'dec_head_a'}).apply(dh));
    const b = sym(tf.layers.dense({units: 4, name: 'dec_head_b'}).apply(dh));
    const sum = sym(tf.layers.add().apply([a, b]));
    const decoder = tf.model({
      inputs: zi,
      outputs: sym(tf.layers.activation({activation: 'sigmoid'}).apply(sum)),
      name: 'decoder',
    });
    const ei = tf.input({shape: [4]});
    const eh = sym(tf.layers.dense({units: 6, activation: 'relu', name: 'enc_hidden'}).apply(ei));
    const mu = sym(tf.layers.dense({units: 3, name: 'z_mean'}).apply(eh));
    const encoder = tf.model({inputs: ei, outputs: mu, name: 'encoder'});
    const x = tf.input({shape: [4]});
    const vae = tf.model({inputs: x, outputs: sym(decoder.apply(sym(encoder.apply(x))))});
    expect(muonExcludeDefaults(vae)).to.deep.equal(['dec_head_a/kernel', 'dec_head_b/kernel']);
    // Both sub-models at once (an encoder/decoder pair trained by minimize): each one's heads.
    expect(muonExcludeDefaults([encoder, decoder])).to.deep.equal([
      'z_mean/kernel',
      'dec_head_a/kernel',
      'dec_head_b/kernel',
    ]);
    vae.dispose();
  });

  it('finds a KAN head, a bidirectional RNN head (kernels and recurrent kernels) and a first conv inside timeDistributed', () => {
    const kanModel = tf.sequential({
      layers: [
        tf.layers.dense({units: 5, activation: 'relu', inputShape: [3], name: 'hid'}),
        bsplineKAN({units: 2, name: 'kan_head'}),
      ],
    });
    const kanExcl = muonExcludeDefaults(kanModel);
    expect(kanExcl).to.have.length.greaterThan(0);
    expect(kanExcl.every(n => n.startsWith('kan_head/'))).to.equal(true); // not the hidden Dense behind it

    const seq = tf.input({shape: [4, 6, 6, 1]});
    let h = sym(
      tf.layers.timeDistributed({layer: tf.layers.conv2d({filters: 2, kernelSize: 3}), name: 'td_conv'}).apply(seq),
    );
    h = sym(tf.layers.timeDistributed({layer: tf.layers.flatten()}).apply(h));
    h = sym(tf.layers.lstm({units: 3, returnSequences: true, name: 'mid'}).apply(h));
    const out = sym(tf.layers.bidirectional({layer: tf.layers.gru({units: 2}) as tf.RNN, name: 'bi_head'}).apply(h));
    const rnnModel = tf.model({inputs: seq, outputs: out});
    const excl = muonExcludeDefaults(rnnModel);
    expect(excl).to.deep.equal([
      'bi_head/forward_gru_GRU' + excl[0].match(/GRU(\d+)/)![1] + '/kernel',
      excl[1],
      excl[2],
      excl[3],
      'td_conv/kernel',
    ]);
    expect(excl.slice(0, 4).every(n => n.startsWith('bi_head/'))).to.equal(true);
    expect(excl.slice(0, 4).filter(n => n.endsWith('/recurrent_kernel'))).to.have.length(2);
    kanModel.dispose();
    rnnModel.dispose();
  });

  it('muonGateSplits reads LSTM/GRU/stacked cells through wrappers and nested models; splitFusedGates infers the same from names', () => {
    const inner = tf.sequential({
      layers: [tf.layers.gru({units: 3, returnSequences: true, inputShape: [5, 4], name: 'inner_gru'})],
    });
    const x = tf.input({shape: [5, 4]});
    let h = sym(inner.apply(x));
    h = sym(
      tf.layers
        .bidirectional({layer: tf.layers.lstm({units: 2, returnSequences: true}) as tf.RNN, name: 'bi'})
        .apply(h),
    );
    h = sym(
      tf.layers
        .rnn({
          cell: [tf.layers.lstmCell({units: 3}), tf.layers.gruCell({units: 2})],
          returnSequences: true,
          name: 'stacked',
        })
        .apply(h),
    );
    h = sym(tf.layers.simpleRNN({units: 2, name: 'plain'}).apply(h));
    const model = tf.model({inputs: x, outputs: sym(tf.layers.dense({units: 1}).apply(h))});
    const splits = muonGateSplits(model);
    const gatesOf = (pattern: RegExp) => splits.filter(e => pattern.test(e.name)).map(e => e.gates);
    expect(gatesOf(/^inner_gru\//)).to.deep.equal([3, 3]);
    expect(gatesOf(/^bi\/forward_lstm/)).to.deep.equal([4, 4]);
    expect(gatesOf(/^bi\/backward_lstm/)).to.deep.equal([4, 4]);
    expect(splits.filter(e => e.name.startsWith('stacked/')).map(e => e.gates)).to.deep.equal([4, 4, 3, 3]);
    expect(splits.some(e => e.name.startsWith('plain/'))).to.equal(false);
    expect(splits).to.have.length(10);
    const inferred = inferFusedGates(model.trainableWeights.map(w => ({name: w.name, shape: w.shape as number[]})));
    expect(
      [...inferred].map(([name, gates]) => ({name, gates})).sort((p, q) => p.name.localeCompare(q.name)),
    ).to.deep.equal([...splits].sort((p, q) => p.name.localeCompare(q.name)));
    model.dispose();
  });
});
