import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

export interface LayerSuiteSpec {
  /** Builds a fresh layer (the suite calls it several times). */
  make: () => tf.layers.Layer;
  /** Input shape without the batch axis, e.g. [3]. */
  inputShape: number[];
  /** Expected output shape without the batch axis. */
  outputShape: number[];
  /** Weight name (last path segment) → shape, in any order; every weight must be listed. */
  weights: Record<string, number[]>;
  /** Input value range for the random input. Default [-1, 1]. */
  range?: [number, number];
  /** Skip the "one fit step changes every trainable weight" check for these weight names. */
  unchangedByFit?: string[];
  batch?: number;
}

const baseName = (w: tf.LayerVariable) => {
  const n = (w as unknown as {originalName: string}).originalName ?? w.name;
  return n.slice(n.lastIndexOf('/') + 1);
};

/**
 * The shared layer test (in the spirit of Keras' run_layer_test): symbolic and
 * concrete shapes, weight names and shapes, config round trip through a real
 * save/load, identical predictions after reload, and one `fit` step that
 * changes every trainable weight. Returns nothing; throws on failure.
 */
export async function runLayerSuite(spec: LayerSuiteSpec): Promise<void> {
  const batch = spec.batch ?? 4;
  const [lo, hi] = spec.range ?? [-1, 1];
  // Symbolic shape.
  const input = tf.input({shape: spec.inputShape});
  const layer = spec.make();
  const out = layer.apply(input) as tf.SymbolicTensor;
  expect(out.shape, 'symbolic output shape').to.deep.equal([null, ...spec.outputShape]);
  const model = tf.model({inputs: input, outputs: out});
  // Weights.
  const names = layer.weights.map(baseName).sort();
  expect(names, 'weight names').to.deep.equal(Object.keys(spec.weights).sort());
  for (const w of layer.weights) {
    expect(w.shape, `shape of ${baseName(w)}`).to.deep.equal(spec.weights[baseName(w)]);
  }
  // Concrete shape.
  const x = tf.randomUniform([batch, ...spec.inputShape], lo, hi, 'float32', 7);
  const y = model.predict(x) as tf.Tensor;
  expect(y.shape, 'concrete output shape').to.deep.equal([batch, ...spec.outputShape]);
  const yData = y.dataSync();
  for (const v of yData) expect(Number.isFinite(v), 'finite output').to.equal(true);
  // Save / load in memory: config and predictions.
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async a => {
      artifacts = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  const loadedLayer = loaded.layers[loaded.layers.length - 1];
  expect(loadedLayer.getClassName()).to.equal(layer.getClassName());
  const strip = (c: tf.serialization.ConfigDict) => {
    const {name: _n, ...rest} = c;
    return rest;
  };
  expect(strip(loadedLayer.getConfig()), 'config after save/load').to.deep.equal(strip(layer.getConfig()));
  const y2 = loaded.predict(x) as tf.Tensor;
  expect(Array.from(y2.dataSync()), 'predictions after save/load').to.deep.equal(Array.from(yData));
  // One fit step changes every trainable weight.
  const before = layer.trainableWeights.map(w => w.read().clone());
  const target = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
  model.compile({optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError'});
  await model.fit(x, target, {epochs: 1, batchSize: batch, verbose: 0});
  layer.trainableWeights.forEach((w, i) => {
    if (spec.unchangedByFit?.includes(baseName(w))) return;
    const delta = tf.tidy(() => tf.max(tf.abs(tf.sub(w.read(), before[i]))).dataSync()[0]);
    expect(delta, `fit step changes ${baseName(w)}`).to.be.greaterThan(0);
  });
  tf.dispose([x, y, y2, target, ...before]);
  loaded.dispose();
  model.dispose();
}

/** Number of trainable scalars of a built layer (countParams() also counts non-trainable ones, e.g. a KAN grid). */
export function trainableParamCount(layer: tf.layers.Layer): number {
  return layer.trainableWeights.reduce((s, w) => s + w.shape.reduce((p: number, q) => p * (q as number), 1), 0);
}
