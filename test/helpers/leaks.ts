import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn` `steps` times and asserts that `tf.memory().numTensors` after the
 * last step equals its value after the first one (step 1 may allocate lasting
 * state: optimizer slots, layer weights). Returns the two counts.
 */
export async function expectNoLeak(
  fn: (step: number) => unknown | Promise<unknown>,
  steps = 100,
): Promise<{afterFirst: number; afterLast: number}> {
  if (steps < 2) throw new Error('expectNoLeak: steps must be >= 2');
  await fn(0);
  const afterFirst = tf.memory().numTensors;
  for (let s = 1; s < steps; s++) await fn(s);
  const afterLast = tf.memory().numTensors;
  if (afterLast !== afterFirst) {
    throw new Error(
      `tensor leak: ${afterFirst} tensors after step 1, ${afterLast} after step ${steps} ` +
        `(${((afterLast - afterFirst) / (steps - 1)).toFixed(2)} per step)`,
    );
  }
  return {afterFirst, afterLast};
}
