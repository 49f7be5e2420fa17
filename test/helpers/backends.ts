import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * Runs `fn` on the named backend and restores the previous one afterwards.
 * Slow training tests use 'wasm' (about 25x faster matmuls than 'cpu' here).
 * Tensors created inside must not be used after the switch back.
 */
export async function withBackend<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const previous = tf.getBackend();
  if (!(await tf.setBackend(name))) throw new Error(`withBackend: backend '${name}' failed`);
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
}
