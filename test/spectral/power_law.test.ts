import {expect} from 'chai';

import {powerLawFit} from '../../src/spectral/power_law';
import {seededUniform, wwFit} from '../reference/spectral';

describe('spectral.powerLawFit', () => {
  it('recovers alpha = 2.5 within 0.005 from the exact Pareto quantiles λ_i = (1 − (i+½)/n)^(−1/(α−1)) @wasm', () => {
    const n = 2000;
    const q = Array.from({length: n}, (_, i) => (1 - (i + 0.5) / n) ** (-1 / 1.5));
    const fit = powerLawFit(q);
    // A quantile sample has no sampling noise: the MLE bias is O(1/n) (measured 2.500635),
    // and every sub-tail of a Pareto is Pareto with the same α, so xmin barely matters.
    expect(Math.abs(fit.alpha - 2.5)).to.be.below(0.005);
    expect(fit.status).to.equal('ok');
    expect(fit.ks).to.be.below(1 / n); // discretisation of the empirical CDF only
    expect(fit.numTail).to.equal(2000);
  });

  it('recovers alpha = 2.5 within 3 standard errors (α−1)/√n_tail from a random Pareto sample', () => {
    const r = seededUniform(5);
    const sample = Array.from({length: 2000}, () => (1 - r()) ** (-1 / 1.5));
    const fit = powerLawFit(sample);
    expect(Math.abs(fit.alpha - 2.5)).to.be.below((3 * 1.5) / Math.sqrt(fit.numTail));
  });

  it('matches the float64 transcription of WWFit to 1e-12 on three spectra', () => {
    const r = seededUniform(9);
    const spectra = [
      Array.from({length: 300}, () => (1 - r()) ** (-1 / 2.2) * 3),
      Array.from({length: 150}, () => Math.exp(2 * r())), // log-uniform: not a power law
      Array.from({length: 400}, () => r() ** 2 * 10),
    ];
    for (const s of spectra) {
      const fit = powerLawFit(s);
      const ref = wwFit(s.filter(v => v > 1e-5));
      expect(Math.abs(fit.alpha - ref.alpha)).to.be.below(1e-12 * ref.alpha);
      expect(fit.xmin).to.equal(ref.xmin);
      expect(Math.abs(fit.ks - ref.D)).to.be.below(1e-12);
      expect(fit.numTail).to.equal(ref.numTail);
    }
  });

  it("reports status 'failed' with alpha = -1 for fewer than 10 eigenvalues, as WeightWatcher does", () => {
    expect(powerLawFit([1, 2, 3, 4, 5, 6, 7, 8, 9])).to.deep.equal({
      alpha: -1,
      xmin: -1,
      ks: -1,
      numTail: -1,
      status: 'failed',
    });
    expect(powerLawFit(new Float64Array(20)).status).to.equal('failed'); // nothing above 1e-5
  });

  it('rejects non-finite eigenvalues and non-arrays with errors naming eigenvalues', () => {
    expect(() => powerLawFit([1, 2, NaN])).to.throw(/eigenvalues must be finite numbers, got NaN at index 2/);
    expect(() => powerLawFit(3 as unknown as number[])).to.throw(/eigenvalues must be an array of numbers, got 3/);
  });
});
