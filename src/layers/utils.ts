/**
 * Small helpers shared by every layer: input unwrapping, shape edits,
 * last-axis application and gradient tricks tfjs lacks (stopGradient, STE).
 */
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../validate';

type Shape = Array<number | null>;

/** The one tensor of a single-input layer call. */
export function singleInput(inputs: tf.Tensor | tf.Tensor[], who: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) {
      throw new ValueError(`${who}: expects exactly one input tensor, got ${inputs.length}.`);
    }
    return inputs[0];
  }
  return inputs;
}

/** `inputShape` with its last axis replaced by `units`. */
export function replaceLastDim(inputShape: Shape | Shape[], units: number): Shape {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  return [...shape.slice(0, -1), units];
}

/**
 * Applies `fn` (a map `[N, I] → [N, O]`) to the last axis of `x` of shape
 * `[batch, ..., I]`, flattening the leading axes and restoring them after.
 */
export function applyOnLastAxis(x: tf.Tensor, fn: (flat: tf.Tensor2D) => tf.Tensor2D): tf.Tensor {
  if (x.rank === 2) return fn(x as tf.Tensor2D);
  const lead = x.shape.slice(0, -1);
  const inDim = x.shape[x.rank - 1];
  const y = fn(tf.reshape(x, [-1, inDim]) as tf.Tensor2D); // [N, O]
  return tf.reshape(y, [...lead, y.shape[1]]);
}

/**
 * A one-input op with a hand-written gradient `dx = grad(dy, x)`, typed
 * simply (tf.customGrad's variadic signature is awkward in strict TS).
 */
export function unaryCustomGrad(
  forward: (x: tf.Tensor) => tf.Tensor,
  grad: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor,
): (x: tf.Tensor) => tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([x]);
    return {value: forward(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grad(dy, saved[0])};
  });
  return (x: tf.Tensor) => op(x) as tf.Tensor;
}

/** Identity in the forward pass, zero gradient (tfjs has no tf.stopGradient). */
export const stopGradient = unaryCustomGrad(
  x => tf.clone(x),
  dy => tf.zerosLike(dy),
);

/** `round(x)` in the forward pass with the identity (straight-through) gradient. */
export const roundSTE = unaryCustomGrad(
  x => tf.round(x),
  dy => dy,
);

/** SiLU, `x·sigmoid(x)`. */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}
