import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {fileSystem} from '../../src/io';

/** A fresh temporary directory, removed by the caller (or left in the OS temp dir). */
export function tempDir(prefix = 'tfa-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Saves `model` through `tfa.io.fileSystem` to a temp dir, reloads it, and
 * asserts identical layer configs (all but `name`), identical weights (every
 * value, same order and shapes) and identical predictions on `x`. Returns the
 * reloaded model; the caller disposes it.
 */
export async function roundTrip(
  model: tf.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  opts: {includeOptimizer?: boolean} = {},
): Promise<tf.LayersModel> {
  const dir = tempDir();
  try {
    await model.save(fileSystem(dir), {includeOptimizer: opts.includeOptimizer ?? false});
    const loaded = await tf.loadLayersModel(fileSystem(path.join(dir, 'model.json')));
    model.layers.forEach((layer, i) => {
      const {name: _a, ...before} = layer.getConfig();
      const {name: _b, ...after} = loaded.layers[i].getConfig();
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        throw new Error(
          `roundTrip: config of layer ${i} (${layer.getClassName()}) changed: ${JSON.stringify(before)} became ${JSON.stringify(after)}`,
        );
      }
    });
    const a = model.getWeights();
    const b = loaded.getWeights();
    if (a.length !== b.length) throw new Error(`roundTrip: ${a.length} weights saved, ${b.length} loaded`);
    a.forEach((w, i) => {
      if (w.shape.join() !== b[i].shape.join()) {
        throw new Error(`roundTrip: weight ${i} shape [${w.shape}] became [${b[i].shape}]`);
      }
      const wa = w.dataSync();
      const wb = b[i].dataSync();
      for (let j = 0; j < wa.length; j++) {
        if (wa[j] !== wb[j] && !(Number.isNaN(wa[j]) && Number.isNaN(wb[j]))) {
          throw new Error(`roundTrip: weight ${i} (${model.weights[i].name}) entry ${j}: ${wa[j]} became ${wb[j]}`);
        }
      }
    });
    const pa = tf.tidy(() => [model.predict(x)].flat() as tf.Tensor[]);
    const pb = tf.tidy(() => [loaded.predict(x)].flat() as tf.Tensor[]);
    try {
      pa.forEach((p, i) => {
        const da = p.dataSync();
        const db = pb[i].dataSync();
        for (let j = 0; j < da.length; j++) {
          if (da[j] !== db[j]) throw new Error(`roundTrip: prediction ${i} entry ${j}: ${da[j]} became ${db[j]}`);
        }
      });
    } finally {
      tf.dispose([...pa, ...pb]);
    }
    return loaded;
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}
