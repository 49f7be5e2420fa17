/**
 * Our BSplineKAN, RBFKAN and ChebyshevKAN against the PyTorch versions of the
 * reference layers in bench/torch_ref.py (efficient-kan KANLinear, fast-kan
 * FastKANLayer, ChebyKAN ChebyKANLayer; what `npm run bench` times), for the
 * same weights: ours run in float32, torch in float64 on the weights mapped to
 * its layouts ([out, in, ...]). Needs `/usr/bin/python3` with torch (Debian's
 * python3-torch); without it every test is skipped and says so.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as path from 'path';

import {bsplineKAN} from '../../../src/layers/kan/bspline';
import {chebyshevKAN} from '../../../src/layers/kan/chebyshev';
import {rbfKAN} from '../../../src/layers/kan/rbf';
import {expectClose} from '../../helpers/close';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', '..', 'bench', 'torch_ref.py');

interface Spec {
  shape: number[];
  data: number[];
}

const spec = (t: tf.Tensor): Spec => ({shape: t.shape, data: Array.from(t.dataSync())});
const weight = (layer: tf.layers.Layer, name: string): tf.Tensor => {
  const w = layer.weights.find(v => v.name.endsWith(`/${name}`));
  if (w == null) throw new Error(`no weight ${name}`);
  return w.read();
};

/** Runs torch_ref.py forward on a request; returns the output values. */
function torchForward(request: object): {shape: number[]; data: number[]} {
  const r = spawnSync(PYTHON, [SCRIPT, 'forward'], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`torch_ref.py forward failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as {shape: number[]; data: number[]};
}

function randomise(layer: tf.layers.Layer, seed: number, names: string[]): void {
  for (const [i, name] of names.entries()) {
    const w = layer.weights.find(v => v.name.endsWith(`/${name}`))!;
    w.write(tf.randomUniform(w.shape as number[], -0.8, 0.8, 'float32', seed + i));
  }
}

describe('KAN layers vs the PyTorch reference layers of bench/torch_ref.py', function () {
  this.timeout(60_000);
  let torchOk = false;

  before(function () {
    torchOk = spawnSync(PYTHON, ['-c', 'import torch'], {encoding: 'utf8', timeout: 60_000}).status === 0;
    if (!torchOk) {
      console.log(
        '    torch_parity: COULD NOT RUN: /usr/bin/python3 cannot import torch ' +
          '(apt-get install python3-torch); the PyTorch parity checks are skipped.',
      );
    }
  });

  beforeEach(function () {
    if (!torchOk) this.skip(); // only when torch is absent (reported once in before())
  });

  it('BSplineKAN equals efficient-kan KANLinear (data-fitted grid) to 1e-5', () => {
    tf.tidy(() => {
      const [n, inDim, units] = [9, 5, 3];
      const layer = bsplineKAN({units, gridSize: 4, splineOrder: 3, seed: 3});
      const x = tf.randomUniform([n, inDim], -1.3, 1.3, 'float32', 7); // some inputs outside [-1, 1]
      layer.apply(x);
      layer.updateGrid(tf.randomUniform([40, inDim], -1.1, 1.1, 'float32', 8)); // non-uniform per-input knots
      randomise(layer, 20, ['base_kernel', 'spline_kernel', 'spline_scaler']);
      const ours = (layer.apply(x) as tf.Tensor).dataSync();
      const got = torchForward({
        layer: 'efficient_kan',
        n_out: units,
        config: {grid_size: 4, spline_order: 3},
        x: spec(x),
        weights: {
          grid: spec(weight(layer, 'grid')), // [I, G+2k+1] in both
          base_weight: spec(tf.transpose(weight(layer, 'base_kernel'))), // [I, O] -> [O, I]
          spline_weight: spec(tf.transpose(weight(layer, 'spline_kernel'), [2, 0, 1])), // [I, G+k, O] -> [O, I, G+k]
          spline_scaler: spec(tf.transpose(weight(layer, 'spline_scaler'))), // [I, O] -> [O, I]
        },
      });
      expect(got.shape).to.deep.equal([n, units]);
      expect(Math.max(...got.data.map(Math.abs))).to.be.greaterThan(0.05); // not a trivial all-zero comparison
      expectClose(ours, got.data, {rtol: 1e-5, atol: 1e-6}, 'y');
    });
  });

  it('RBFKAN equals fast-kan FastKANLayer to 1e-5', () => {
    tf.tidy(() => {
      const [n, inDim, units, centers] = [9, 6, 4, 7];
      const layer = rbfKAN({units, numCenters: centers, gridMin: -1.5, gridMax: 2.5, seed: 4});
      const x = tf.randomUniform([n, inDim], -3, 3, 'float32', 9);
      layer.apply(x);
      randomise(layer, 30, ['ln_gamma', 'ln_beta', 'spline_kernel', 'base_kernel', 'base_bias']);
      const ours = (layer.apply(x) as tf.Tensor).dataSync();
      const spline = weight(layer, 'spline_kernel'); // [I, n, O]
      const got = torchForward({
        layer: 'fast_kan',
        n_out: units,
        config: {grid_min: -1.5, grid_max: 2.5, num_grids: centers},
        x: spec(x),
        weights: {
          'layernorm.weight': spec(weight(layer, 'ln_gamma')),
          'layernorm.bias': spec(weight(layer, 'ln_beta')),
          spline_weight: spec(tf.reshape(tf.transpose(spline, [2, 0, 1]), [units, inDim * centers])), // -> [O, I·n]
          'base_linear.weight': spec(tf.transpose(weight(layer, 'base_kernel'))), // [I, O] -> [O, I]
          'base_linear.bias': spec(weight(layer, 'base_bias')),
        },
      });
      expect(got.shape).to.deep.equal([n, units]);
      expect(Math.max(...got.data.map(Math.abs))).to.be.greaterThan(0.05);
      expectClose(ours, got.data, {rtol: 1e-5, atol: 1e-6}, 'y');
    });
  });

  it('ChebyshevKAN equals ChebyKAN ChebyKANLayer (cos·acos form) to 1e-5', () => {
    tf.tidy(() => {
      const [n, inDim, units, degree] = [9, 5, 3, 4];
      const layer = chebyshevKAN({units, degree, seed: 5});
      const x = tf.randomUniform([n, inDim], -3, 3, 'float32', 10);
      layer.apply(x);
      randomise(layer, 40, ['cheby_kernel']);
      const ours = (layer.apply(x) as tf.Tensor).dataSync();
      const got = torchForward({
        layer: 'chebykan',
        n_out: units,
        config: {degree},
        x: spec(x),
        weights: {cheby_coeffs: spec(tf.transpose(weight(layer, 'cheby_kernel'), [0, 2, 1]))}, // [I, D+1, O] -> [I, O, D+1]
      });
      expect(got.shape).to.deep.equal([n, units]);
      expect(Math.max(...got.data.map(Math.abs))).to.be.greaterThan(0.05);
      expectClose(ours, got.data, {rtol: 1e-5, atol: 1e-6}, 'y');
    });
  });
});
