import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {diffusionSpectralMutualInfo} from '../../src/spectral/dsmi';
import {expectNoLeak} from '../helpers/leaks';
import {seededUniform} from '../reference/spectral';

function fixture(): {x: number[][]; y: number[]} {
  const dir = path.join(__dirname, '..', 'fixtures', 'dse');
  const x = fs
    .readFileSync(path.join(dir, 'X.csv'), 'utf8')
    .trim()
    .split('\n')
    .map(l => l.split(',').map(Number));
  const y = fs.readFileSync(path.join(dir, 'y.csv'), 'utf8').trim().split('\n').map(Number);
  return {x, y};
}

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: Error | null = null;
  try {
    await p;
  } catch (e) {
    err = e as Error;
  }
  expect(err?.message).to.match(re);
}

describe('spectral.diffusionSpectralMutualInfo', () => {
  const {x, y} = fixture();
  let z: tf.Tensor2D;
  before(() => {
    z = tf.tensor2d(x);
  });
  after(() => z.dispose());

  it('reproduces the official DSMI 0.63593 (sigma=3, t=1) to 1e-6, subsets drawn as CPython random.sample', async () => {
    // Official dse_dsmi code: 0.63593 (research note); NumPy replica in test/fixtures/dse/README.md:
    // 0.6359338561159121. Float32 kernel round-off: measured 2.4e-8.
    const labels = tf.tensor1d(y, 'int32');
    const got = await diffusionSpectralMutualInfo(z, labels, {sigma: 3, t: 1});
    expect(Math.abs(got - 0.6359338561159121)).to.be.below(1e-6);
    labels.dispose();
  });

  it('matches the NumPy replica with repetitions=3, seed=1, sigma=10, t=2 and [N, 1] labels', async () => {
    const labels = tf.tensor2d(y, [y.length, 1], 'int32');
    const got = await diffusionSpectralMutualInfo(z, labels, {sigma: 10, t: 2, repetitions: 3, seed: 1});
    expect(Math.abs(got - 1.6069171984683774)).to.be.below(1e-6);
    labels.dispose();
  });

  it('is near 0 for labels unrelated to the geometry and large for the cluster labels @wasm', async () => {
    const small = tf.tensor2d(x.slice(0, 100));
    const r = seededUniform(1);
    const random = Array.from({length: 100}, () => Math.floor(r() * 5));
    const mi = await diffusionSpectralMutualInfo(small, y.slice(0, 100), {sigma: 3, repetitions: 2});
    const miRandom = await diffusionSpectralMutualInfo(small, random, {sigma: 3, repetitions: 2});
    // Class-conditional sets of unrelated labels are just smaller random subsets: measured
    // 0.012-0.032 bits over four label draws, versus 0.33 bits with the cluster labels.
    expect(Math.abs(miRandom)).to.be.below(0.1);
    expect(mi).to.be.above(0.25);
    small.dispose();
  });

  it('leaves no tensors behind', async () => {
    const small = tf.tensor2d(x.slice(0, 40));
    const labels = tf.tensor1d(y.slice(0, 40), 'int32');
    await expectNoLeak(() => diffusionSpectralMutualInfo(small, labels, {repetitions: 1, sigma: 'median'}), 3);
    tf.dispose([small, labels]);
  });

  it('rejects bad labels and options with errors naming the argument and the value', async () => {
    const small = tf.tensor2d(x.slice(0, 6));
    const short = tf.tensor1d([0, 1], 'int32');
    await rejects(
      diffusionSpectralMutualInfo(small, short),
      /labels must be \[6\] or \[6, 1\] class ids matching z, got Tensor\[shape=\[2\]/,
    );
    await rejects(diffusionSpectralMutualInfo(small, [0, 1, 2]), /labels must have 6 entries to match z, got 3/);
    await rejects(
      diffusionSpectralMutualInfo(small, [0, 1, 0.5, 1, 0, 1]),
      /labels must be integer class ids, got 0\.5 at index 2/,
    );
    await rejects(
      diffusionSpectralMutualInfo(small, [0, 1, 0, 1, 0, 1], {repetitions: 0}),
      /repetitions must be a positive integer, got 0/,
    );
    await rejects(
      diffusionSpectralMutualInfo(small, [0, 1, 0, 1, 0, 1], {t: -2}),
      /t must be a finite number > 0, got -2/,
    );
    await rejects(
      diffusionSpectralMutualInfo(small, 'abc' as unknown as number[]),
      /labels must be a tensor or an array of class ids, got 'abc'/,
    );
    tf.dispose([small, short]);
  });
});
