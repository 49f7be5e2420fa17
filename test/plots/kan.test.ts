import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {bsplineKAN} from '../../src/layers/kan/bspline';
import {bsplineEdgeFunctions, kanFunctions} from '../../src/plots/kan';
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

  it('rejects a layer that is not a built BSplineKAN, and bad options', async () => {
    const dense = tf.layers.dense({units: 2, inputShape: [3]});
    tf.sequential({layers: [dense]});
    await kanFunctions(dense).then(() => expect.fail('no error'), e => expect(String(e)).to.match(/BSplineKAN layer, got '.*' of class Dense/));
    await kanFunctions(bsplineKAN({units: 2})).then(() => expect.fail('no error'), e => expect(String(e)).to.match(/not built/));
    const layer = bsplineKAN({units: 1, inputShape: [1]});
    tf.sequential({layers: [layer]});
    await kanFunctions(layer, {points: 1}).then(() => expect.fail('no error'), e => expect(String(e)).to.match(/points.*1/));
    await kanFunctions(layer, {range: [1, 0]}).then(() => expect.fail('no error'), e => expect(String(e)).to.match(/range.*\[1,0\]/));
  });

  it('leaks no tensors', async () => {
    const layer = bsplineKAN({units: 2, inputShape: [2], seed: 4});
    tf.sequential({layers: [layer]});
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await kanFunctions(layer);
    expect(tf.memory().numTensors).to.equal(before);
  });
});
