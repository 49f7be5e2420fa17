import * as tf from '@tensorflow/tfjs';

import type {Param64} from '../reference/optimizers';

/**
 * Runs `opt` on float32 copies of `params` for each gradient set in `grads`
 * (one `applyGradients` call per set, variables named as in `params`) and
 * returns the final weights; every tensor it made is disposed.
 */
export function applySteps(params: Param64[], grads: Float64Array[][], opt: tf.Optimizer): Float32Array[] {
  const vars = params.map(p => tf.variable(tf.tensor(Float32Array.from(p.w), p.shape), true, p.name));
  for (const gs of grads) {
    const named = params.map((p, k) => ({name: p.name, tensor: tf.tensor(Float32Array.from(gs[k]), p.shape)}));
    opt.applyGradients(named);
    tf.dispose(named.map(n => n.tensor));
  }
  const out = vars.map(v => v.dataSync() as Float32Array);
  tf.dispose(vars);
  return out;
}
