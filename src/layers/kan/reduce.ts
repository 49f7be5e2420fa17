/**
 * Sums along one axis for the KAN gradients, as an average pool.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * `Σ` of `t` along `axis` (the axis removed), computed as
 * `avgPool(reshape(t, [pre, m, 1, post]), [m, 1]) · m` with `m` the axis length.
 *
 * Same values as `tf.sum(t, axis)` up to float32 rounding (one extra
 * division and multiplication by m). Faster wherever the axis is not the last:
 * wasm's `Sum` transposes the axis to the end first, while XNNPACK's average
 * pooling reads the input once with the trailing elements contiguous
 * (measured on `[256, 8, 784]`, wasm: axis 0 0.3–0.5 ms vs 2.4–4.5 ms, axis 1
 * 0.9–1.5 ms vs 1.5–2.2 ms; the cpu backend gains ~7x). The caller disposes the result.
 */
export function sumAlongAxis(t: tf.Tensor, axis: number): tf.Tensor {
  const shape = t.shape;
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new Error(`sumAlongAxis: axis ${axis} is out of range for a rank-${shape.length} tensor.`);
  }
  const m = shape[axis];
  const out = [...shape.slice(0, axis), ...shape.slice(axis + 1)];
  if (m === 1) return tf.reshape(t, out);
  const pre = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const post = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  return tf.tidy(() => {
    const pooled = tf.avgPool(tf.reshape(t, [pre, m, 1, post]) as tf.Tensor4D, [m, 1], 1, 'valid'); // [pre, 1, 1, post]
    return tf.reshape(tf.mul(pooled, m), out);
  });
}
