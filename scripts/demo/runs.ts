/**
 * The demo's runs: one model + optimizer each, built from tfjs-addons pieces
 * looked up by their API.md names. A run whose piece is missing reports it
 * instead of running.
 */
import * as tf from '@tensorflow/tfjs';

import {piece, type LayerFactory, type OptimizerFactory} from './api';

export const INPUT = 784;
export const CLASSES = 10;
/** Hidden width of the MLP baseline: 784-128-10, 101,770 parameters. */
export const MLP_HIDDEN = 128;

export interface BuiltRun {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  optimizerName: string;
  /** Name of the layer whose output dseMonitor reads (the hidden representation). */
  representation: string;
  /** Names of the KAN layers, for the learned-function plots. */
  kanLayers: string[];
}

export interface RunSpec {
  name: string;
  title: string;
  kind: 'mlp' | 'kan';
  /** `tfa.<ns>.<name>` pieces the run needs. */
  needs: Array<[ns: string, name: string]>;
  build(seed: number): BuiltRun;
}

/** Trainable parameters of an `I → h → 10` BSplineKAN (G=5, k=3: base + spline + scaler per edge). */
export function bsplineParams(h: number, gridSize = 5, splineOrder = 3): number {
  const edge = gridSize + splineOrder + 2;
  return INPUT * h * edge + h * CLASSES * edge;
}

/** Trainable parameters of an `I → h → 10` RBFKAN (8 centres, layer norm, base with bias). */
export function rbfParams(h: number, numCenters = 8): number {
  const layer = (i: number, o: number) => 2 * i + i * numCenters * o + i * o + o;
  return layer(INPUT, h) + layer(h, CLASSES);
}

export function mlpParams(hidden = MLP_HIDDEN): number {
  return INPUT * hidden + hidden + hidden * CLASSES + CLASSES;
}

/** The hidden width whose parameter count is closest to the MLP's. */
export function matchWidth(params: (h: number) => number, target = mlpParams()): number {
  let best = 1;
  for (let h = 1; h <= 256; h++) if (Math.abs(params(h) - target) < Math.abs(params(best) - target)) best = h;
  return best;
}

function mlp(seed: number): tf.Sequential {
  return tf.sequential({
    name: 'mlp',
    layers: [
      tf.layers.dense({
        units: MLP_HIDDEN,
        inputShape: [INPUT],
        activation: 'relu',
        name: 'hidden',
        kernelInitializer: tf.initializers.glorotUniform({seed}),
      }),
      tf.layers.dense({
        units: CLASSES,
        activation: 'softmax',
        name: 'head',
        kernelInitializer: tf.initializers.glorotUniform({seed: seed + 1}),
      }),
    ],
  });
}

function kan(factory: LayerFactory, h: number, extra: Record<string, unknown>): tf.Sequential {
  return tf.sequential({
    name: 'kan',
    layers: [
      factory({units: h, inputShape: [INPUT], name: 'hidden', ...extra}),
      factory({units: CLASSES, name: 'head', ...extra}),
      tf.layers.activation({activation: 'softmax', name: 'softmax'}),
    ],
  });
}

const need = <T>(ns: string, name: string): T => {
  const v = piece<T>(ns, name);
  if (v == null) throw new Error(`tfa.${ns}.${name} is not available`);
  return v;
};

export const RUNS: RunSpec[] = [
  {
    name: 'mlp-adam',
    title: 'MLP 784-128-10, Adam (baseline)',
    kind: 'mlp',
    needs: [],
    build: seed => ({
      model: mlp(seed),
      optimizer: tf.train.adam(1e-3),
      optimizerName: 'Adam lr 1e-3',
      representation: 'hidden',
      kanLayers: [],
    }),
  },
  {
    name: 'mlp-muon',
    title: 'MLP 784-128-10, Muon',
    kind: 'mlp',
    needs: [
      ['optimizers', 'muon'],
      ['optimizers', 'muonExcludeDefaults'],
    ],
    build: seed => {
      const model = mlp(seed);
      const exclude = need<(m: tf.LayersModel) => string[]>('optimizers', 'muonExcludeDefaults')(model);
      // Muon on the hidden matrix; the output kernel and biases go to its inner AdamW (Keller Jordan's advice).
      const optimizer = need<OptimizerFactory>('optimizers', 'muon')({learningRate: 0.02, exclude});
      return {
        model,
        optimizer,
        optimizerName: `Muon lr 0.02 (+AdamW for ${exclude.length} excluded kernel(s) and biases)`,
        representation: 'hidden',
        kanLayers: [],
      };
    },
  },
  {
    name: 'mlp-spectra',
    title: 'MLP 784-128-10, SPECTRA',
    kind: 'mlp',
    needs: [['optimizers', 'spectra']],
    build: seed => ({
      model: mlp(seed),
      optimizer: need<OptimizerFactory>('optimizers', 'spectra')({learningRate: 1e-3}),
      optimizerName: 'SPECTRA lr 1e-3, clip 1·(√fanIn+√fanOut)',
      representation: 'hidden',
      kanLayers: [],
    }),
  },
  {
    name: 'bspline-kan',
    title: `BSplineKAN 784-${matchWidth(h => bsplineParams(h))}-10, Adam`,
    kind: 'kan',
    needs: [['layers', 'bsplineKAN']],
    build: () => ({
      model: kan(
        need<LayerFactory>('layers', 'bsplineKAN'),
        matchWidth(h => bsplineParams(h)),
        {},
      ),
      optimizer: tf.train.adam(1e-3),
      optimizerName: 'Adam lr 1e-3',
      representation: 'hidden',
      kanLayers: ['head'],
    }),
  },
  {
    name: 'rbf-kan',
    title: `RBFKAN (FastKAN) 784-${matchWidth(h => rbfParams(h))}-10, Adam`,
    kind: 'kan',
    needs: [['layers', 'rbfKAN']],
    build: () => ({
      model: kan(
        need<LayerFactory>('layers', 'rbfKAN'),
        matchWidth(h => rbfParams(h)),
        {},
      ),
      optimizer: tf.train.adam(1e-3),
      optimizerName: 'Adam lr 1e-3',
      representation: 'hidden',
      kanLayers: ['head'],
    }),
  },
];

/** The pieces of `spec` that are not exported (yet), as `tfa.ns.name` strings. */
export function missingPieces(spec: RunSpec): string[] {
  return spec.needs.filter(([ns, name]) => piece(ns, name) == null).map(([ns, name]) => `tfa.${ns}.${name}`);
}

export function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
