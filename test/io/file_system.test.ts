import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {fileSystem} from '../../src/io';
import {roundTrip, tempDir} from '../helpers/roundtrip';

function smallModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 5,
        inputShape: [3],
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
      }),
      tf.layers.dense({units: 2, kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
    ],
  });
  model.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
  return model;
}

describe('io.fileSystem', () => {
  it('round-trips a model with its Adam state and writes tfjs-node file:// layout @wasm', async () => {
    const model = smallModel();
    const x = tf.randomNormal([8, 3], 0, 1, 'float32', 5);
    const y = tf.randomNormal([8, 2], 0, 1, 'float32', 6);
    await model.fit(x, y, {epochs: 2, verbose: 0});
    const dir = tempDir();
    await model.save(fileSystem(dir), {includeOptimizer: true});
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['model.json', 'weights.bin']);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).to.deep.equal(['weights.bin']);
    const names: string[] = json.weightsManifest[0].weights.map((w: {name: string}) => w.name);
    expect(names.some(n => n.includes('/m'))).to.equal(true); // Adam slots saved
    expect(json.trainingConfig.loss).to.equal('mean_squared_error');
    const loaded = await tf.loadLayersModel(fileSystem(path.join(dir, 'model.json')));
    const optWeights = await (loaded.optimizer as tf.Optimizer).getWeights();
    const origWeights = await (model.optimizer as tf.Optimizer).getWeights();
    expect(optWeights.length).to.equal(origWeights.length);
    optWeights.forEach((w, i) =>
      expect(Array.from(w.tensor.dataSync())).to.deep.equal(Array.from(origWeights[i].tensor.dataSync())),
    );
    // (tfjs' own Adam does not save accBeta1/accBeta2, so its trajectory after a
    // reload differs slightly; exact resume is tested for our optimizers.)
    (await roundTrip(model, x)).dispose();
    fs.rmSync(dir, {recursive: true, force: true});
    tf.dispose([x, y]);
  });

  it('loads from the directory as well as from model.json', async () => {
    const model = smallModel();
    const dir = tempDir();
    await model.save(fileSystem(dir));
    const loaded = await tf.loadLayersModel(fileSystem(dir));
    expect(loaded.layers.length).to.equal(2);
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('gives clear errors for a missing, corrupt or truncated model', async () => {
    const dir = tempDir();
    await expectReject(tf.loadLayersModel(fileSystem(path.join(dir, 'nope', 'model.json'))), /no model file at/);
    await smallModel().save(fileSystem(dir));
    const bin = path.join(dir, 'weights.bin');
    fs.writeFileSync(bin, fs.readFileSync(bin).subarray(0, 10));
    await expectReject(tf.loadLayersModel(fileSystem(dir)), /has 10 bytes, but model.json describes \d+/);
    fs.rmSync(bin);
    await expectReject(tf.loadLayersModel(fileSystem(dir)), /weight file .*weights.bin.* is missing/);
    fs.writeFileSync(path.join(dir, 'model.json'), '{"modelTop');
    await expectReject(tf.loadLayersModel(fileSystem(dir)), /is not valid JSON/);
    fs.rmSync(dir, {recursive: true, force: true});
    expect(() => fileSystem('')).to.throw(/path must be a non-empty string/);
  });

  it('leaves the previous model intact when a save fails', async () => {
    const dir = tempDir();
    const good = smallModel();
    await good.save(fileSystem(dir));
    const before = fs.readFileSync(path.join(dir, 'weights.bin'));
    // weights.bin is staged first; serialising model.json then fails.
    const failing: tf.io.ModelArtifacts = {
      modelTopology: {
        toJSON: () => {
          throw new Error('disk full (simulated)');
        },
      },
      weightSpecs: [],
      weightData: new ArrayBuffer(8),
    };
    await expectReject(fileSystem(dir).save!(failing), /disk full/);
    expect(fs.readFileSync(path.join(dir, 'weights.bin')).equals(before)).to.equal(true);
    expect(fs.readdirSync(path.dirname(dir)).filter(f => f.startsWith(path.basename(dir) + '.'))).to.deep.equal([]);
    fs.rmSync(dir, {recursive: true, force: true});
  });
});

async function expectReject(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect((e as Error).message).to.match(re);
    return;
  }
  throw new Error(`expected rejection matching ${re}`);
}
