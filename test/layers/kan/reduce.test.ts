import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {sumAlongAxis} from '../../../src/layers/kan/reduce';
import {expectClose} from '../../helpers/close';
import {expectNoLeak} from '../../helpers/leaks';

/** Float64 sum of row-major `data` with `shape` along `axis`. */
function sum64(data: Float32Array, shape: number[], axis: number): number[] {
  const pre = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const m = shape[axis];
  const post = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out = new Array<number>(pre * post).fill(0);
  for (let a = 0; a < pre; a++)
    for (let j = 0; j < m; j++) for (let b = 0; b < post; b++) out[a * post + b] += data[(a * m + j) * post + b];
  return out;
}

describe('kan sumAlongAxis', () => {
  for (const [shape, axis] of [
    [[256, 6272], 0],
    [[37, 8, 19], 1],
    [[5, 3, 4], 0],
    [[5, 3, 4], 2],
    [[7], 0],
    [[4, 1, 6], 1],
  ] as Array<[number[], number]>) {
    it(`equals a float64 sum of [${shape}] along axis ${axis} @wasm`, () => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
      const got = sumAlongAxis(x, axis);
      expect(got.shape).to.deep.equal([...shape.slice(0, axis), ...shape.slice(axis + 1)]);
      const want = sum64(x.dataSync() as Float32Array, shape, axis);
      expectClose(Array.from(got.dataSync()), want, {rtol: 1e-5, atol: 1e-4}, 'sum');
      tf.dispose([x, got]);
    });
  }

  it('names the axis when it is out of range', () => {
    const x = tf.zeros([2, 3]);
    expect(() => sumAlongAxis(x, 2)).to.throw(/axis 2 is out of range for a rank-2/);
    expect(() => sumAlongAxis(x, -1)).to.throw(/axis -1/);
    expect(() => sumAlongAxis(x, 0.5)).to.throw(/axis 0.5/);
    x.dispose();
  });

  it('leaks no tensors', async () => {
    const x = tf.ones([4, 5, 6]);
    const before = tf.memory().numTensors;
    await expectNoLeak(() => sumAlongAxis(x, 1).dispose());
    expect(tf.memory().numTensors).to.equal(before);
    x.dispose();
  });
});
