/** Small seeded models and data shared by the callback tests. */
import * as tf from '@tensorflow/tfjs';

/** A 6 → 12 → 8 → 3 MLP with named layers, compiled with Adam. */
export function smallMlp(seed = 1): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({seed: seed * 10 + s});
  const model = tf.sequential({
    layers: [
      tf.layers.dense({units: 12, activation: 'relu', inputShape: [6], kernelInitializer: init(1), name: 'h1'}),
      tf.layers.dense({units: 8, activation: 'tanh', kernelInitializer: init(2), name: 'h2'}),
      tf.layers.dense({units: 3, activation: 'softmax', kernelInitializer: init(3), name: 'out'}),
    ],
  });
  model.compile({optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  return model;
}

/** Seeded inputs [n, 6] and one-hot labels [n, 3] with a learnable rule. */
export function smallData(n: number, seed = 3): {x: tf.Tensor2D; y: tf.Tensor2D; labels: tf.Tensor1D} {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 6], 0, 1, 'float32', seed) as tf.Tensor2D;
    const score = tf.matMul(
      x,
      tf.tensor2d([
        [1, 0, -1],
        [0, 1, 0],
        [1, 1, 0],
        [0, 0, 1],
        [-1, 0, 0],
        [0, -1, 1],
      ]),
    );
    const labels = tf.argMax(score, 1).toInt() as tf.Tensor1D;
    return {x, y: tf.oneHot(labels, 3).toFloat() as tf.Tensor2D, labels};
  });
}

/** Activations of `model` at layer `name`'s output for x (a reference path independent of the callbacks). */
export function layerOutput(model: tf.LayersModel, name: string, x: tf.Tensor): tf.Tensor2D {
  const sub = tf.model({inputs: model.inputs, outputs: model.getLayer(name).output as tf.SymbolicTensor});
  return sub.predict(x) as tf.Tensor2D;
}
