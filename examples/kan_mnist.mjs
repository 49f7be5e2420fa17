// A Kolmogorov–Arnold network on real MNIST digits:
// [784 → BSplineKAN 64 → LayerNorm → BSplineKAN 10], Adam, wasm backend.
// Run: node examples/kan_mnist.mjs [--quick]
import * as tf from '@tensorflow/tfjs';
import * as tfa from 'tfjs-addons';
import {loadMnist, quick} from './mnist_data.mjs';

console.log('backend:', await tfa.backend.useFastest());
const {train, test} = loadMnist({limit: quick ? 1500 : Infinity});
// B-spline bases live on gridRange [-1, 1]: map pixels from [0, 1] there.
const scale = x => tf.sub(tf.mul(x, 2), 1);
const model = tf.sequential({
  layers: [
    tfa.layers.bsplineKAN({units: 64, inputShape: [784]}),
    tf.layers.layerNormalization(),
    tfa.layers.bsplineKAN({units: 10}),
    tf.layers.softmax(),
  ],
});
model.compile({optimizer: tf.train.adam(5e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
await model.fit(scale(train.x), train.y, {
  epochs: quick ? 1 : 5,
  batchSize: 32,
  verbose: 0,
  callbacks: {
    onEpochEnd: (e, logs) => console.log(`epoch ${e + 1}: loss ${logs.loss.toFixed(4)} acc ${logs.acc.toFixed(4)}`),
  },
});
const [, acc] = model.evaluate(scale(test.x), test.y);
console.log(`test accuracy ${(await acc.data())[0].toFixed(4)} on ${test.x.shape[0]} digits`);
