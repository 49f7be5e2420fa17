import * as tf from '@tensorflow/tfjs';

/**
 * The KAN papers' toy target `f(a, b) = sin(πa)·exp(b)` on `[lo, hi]²`: seeded
 * train inputs (seed 1) and test inputs (seed 2) with their targets `[n, 1]`.
 * The caller disposes the four tensors.
 */
export function sinExpTask(
  nTrain: number,
  nTest: number,
  lo: number,
  hi: number,
): {
  xTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  yTest: tf.Tensor2D;
} {
  const f = (a: number, b: number) => Math.sin(Math.PI * a) * Math.exp(b);
  const xTrain = tf.randomUniform([nTrain, 2], lo, hi, 'float32', 1) as tf.Tensor2D;
  const xTest = tf.randomUniform([nTest, 2], lo, hi, 'float32', 2) as tf.Tensor2D;
  const target = (x: tf.Tensor2D) => tf.tensor2d((x.arraySync() as number[][]).map(([a, b]) => [f(a, b)]));
  return {xTrain, xTest, yTrain: target(xTrain), yTest: target(xTest)};
}
