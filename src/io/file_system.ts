/**
 * A Node file-system `IOHandler` that needs no tfjs-node.
 */
import * as tf from '@tensorflow/tfjs-core';

import {ValueError} from '../validate';

const WHO = 'fileSystem';
const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

type NodeFs = typeof import('fs');
type NodePath = typeof import('path');

function nodeModules(): {fs: NodeFs; path: NodePath} {
  // Loaded lazily so that importing tfjs-addons in a browser does not pull in fs.
  const req = typeof require === 'function' ? require : undefined;
  if (req == null || typeof process === 'undefined' || process.versions?.node == null) {
    throw new ValueError(`${WHO}: needs Node.js (fs); in a browser use tf.io.browserDownloads or indexeddb://.`);
  }
  return {fs: req('fs') as NodeFs, path: req('path') as NodePath};
}

/**
 * Saves and loads a LayersModel as `model.json` + `weights.bin`, the same files
 * that tfjs-node's `file://` handler writes and reads (optimizer weights included
 * when saved with `includeOptimizer: true`).
 *
 * Saving: `path` is a directory; it is created if needed. The two files are first
 * written to a fresh sibling directory and then swapped in by rename, so a failed
 * save leaves any earlier model at `path` intact.
 * Loading: `path` is the `model.json` file (as with `file://`) or its directory.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [3]})]});
 * const dir = require('os').tmpdir() + '/tfa-example-model';
 * model.save(tfa.io.fileSystem(dir)).then(async () => {
 *   const loaded = await tf.loadLayersModel(tfa.io.fileSystem(dir + '/model.json'));
 *   console.log(loaded.layers.length); // 1
 * });
 * ```
 */
export function fileSystem(path: string): tf.io.IOHandler {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ValueError(`${WHO}: path must be a non-empty string, got ${JSON.stringify(path)}.`);
  }
  return new FileSystemHandler(path);
}

class FileSystemHandler implements tf.io.IOHandler {
  constructor(private readonly target: string) {}

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    const {fs, path} = nodeModules();
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new ValueError(`${WHO}: binary model topologies (GraphModel protobuf) are not supported.`);
    }
    const dir = path.resolve(this.target);
    const weightsManifest: tf.io.WeightsManifestConfig = [{paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? []}];
    const modelJSON: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology ?? {},
      weightsManifest,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
    };
    if (artifacts.trainingConfig != null) modelJSON.trainingConfig = artifacts.trainingConfig;
    if (artifacts.signature != null) modelJSON.signature = artifacts.signature;
    if (artifacts.userDefinedMetadata != null) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
    if (artifacts.modelInitializer != null) modelJSON.modelInitializer = artifacts.modelInitializer;
    const weights =
      artifacts.weightData == null ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);

    const parent = path.dirname(dir);
    fs.mkdirSync(parent, {recursive: true});
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
      throw new ValueError(`${WHO}: save path must be a directory, got the file '${dir}'.`);
    }
    const stamp = `${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
    const staging = `${dir}.tmp-${stamp}`;
    const old = `${dir}.old-${stamp}`;
    try {
      fs.mkdirSync(staging);
      fs.writeFileSync(path.join(staging, WEIGHTS_BIN), Buffer.from(weights));
      fs.writeFileSync(path.join(staging, MODEL_JSON), JSON.stringify(modelJSON));
      if (fs.existsSync(dir)) {
        // Keep files of ours only; a directory with other content is swapped whole.
        fs.renameSync(dir, old);
      }
      fs.renameSync(staging, dir);
    } catch (e) {
      fs.rmSync(staging, {recursive: true, force: true});
      if (fs.existsSync(old) && !fs.existsSync(dir)) fs.renameSync(old, dir);
      throw e;
    }
    fs.rmSync(old, {recursive: true, force: true});
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        modelTopologyBytes: JSON.stringify(modelJSON.modelTopology).length,
        weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
        weightDataBytes: weights.byteLength,
      },
    };
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const {fs, path} = nodeModules();
    let file = path.resolve(this.target);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, MODEL_JSON);
    if (!fs.existsSync(file)) {
      throw new ValueError(`${WHO}: no model file at '${file}'.`);
    }
    let modelJSON: tf.io.ModelJSON;
    try {
      modelJSON = JSON.parse(fs.readFileSync(file, 'utf8')) as tf.io.ModelJSON;
    } catch (e) {
      throw new ValueError(`${WHO}: '${file}' is not valid JSON (${(e as Error).message}).`);
    }
    if (modelJSON == null || typeof modelJSON !== 'object' || modelJSON.modelTopology == null) {
      throw new ValueError(`${WHO}: '${file}' has no modelTopology; it is not a tfjs model.json.`);
    }
    const dir = path.dirname(file);
    return tf.io.getModelArtifactsForJSON(modelJSON, async manifest => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of manifest ?? []) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const wpath = path.join(dir, p);
          if (!fs.existsSync(wpath)) {
            throw new ValueError(`${WHO}: weight file '${wpath}' named in '${file}' is missing.`);
          }
          const buf = fs.readFileSync(wpath);
          buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
        }
      }
      const data = tf.io.CompositeArrayBuffer.join(buffers);
      const expected = specs.reduce((n, s) => n + byteSize(s), 0);
      if (data.byteLength !== expected) {
        throw new ValueError(
          `${WHO}: weight data in '${dir}' has ${data.byteLength} bytes, but model.json describes ${expected}; the files are corrupt or mismatched.`,
        );
      }
      return [specs, data];
    });
  }
}

const DTYPE_BYTES: Record<string, number> = {float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, float16: 2};

function byteSize(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.quantization != null) {
    const q = spec.quantization.dtype;
    return n * (q === 'uint8' ? 1 : 2);
  }
  if (spec.dtype === 'string') {
    throw new ValueError(`${WHO}: string weights are not supported (weight '${spec.name}').`);
  }
  return n * (DTYPE_BYTES[spec.dtype] ?? 4);
}
