// Swap Adam for Muon in an existing MNIST MLP: same model, same data, same
// seed; only the optimizer passed to compile() changes.
// Run: node examples/muon_swap.mjs [--quick]
import * as tf from '@tensorflow/tfjs';
import * as tfa from 'tfjs-addons';
import {loadMnist, quick} from './mnist_data.mjs';

console.log('backend:', await tfa.backend.useFastest());
const {train, test} = loadMnist({limit: quick ? 2000 : Infinity});
const build = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({
        units: 256,
        inputShape: [784],
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
      }),
      tf.layers.dense({units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
    ],
  });
for (const [name, makeOptimizer] of [
  ['adam', () => tf.train.adam(1e-3)],
  // The output layer's kernel goes to Muon's inner AdamW, as its authors advise.
  ['muon', model => tfa.optimizers.muon({learningRate: 0.02, exclude: tfa.optimizers.muonExcludeDefaults(model)})],
]) {
  const model = build();
  model.compile({optimizer: makeOptimizer(model), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  await model.fit(train.x, train.y, {epochs: quick ? 1 : 3, batchSize: 128, verbose: 0});
  const [, acc] = model.evaluate(test.x, test.y);
  console.log(`${name}: test accuracy ${(await acc.data())[0].toFixed(4)}`);
}
