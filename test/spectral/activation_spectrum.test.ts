import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {activationSpectrum} from '../../src/spectral/activation_spectrum';
import {massiveActivations} from '../../src/spectral/massive_activations';
import {expectNoLeak} from '../helpers/leaks';
import {covarianceEigenvalues, descriptorsRef, massiveRef} from '../reference/activations';
import {seededNormal} from '../reference/spectral';

/** [rows, d] Gaussian data with `spikes` planted directions of variance 1 + 9 (a BBP-visible signal). */
function data(rows: number, d: number, spikes: number, seed: number): Float32Array {
  const n = seededNormal(seed);
  const x = Float32Array.from({length: rows * d}, () => n());
  for (let s = 0; s < spikes; s++) {
    for (let r = 0; r < rows; r++) x[r * d + s] += 3 * n();
  }
  return x;
}

describe('spectral.activationSpectrum', () => {
  for (const [rows, d, spikes] of [
    [300, 40, 0],
    [300, 40, 3],
    [30, 50, 2],
  ]) {
    it(`matches a float64 reference of the covariance spectrum and descriptors ([${rows}, ${d}], ${spikes} spikes)`, async () => {
      const x = data(rows, d, spikes, rows + d + spikes);
      const t = tf.tensor2d(x, [rows, d]);
      const s = await activationSpectrum(t);
      const ev = covarianceEigenvalues(x, rows, d);
      const ref = descriptorsRef(ev, rows);
      const lmax = ev[d - 1];
      // float32 covariance on the backend: eigenvalues to 1e-5·λ_max
      ev.forEach((e, i) => expect(Math.abs(s.eigenvalues[i] - e)).to.be.below(1e-5 * lmax));
      for (const k of ['spectralEntropy', 'effectiveRank', 'lambdaMaxOverEdge', 'mpEdge'] as const) {
        expect(s[k], k).to.be.closeTo(ref[k], 1e-5 * Math.abs(ref[k]));
      }
      expect(s.fracAboveMP).to.equal(ref.fracAboveMP);
      // KS: two numerical integrations of the MP CDF (θ-substitution vs 2e5-point midpoint): 1e-4
      expect(s.ksMP).to.be.closeTo(ref.ksMP, 1e-4);
      if (spikes > 0 && rows > d) {
        expect(s.fracAboveMP).to.equal(spikes / d); // the planted directions, nothing else
        expect(s.lambdaMaxOverEdge).to.be.greaterThan(2);
      }
      if (spikes === 0) {
        expect(s.fracAboveMP).to.be.at.most(1 / d); // an iid Gaussian matrix stays (nearly) inside the MP bulk
        expect(s.ksMP).to.be.below(0.15);
      }
      t.dispose();
    });
  }

  it('flattens leading axes: [N, T, d] equals [N·T, d] @wasm', async () => {
    const x = data(60, 8, 1, 9);
    const a = tf.tensor3d(x, [20, 3, 8]);
    const b = tf.tensor2d(x, [60, 8]);
    const [sa, sb] = [await activationSpectrum(a), await activationSpectrum(b)];
    expect(sa.rows).to.equal(60);
    expect(Array.from(sa.eigenvalues)).to.deep.equal(Array.from(sb.eigenvalues));
    tf.dispose([a, b]);
  });

  it('rejects rank-1 input and NaN with errors naming a', async () => {
    const bad = async (t: tf.Tensor, re: RegExp) => {
      const e = await activationSpectrum(t).then(
        () => null,
        x => x as Error,
      );
      expect(e?.message).to.match(re);
      t.dispose();
    };
    await bad(tf.tensor1d([1, 2, 3]), /a must be activations of rank >= 2/);
    await bad(
      tf.tensor2d([
        [1, NaN],
        [2, 3],
      ]),
      /spectral.activationSpectrum: a .*NaN/,
    );
  });

  it('leaks no tensors', async () => {
    const t = tf.tensor2d(data(50, 6, 0, 1), [50, 6]);
    await expectNoLeak(() => activationSpectrum(t), 3);
    await expectNoLeak(() => massiveActivations(t), 3);
    t.dispose();
  });
});

describe('spectral.massiveActivations', () => {
  it('gives max|a|, the numpy median |a|, their ratio and the top channels by max |a|', async () => {
    const x = Float32Array.from(data(40, 6, 0, 4));
    x[7 * 6 + 4] = -250; // a massive activation in channel 4
    x[3 * 6 + 1] = 40;
    const t = tf.tensor3d(x, [10, 4, 6]);
    const m = await massiveActivations(t, {topK: 2});
    const ref = massiveRef(x, 6);
    expect(m.maxAbs).to.equal(250);
    expect(m.medianAbs).to.be.closeTo(ref.median, 1e-7);
    expect(m.ratio).to.be.closeTo(ref.ratio, 1e-5 * ref.ratio);
    expect(m.topChannels).to.deep.equal([4, 1]);
    expect(m.topValues).to.deep.equal([250, 40]);
    t.dispose();
    // hand value: |a| = 1, 2, 300, 0.5, 1, 2 → median (1 + 2)/2 = 1.5, ratio 200
    const h = tf.tensor2d([
      [1, -2, 300],
      [0.5, 1, 2],
    ]);
    const s = await massiveActivations(h, {topK: 1});
    expect([s.medianAbs, s.ratio, s.topChannels[0]]).to.deep.equal([1.5, 200, 2]);
    h.dispose();
  });
});
