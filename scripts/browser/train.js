/* Trains a small model in the browser with tfjs-addons and reports back.
 * Plain browser JS (no build step): loaded by index.html (script-tag bundle)
 * and esm.html (ES module bundle). Uses, when the bundle has them, a KAN
 * layer, the Muon optimizer and the dseMonitor callback; `features` in the
 * result says which were used, so the test can insist on them. */
/* global window, document */
async function tfaTrain(tf, tfa, bundle) {
  const out = document.getElementById('out');
  try {
    await tf.ready();
    const tensorsBefore = tf.memory().numTensors;
    // XOR-like 2-D task: label = [x0 * x1 > 0]. Data from a seeded generator.
    const n = 128;
    const xs = tf.randomUniform([n, 2], -1, 1, 'float32', 7);
    const labels = tf.tidy(() => tf.cast(tf.greater(tf.prod(xs, 1), 0), 'int32'));
    const ys = tf.tidy(() => tf.oneHot(labels, 2).toFloat());
    // The first KAN variant the bundle has (inputs are in [-1, 1], inside every default grid).
    const kanName = ['rbfKAN', 'bsplineKAN', 'chebyshevKAN', 'fourierKAN', 'reluKAN'].find(
      n => typeof tfa.layers[n] === 'function',
    );
    const features = {
      kan: kanName != null,
      muon: typeof tfa.optimizers.muon === 'function',
      dseMonitor: typeof tfa.callbacks.dseMonitor === 'function',
    };
    const seed = 3;
    const model = tf.sequential();
    if (features.kan) {
      // KAN [2, 8, 2]: two KAN layers, since one KAN layer then a linear map is additive in x0, x1 and cannot fit x0·x1.
      model.add(tfa.layers[kanName]({units: 8, inputShape: [2], name: 'kan'}));
      model.add(tfa.layers[kanName]({units: 2, name: 'kan_out'}));
      model.add(tf.layers.softmax());
    } else {
      model.add(
        tf.layers.dense({
          units: 16,
          inputShape: [2],
          activation: 'tanh',
          name: 'kan',
          kernelInitializer: tf.initializers.glorotUniform({seed}),
        }),
      );
      model.add(
        tf.layers.dense({
          units: 2,
          activation: 'softmax',
          name: 'head',
          kernelInitializer: tf.initializers.glorotUniform({seed: seed + 1}),
        }),
      );
    }
    const optimizer = features.muon ? tfa.optimizers.muon({learningRate: 0.02}) : tf.train.adam(0.02);
    model.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    const probe = xs.slice([0, 0], [48, 2]);
    const callbacks = features.dseMonitor ? [tfa.callbacks.dseMonitor({probe, layer: 'kan'})] : [];
    const epochLogs = [];
    callbacks.push(
      new tf.CustomCallback({
        onEpochEnd: async (epoch, logs) => {
          epochLogs.push({...logs});
        },
      }),
    );
    const t0 = performance.now();
    const history = await model.fit(xs, ys, {epochs: 10, batchSize: 32, shuffle: false, callbacks, verbose: 0});
    const backend = tf.getBackend();
    // useFastest in a browser must keep a GPU backend, not fall back to wasm/cpu.
    const fastest = await tfa.backend.useFastest();
    const result = {
      ok: true,
      bundle,
      backend,
      fastest,
      fitMs: Math.round(performance.now() - t0),
      tfjsVersion: tf.version.tfjs,
      tfaVersion: tfa.version,
      features,
      optimizer: optimizer.getClassName(),
      layers: model.layers.map(l => l.getClassName()),
      loss: history.history.loss,
      acc: history.history.acc,
      epochLogKeys: Object.keys(epochLogs[epochLogs.length - 1] || {}),
      dse: history.history.dse || null,
      // fileSystem needs Node: in a browser it must fail with a clear error, not at import.
      fileSystemError: await tfa.io
        .fileSystem('x')
        .load()
        .then(
          () => null,
          e => String(e.message),
        ),
    };
    tf.dispose([xs, labels, ys, probe]);
    model.dispose();
    optimizer.dispose();
    result.tensorsBefore = tensorsBefore;
    result.tensorsAfter = tf.memory().numTensors;
    out.textContent = JSON.stringify(result, null, 2);
    return result;
  } catch (e) {
    const result = {ok: false, bundle, error: String((e && e.stack) || e)};
    out.textContent = JSON.stringify(result, null, 2);
    return result;
  }
}
window.tfaTrain = tfaTrain;
