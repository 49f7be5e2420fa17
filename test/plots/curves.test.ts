import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import type {MetricRecord} from '../../src/callbacks/common';
import {metricCurves, parseJsonLines} from '../../src/plots/curves';
import {readRecords, saveSvg} from '../../src/plots/save';
import {tempDir} from '../helpers/roundtrip';
import {byClass, parseSvg, pathPoints} from './svg_helpers';

describe('plots.metricCurves', () => {
  it('draws one panel per metric from a real History, val_ keys sharing the panel @wasm', async () => {
    const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2]})]});
    model.compile({optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mse']});
    const x = tf.randomNormal([20, 2], 0, 1, 'float32', 1);
    const y = tf.randomNormal([20, 1], 0, 1, 'float32', 2);
    const h = await model.fit(x, y, {epochs: 5, verbose: 0, validationSplit: 0.2});
    const root = parseSvg(metricCurves(h));
    const panels = byClass(root, 'g', 'panel').map(p => p['@data-metric']);
    expect(new Set(panels)).to.deep.equal(new Set(['loss', 'mse']));
    const series = byClass(root, 'path', 'series');
    expect(series.map(s => s['@data-series']).sort()).to.deep.equal(['loss', 'mse', 'val_loss', 'val_mse']);
    for (const s of series) expect(pathPoints(s['@d'])).to.equal(5);
    expect(byClass(root, 'circle', 'point')).to.have.length(20);
    tf.dispose([x, y]);
  });

  it('draws one line per layer from records, and breaks a line at a NaN', () => {
    const records: MetricRecord[] = [];
    for (let e = 0; e < 6; e++) {
      records.push({epoch: e, metric: 'alpha', layer: 'dense_1', value: 3 + e / 10});
      records.push({epoch: e, metric: 'alpha', layer: 'dense_2', value: e === 3 ? NaN : 4 - e / 10});
      records.push({epoch: e, metric: 'alpha_mean', layer: null, value: 3.5});
    }
    const root = parseSvg(metricCurves(records, {metrics: ['alpha'], title: 'a & b <c>'}));
    const series = byClass(root, 'path', 'series');
    expect(series.map(s => s['@data-series'])).to.deep.equal(['dense_1', 'dense_2']);
    expect(pathPoints(series[0]['@d'])).to.equal(6);
    expect(String(series[1]['@d']).match(/M/g)).to.have.length(2); // two segments around the NaN
    expect(pathPoints(series[1]['@d'])).to.equal(5);
    expect(byClass(root, 'circle', 'point')).to.have.length(11);
  });

  it('reads JSON Lines text and plots against another record field (rank)', () => {
    const text =
      [1, 2, 3, 4]
        .map(d => JSON.stringify({epoch: 9, metric: 'truncation_val_acc', layer: 'out', value: d / 10, rank: d}))
        .join('\n') + '\n';
    expect(parseJsonLines(text)).to.have.length(4);
    const root = parseSvg(metricCurves(text, {x: 'rank'}));
    const [s] = byClass(root, 'path', 'series');
    expect(pathPoints(s['@d'])).to.equal(4);
    // x increases with rank: the M/L x coordinates are strictly increasing.
    const xs = String(s['@d'])
      .split(' ')
      .map(c => Number(c.slice(1).split(',')[0]));
    expect(xs.every((v, i) => i === 0 || v > xs[i - 1])).to.equal(true);
  });

  it('saves the SVG and reads back a JSONL log in Node', () => {
    const dir = tempDir();
    const log = path.join(dir, 'log.jsonl');
    fs.writeFileSync(
      log,
      '{"epoch":0,"metric":"dse","layer":"h","value":1.5}\n{"epoch":1,"metric":"dse","layer":"h","value":null}\n',
    );
    const recs = readRecords(log);
    expect(recs.map(r => r.value)).to.deep.equal([1.5, null]);
    const file = path.join(dir, 'sub', 'c.svg');
    saveSvg(file, metricCurves(recs));
    expect(byClass(parseSvg(fs.readFileSync(file, 'utf8')), 'circle', 'point')).to.have.length(1);
  });

  it('rejects unknown metrics, bad sources and bad JSON lines with clear errors', () => {
    expect(() => metricCurves({history: {loss: [1, 2]}}, {metrics: ['acc']})).to.throw(
      /metrics \["acc"\].*available: 'loss'/,
    );
    expect(() => metricCurves(42 as unknown as string)).to.throw(/source must be.*42/);
    expect(() => parseJsonLines('{"a":1}\nnot json')).to.throw(/line 2 is not JSON/);
    expect(() => metricCurves({history: {loss: [1]}}, {columns: 0})).to.throw(/columns.*0/);
    expect(() => saveSvg(path.join(tempDir(), 'x.svg'), 'hello')).to.throw(/svg must be an SVG document/);
  });
});
