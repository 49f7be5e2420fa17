import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {layerReport} from '../../src/plots/layer_report';
import {analyze} from '../../src/spectral/analyze';
import {seededNormal} from '../reference/spectral';
import {byClass, parseSvg, pathPoints} from './svg_helpers';

/** A Dense [60, 40] kernel with a rank-4 signal on Gaussian noise: an MP bulk plus 4 spikes. */
function spikedModel(): tf.Sequential {
  const n = seededNormal(5);
  const [r, c] = [60, 40];
  const u = Array.from({length: r * 4}, () => n());
  const v = Array.from({length: c * 4}, () => n());
  const w = Float32Array.from({length: r * c}, (_, k) => {
    let s = n();
    for (let q = 0; q < 4; q++) s += 0.6 * u[Math.floor(k / c) * 4 + q] * v[(k % c) * 4 + q];
    return s;
  });
  const model = tf.sequential({layers: [tf.layers.dense({units: c, inputShape: [r], name: 'fc'})]});
  model.layers[0].setWeights([tf.tensor2d(w, [r, c]), tf.zeros([c])]);
  return model;
}

describe('plots.layerReport', () => {
  it('draws the log-log ESD with the power-law fit and xmin, and the MP bulk edge with one mark per spike @wasm', async () => {
    const [row] = await analyze(spikedModel());
    expect(row.numSpikes).to.be.at.least(1);
    const root = parseSvg(layerReport(row));
    expect(byClass(root, 'g', 'layer').map(g => g['@data-layer'])).to.deep.equal(['fc']);
    const [xmin] = byClass(root, 'line', 'xmin');
    expect(Number(xmin['@data-value'])).to.equal(row.xmin);
    expect(pathPoints(byClass(root, 'path', 'fit')[0]['@d'])).to.equal(2); // a straight line on log-log axes
    expect(byClass(root, 'path', 'esd')).to.have.length(1);
    const [bulk] = byClass(root, 'line', 'bulk-max');
    expect(Number(bulk['@data-value'])).to.equal(row.bulkMax);
    const [thr] = byClass(root, 'line', 'spike-threshold');
    expect(Number(thr['@data-value'])).to.equal(row.spikeThreshold);
    const spikes = byClass(root, 'circle', 'spike');
    expect(spikes).to.have.length(row.numSpikes);
    const tx = Number(thr['@x1']);
    for (const s of spikes) {
      expect(Number(s['@data-value'])).to.be.greaterThan(row.spikeThreshold);
      expect(Number(s['@cx'])).to.be.greaterThan(tx); // right of the threshold on the linear axis
    }
    expect(Number(bulk['@x1'])).to.be.lessThan(tx);
    expect(pathPoints(byClass(root, 'path', 'mp')[0]['@d'])).to.be.greaterThan(100);
    // histogram bars: densities times bin width sum to 1 → bar count ≤ bins
    expect(byClass(root, 'rect', 'bar').length).to.be.within(5, 50);
  });

  it('draws one pair of panels per row, and no MP elements without an MP fit', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 20,
          inputShape: [30],
          kernelInitializer: tf.initializers.randomNormal({seed: 1}),
          name: 'a',
        }),
        tf.layers.dense({units: 12, kernelInitializer: tf.initializers.randomNormal({seed: 2}), name: 'b'}),
      ],
    });
    const rows = await analyze(model, {mpFit: false});
    const root = parseSvg(layerReport(rows));
    expect(byClass(root, 'g', 'layer').map(g => g['@data-layer'])).to.deep.equal(['a', 'b']);
    expect(byClass(root, 'line', 'bulk-max')).to.have.length(0);
    expect(byClass(root, 'circle', 'spike')).to.have.length(0);
    expect(Number(root['@height'])).to.equal(600);
  });

  it('rejects input that is not an analyze row, and bad options', async () => {
    expect(() => layerReport([])).to.throw(/report must be a tfa.spectral.analyze row/);
    expect(() => layerReport({name: 'x'} as never)).to.throw(/report must be/);
    const [row] = await analyze(spikedModel());
    expect(() => layerReport(row, {bins: 0})).to.throw(/bins must be a positive integer, got 0/);
  });
});
