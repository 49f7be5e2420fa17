import {expect} from 'chai';

import {spectrumPlot} from '../../src/plots/spectrum';
import {byClass, parseSvg, pathPoints} from './svg_helpers';

/** A Pareto-like spectrum λ_i = (i/n)^(−1/(α−1)) (density ∝ λ^−α), deterministic. */
function pareto(n: number, alpha: number): number[] {
  return Array.from({length: n}, (_, i) => ((i + 0.5) / n) ** (-1 / (alpha - 1)));
}

describe('plots.spectrumPlot', () => {
  it('draws the log-binned ESD with one point per non-empty bin and the fitted power law @wasm', () => {
    const lambdas = pareto(300, 3);
    const root = parseSvg(spectrumPlot(lambdas, {bins: 20}));
    const points = byClass(root, 'circle', 'point');
    // Quantiles of a power law spread over all log bins here (span 10^(log10(600)/2)): count the non-empty ones.
    const lo = Math.log10(Math.min(...lambdas));
    const step = (Math.log10(Math.max(...lambdas)) - lo) / 20;
    const filled = new Set(lambdas.map(v => Math.min(19, Math.floor(((Math.log10(v) - lo) / step) * (1 - 1e-12)))));
    expect(points).to.have.length(filled.size);
    const [fit] = byClass(root, 'path', 'fit');
    expect(pathPoints(fit['@d'])).to.equal(2); // a straight line on log-log axes
    expect(byClass(root, 'line', 'xmin')).to.have.length(1);
    expect(byClass(root, 'text', 'legend')[0]['#text']).to.match(/power law α = [0-9.]+, xmin = /);
  });

  it('draws a rank plot with one point per positive eigenvalue, skipping zeros', () => {
    const lambdas = [...pareto(50, 2.5), 0, -1e-9];
    const root = parseSvg(spectrumPlot(lambdas, {kind: 'rank', fit: {alpha: 2.5, xmin: 1.2}}));
    expect(byClass(root, 'circle', 'point')).to.have.length(50);
    expect(byClass(root, 'path', 'fit')).to.have.length(1);
    expect(byClass(root, 'text', 'legend')[0]['#text']).to.equal('power law α = 2.50, xmin = 1.2');
  });

  it('draws no fit for fit: null or a failed fit (alpha -1)', () => {
    for (const fit of [null, {alpha: -1, xmin: -1}]) {
      const root = parseSvg(spectrumPlot(pareto(30, 3), {fit}));
      expect(byClass(root, 'path', 'fit')).to.have.length(0);
      expect(byClass(root, 'path', 'esd')).to.have.length(1);
    }
  });

  it('rejects too few positive values and bad options with errors naming them', () => {
    expect(() => spectrumPlot([1, 0, -2])).to.throw(/at least 2 positive finite values, got 1/);
    expect(() => spectrumPlot([1, 2], {kind: 'bars' as 'rank'})).to.throw(/kind.*'bars'/);
    expect(() => spectrumPlot([1, 2], {bins: 0})).to.throw(/bins.*0/);
    expect(() => spectrumPlot(3 as unknown as number[])).to.throw(/eigenvalues must be an array/);
  });
});
