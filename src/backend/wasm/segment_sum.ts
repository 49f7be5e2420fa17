/**
 * `UnsortedSegmentSum` for tfjs-backend-wasm 4.22 (the gradient of `gather`,
 * so of every `tf.layers.embedding`), composed from wasm kernels:
 * out-of-range ids (negative or >= numSegments, which the cpu kernel drops)
 * are redirected to an extra segment `numSegments` with GreaterEqual / Less /
 * LogicalAnd / Select, the rows are summed into `numSegments + 1` segments by
 * wasm's `ScatterNd` (which adds repeated indices), and the extra segment is
 * sliced off. Segments no id names are zero, as on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';

import {composed, WasmBackendLike} from './compose';

export const unsortedSegmentSum: tf.KernelFunc = ({inputs, backend, attrs}) => {
  const K = 'UnsortedSegmentSum';
  const {x, segmentIds} = inputs as {x: tf.TensorInfo; segmentIds: tf.TensorInfo};
  const {numSegments} = attrs as unknown as {numSegments: number};
  const fail = (attr: string, rule: string, got: unknown): never => {
    throw new Error(`patchWasm ${K}: ${attr} must be ${rule}, got ${JSON.stringify(got)}.`);
  };
  if (!Number.isInteger(numSegments) || numSegments < 0) fail('numSegments', 'a non-negative integer', numSegments);
  if (segmentIds.shape.length !== 1) fail('segmentIds rank', '1 (one id per row of x)', segmentIds.shape.length);
  if (x.shape.length < 1 || x.shape[0] !== segmentIds.shape[0]) {
    fail('x shape', `[${segmentIds.shape[0]}, ...] (one row per segment id)`, x.shape);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') fail('x dtype', "'float32' or 'int32'", x.dtype);
  const n = segmentIds.shape[0];
  const rest = x.shape.slice(1);
  return composed(backend as WasmBackendLike, s => {
    const ids = segmentIds.dtype === 'int32' ? segmentIds : s.cast(segmentIds, 'int32');
    const zero = s.constant([], 'int32', Int32Array.of(0));
    const limit = s.constant([], 'int32', Int32Array.of(numSegments));
    const valid = s.run('LogicalAnd', {
      a: s.run('GreaterEqual', {a: ids, b: zero}),
      b: s.run('Less', {a: ids, b: limit}),
    });
    const spill = s.run('Fill', {}, {shape: [n], value: numSegments, dtype: 'int32'});
    const target = s.run('Select', {condition: valid, t: ids, e: spill});
    const summed = s.run(
      'ScatterNd',
      {indices: s.reshape(target, [n, 1]), updates: x},
      {shape: [numSegments + 1, ...rest]},
    );
    return s.slice(summed, [0, ...rest.map(() => 0)], [numSegments, ...rest]);
  });
};
