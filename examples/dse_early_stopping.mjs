// Watch the diffusion spectral entropy (DSE) and mutual information (DSMI) of
// the hidden representation on a probe of real digits, and stop training when
// DSMI stops rising.
// Run: node examples/dse_early_stopping.mjs [--quick]
import * as tf from '@tensorflow/tfjs';
import * as tfa from 'tfjs-addons';
import {loadMnist, quick} from './mnist_data.mjs';

console.log('backend:', await tfa.backend.useFastest());
const {train} = loadMnist({limit: quick ? 1500 : 6000});
const model = tf.sequential({
  layers: [
    tf.layers.dense({units: 64, inputShape: [784], activation: 'relu', name: 'features'}),
    tf.layers.dense({units: 10, activation: 'softmax'}),
  ],
});
model.compile({optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
const probe = tf.slice(train.x, [0, 0], [300, 784]);
const probeLabels = tf.slice(train.labels, [0], [300]);
const history = await model.fit(train.x, train.y, {
  epochs: quick ? 3 : 20,
  batchSize: 64,
  verbose: 0,
  callbacks: [
    tfa.callbacks.dseMonitor({probe, labels: probeLabels, layer: 'features'}),
    // After the monitor in the list, so it sees 'dsmi' in the epoch logs.
    tf.callbacks.earlyStopping({monitor: 'dsmi', mode: 'max', minDelta: 0.01, patience: 2}),
  ],
});
const show = key => history.history[key].map(v => v.toFixed(2)).join(' ');
console.log(`epochs run: ${history.epoch.length}\ndse:  ${show('dse')}\ndsmi: ${show('dsmi')}`);
