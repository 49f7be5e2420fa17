// Label noise: 40% of the training digits get a random label. A network
// trained long enough memorises them; spectralTruncation projects the
// penultimate representation onto its top principal directions (rank chosen
// on a small clean validation set) and folds that into the last Dense layer.
// Run: node examples/spectral_truncation.mjs [--quick]
import * as tf from '@tensorflow/tfjs';
import * as tfa from 'tfjs-addons';
import {loadMnist, quick} from './mnist_data.mjs';

console.log('backend:', await tfa.backend.useFastest());
const {train, test} = loadMnist({limit: quick ? 1000 : 2000});
const n = train.x.shape[0];
const flip = tf.less(tf.randomUniform([n], 0, 1, 'float32', 3), 0.4);
const noisy = tf.where(flip, tf.randomUniform([n], 0, 10, 'int32', 4), train.labels);
const val = [tf.slice(test.x, [0, 0], [500, 784]), tf.slice(test.y, [0, 0], [500, 10])];
const rest = [tf.slice(test.x, [500, 0], [-1, 784]), tf.slice(test.y, [500, 0], [-1, 10])];

const model = tf.sequential({
  layers: [
    tf.layers.dense({units: 256, inputShape: [784], activation: 'relu'}),
    tf.layers.dense({units: 256, activation: 'relu', name: 'penultimate'}),
    tf.layers.dense({units: 10, activation: 'softmax'}),
  ],
});
model.compile({optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
await model.fit(train.x, tf.oneHot(noisy, 10), {epochs: quick ? 5 : 30, batchSize: 64, verbose: 0});
const accuracy = async () => (await model.evaluate(...rest)[1].data())[0];
const before = await accuracy();
const truncation = tfa.callbacks.spectralTruncation({
  layer: 'penultimate',
  trainProbe: train.x,
  validation: val,
  rank: 'auto',
});
const rank = await truncation.apply(model);
console.log(`kept rank ${rank} of 256; clean test accuracy ${before.toFixed(4)} -> ${(await accuracy()).toFixed(4)}`);
