import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {afKAN} from '../../src/layers/kan/af';
import {bsplineKAN} from '../../src/layers/kan/bspline';
import {chebyshevKAN} from '../../src/layers/kan/chebyshev';
import {fourierKAN} from '../../src/layers/kan/fourier';
import {rbfKAN} from '../../src/layers/kan/rbf';
import {reluKAN} from '../../src/layers/kan/relu';
import {selectableKAN} from '../../src/layers/kan/selectable';
import {bsplineEdgeFunctions, kanEdges, kanFunctions} from '../../src/plots/kan';
import {byClass, parseSvg, pathPoints} from './svg_helpers';

describe('plots.kanFunctions', () => {
  it('draws one curve per edge (I x O) with `points` points each @wasm', async () => {
    const layer = bsplineKAN({units: 2, inputShape: [3], seed: 1});
    tf.sequential({layers: [layer]});
    const root = parseSvg(await kanFunctions(layer, {points: 41}));
    const phi = byClass(root, 'path', 'phi');
    expect(phi).to.have.length(6);
    expect(phi.map(p => `${p['@data-i']}${p['@data-j']}`)).to.deep.equal(['00', '01', '10', '11', '20', '21']);
    for (const p of phi) expect(pathPoints(p['@d'])).to.equal(41);
  });

  it('evaluates phi_ij so that the layer output is the sum over inputs of phi_ij(x_i)', () => {
    // Property of the KAN layer: y_j = Σ_i φ_ij(x_i) (no bias). Evaluate the curves on a linspace
    // and feed the same x to the layer; the layer sums the per-edge functions.
    const layer = bsplineKAN({units: 4, inputShape: [3], seed: 2, useBias: false});
    const model = tf.sequential({layers: [layer]});
    model.predict(tf.zeros([1, 3]));
    const {x, phi} = bsplineEdgeFunctions(layer, 9); // x [9, 3], phi [3, 9, 4]
    const summed = tf.sum(phi, 0); // [9, 4]
    const y = model.predict(x) as tf.Tensor;
    // float32 sums of a few terms: 1e-5 absolute.
    expect(tf.max(tf.abs(tf.sub(summed, y))).dataSync()[0]).to.be.lessThan(1e-5);
    tf.dispose([x, phi, summed, y]);
  });

  it('limits the grid to maxInputs x maxOutputs and says so', async () => {
    const layer = bsplineKAN({units: 5, inputShape: [4], seed: 3});
    tf.sequential({layers: [layer]});
    const svg = await kanFunctions(layer, {maxInputs: 2, maxOutputs: 3, range: [-2, 2]});
    expect(byClass(parseSvg(svg), 'path', 'phi')).to.have.length(6);
    expect(svg).to.contain('showing 2 of 4 inputs, 3 of 5 outputs');
  });

  it('rejects a layer that is not a built univariate KAN layer, and bad options', async () => {
    const dense = tf.layers.dense({units: 2, inputShape: [3]});
    tf.sequential({layers: [dense]});
    await kanFunctions(dense).then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/univariate KAN layer \(BSplineKAN, RBFKAN, .*\), got '.*' of class Dense/),
    );
    await kanFunctions(bsplineKAN({units: 2})).then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/not built/),
    );
    const layer = bsplineKAN({units: 1, inputShape: [1]});
    tf.sequential({layers: [layer]});
    await kanFunctions(layer, {points: 1}).then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/points.*1/),
    );
    await kanFunctions(layer, {range: [1, 0]}).then(
      () => expect.fail('no error'),
      e => expect(String(e)).to.match(/range.*\[1,0\]/),
    );
  });

  it('leaks no tensors', async () => {
    const layer = bsplineKAN({units: 2, inputShape: [2], seed: 4});
    tf.sequential({layers: [layer]});
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await kanFunctions(layer);
    expect(tf.memory().numTensors).to.equal(before);
  });

  // Every univariate variant: the decomposition kanFunctions draws sums to the layer output.
  const variants: Array<[string, () => tf.layers.Layer, string]> = [
    ['BSplineKAN', () => bsplineKAN({units: 3, seed: 11}), 'x_i'],
    ['RBFKAN', () => rbfKAN({units: 3, seed: 12}), 'z_i = LayerNorm(x)_i'],
    ['RBFKAN without LayerNorm', () => rbfKAN({units: 3, seed: 13, useLayerNorm: false}), 'x_i'],
    ['ChebyshevKAN', () => chebyshevKAN({units: 3, seed: 14}), 'x_i (tanh inside)'],
    ['FourierKAN', () => fourierKAN({units: 3, seed: 15}), 'x_i'],
    ['ReLUKAN', () => reluKAN({units: 3, seed: 16}), 'x_i'],
    ['AFKAN global-attn', () => afKAN({units: 3, seed: 17}), 'z_i (reduced, LayerNorm-ed x_i)'],
    [
      'AFKAN spatial-attn',
      () => afKAN({units: 3, seed: 18, reduction: 'spatial-attn'}),
      'z_i (reduced, LayerNorm-ed x_i)',
    ],
    [
      'AFKAN multistep, no LayerNorm',
      () => afKAN({units: 3, seed: 19, reduction: 'multistep', useLayerNorm: false}),
      'z_i (reduced x_i)',
    ],
    ['SelectableKAN', () => selectableKAN({units: 3, seed: 20}), 'x_i'],
  ];
  for (const [name, make, label] of variants) {
    it(`${name}: Σ_i φ_ij(u_i) (+ base branch + bias) equals the layer output, and the plot labels its axis with u`, async () => {
      const layer = make();
      const model = tf.sequential({layers: [tf.layers.inputLayer({inputShape: [4]}), layer]});
      // Non-trivial weights (several layers start with zeros somewhere): perturb every weight.
      layer.trainableWeights.forEach((w, k) =>
        w.write(tf.add(w.read(), tf.randomUniform(w.shape as number[], -0.3, 0.3, 'float32', 100 + k))),
      );
      const x = tf.randomUniform([7, 4], -1.5, 1.5, 'float32', 21) as tf.Tensor2D;
      const e = kanEdges(layer, x);
      const y = model.predict(x) as tf.Tensor;
      const summed = tf.tidy(() => {
        let s: tf.Tensor = tf.sum(e.phi, 0); // [7, 3]
        if (e.base != null) s = tf.add(s, tf.sum(e.base, 0));
        if (e.bias != null) s = tf.add(s, e.bias);
        return s;
      });
      // float32 sums of a few dozen terms.
      const err = tf.max(tf.abs(tf.sub(summed, y))).dataSync()[0];
      const scale = tf.max(tf.abs(y)).dataSync()[0];
      expect(err, `max |Σφ − y| = ${err} (|y| up to ${scale})`).to.be.lessThan(1e-5 * Math.max(1, scale));
      tf.dispose([x, y, summed, e.u, e.phi, e.base ?? [], e.bias ?? []]);
      const svg = await kanFunctions(layer, {points: 21});
      const root = parseSvg(svg);
      expect(byClass(root, 'path', 'phi')).to.have.length(12);
      for (const p of byClass(root, 'path', 'phi')) expect(pathPoints(p['@d'])).to.equal(21);
      expect(svg).to.contain(`horizontal axis: ${label}`);
      expect(byClass(root, 'path', 'base')).to.have.length(
        name === 'RBFKAN' || name.startsWith('RBFKAN without') ? 12 : 0,
      );
      expect(svg).to.not.match(/NaN/);
      model.dispose();
    });
  }

  it('kanEdges and kanFunctions leak no tensors on every variant', async () => {
    for (const [, make] of variants) {
      const layer = make();
      tf.sequential({layers: [tf.layers.inputLayer({inputShape: [3]}), layer]});
      const x = tf.randomUniform([5, 3], -1, 1, 'float32', 22) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const e = kanEdges(layer, x);
      tf.dispose([e.u, e.phi, e.base ?? [], e.bias ?? []]);
      await kanFunctions(layer);
      expect(tf.memory().numTensors).to.equal(before);
      x.dispose();
    }
  });
});
