/**
 * Periodic grid refits of B-spline KAN layers to their input activations
 * (pykan's `update_grid_from_samples` schedule).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {ValueError, describe, finiteNumber, integer, positiveInt} from '../validate';
import {
  ActivationProbe,
  type MetricRecord,
  RecordSink,
  type RecordSinkArgs,
  checkProbeAgainstModel,
  layerByName,
  layerNamesArg,
  probeArg,
  singleSymbolic,
  warnOnce,
  weightNamed,
} from './common';

/** Arguments of {@link KanGridUpdate}. */
export interface KanGridUpdateArgs extends RecordSinkArgs {
  /** Inputs of the model whose activations define the grids (e.g. the training x or a subset). Never disposed. */
  data: tf.Tensor | tf.Tensor[];
  /** Update at the start of every `every`-th epoch (epochs 0, every, 2·every, …). Default 1. */
  every?: number;
  /** Update only during the first `stopAfter` epochs (pykan's `stop_grid_update_step`). Default Infinity. */
  stopAfter?: number;
  /**
   * Layers to update (a name that is not a BSplineKAN throws); default every
   * BSplineKAN layer of the model (none: warns once and does nothing).
   */
  layers?: string[];
  /** Padding of the uniform part of the new grid (BSplineKAN.updateGrid). Default 0.01. */
  margin?: number;
  /** Blend of uniform vs quantile knots (BSplineKAN.updateGrid). Default 0.02. */
  gridEps?: number;
}

const DEFAULTS = {every: 1, stopAfter: Infinity, margin: 0.01, gridEps: 0.02} as const;
const WHO = 'kanGridUpdate';

/** The part of BSplineKAN this callback uses. */
interface GridUpdatable extends tfl.layers.Layer {
  updateGrid(x: tf.Tensor, opts: {margin?: number; gridEps?: number}): void;
}

/**
 * At the start of epochs 0, `every`, 2·`every`, … below `stopAfter`, computes
 * each BSplineKAN layer's input activations on `data` (all layers first, from
 * the same weights, then all updates) and calls `layer.updateGrid(x, {margin,
 * gridEps})`, which moves the knots to the data's quantiles (blended with a
 * uniform grid) and refits the spline coefficients so the function is kept.
 * Writes JSONL records `grid_min` / `grid_max` (the new interior range over the
 * layer's inputs). Nothing is written to the epoch logs. With the default
 * `layers` on a model without BSplineKAN layers it warns once and does
 * nothing (training is never aborted).
 *
 * Paper: Liu et al., "KAN: Kolmogorov–Arnold Networks", 2024, arXiv:2404.19756 (grid extension/update, §2.5).
 * Follows: KindXiaoming/pykan `kan/MultKAN.py` `fit` (`update_grid`,
 * `grid_update_num`, `stop_grid_update_step`: update when `step % freq == 0
 * and step < stop`) and Blealtan/efficient-kan `KANLinear.update_grid`
 * (through `BSplineKAN.updateGrid`).
 * Deviations: the schedule counts epochs instead of optimizer steps (tfjs
 * callbacks see epochs natively; per-batch refits would stall training).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [tfa.layers.bsplineKAN({units: 1, inputShape: [2]})]});
 * model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
 * const x = tf.randomUniform([32, 2], -3, 3, 'float32', 1);
 * const cb = new tfa.callbacks.KanGridUpdate({data: x, every: 1, stopAfter: 2});
 * model.fit(x, tf.sum(tf.sin(x), 1, true), {epochs: 3, verbose: 0, callbacks: [cb]})
 *   .then(() => console.log(cb.updates)); // 2 (epochs 0 and 1)
 * ```
 */
export class KanGridUpdate extends tfl.Callback {
  readonly every: number;
  readonly stopAfter: number;
  readonly margin: number;
  readonly gridEps: number;
  /** Number of updates done in the current fit. */
  updates = 0;
  private readonly dataX: tf.Tensor | tf.Tensor[];
  private readonly layerNames: string[] | null;
  private readonly sink: RecordSink;
  private targets: GridUpdatable[] = [];
  private runner: ActivationProbe | null = null;

  constructor(args: KanGridUpdateArgs) {
    super();
    if (args == null) throw new ValueError(`${WHO}: args must be an object with data, got ${describe(args)}.`);
    this.dataX = probeArg(args.data, 'data', WHO, 1);
    this.every = positiveInt(args.every ?? DEFAULTS.every, 'every', WHO);
    const stop = args.stopAfter ?? DEFAULTS.stopAfter;
    this.stopAfter = stop === Infinity ? Infinity : integer(stop, 'stopAfter', WHO, 1);
    this.margin = finiteNumber(args.margin ?? DEFAULTS.margin, 'margin', WHO, {min: 0});
    this.gridEps = finiteNumber(args.gridEps ?? DEFAULTS.gridEps, 'gridEps', WHO, {min: 0, max: 1});
    this.layerNames = args.layers == null ? null : layerNamesArg(args.layers, WHO);
    this.sink = new RecordSink(args, WHO);
  }

  override async onTrainBegin(): Promise<void> {
    this.updates = 0;
    checkProbeAgainstModel(this.model, this.dataX, 'data', WHO);
    const isKan = (l: tfl.layers.Layer) =>
      l.getClassName() === 'BSplineKAN' && typeof (l as Partial<GridUpdatable>).updateGrid === 'function';
    let targets: tfl.layers.Layer[];
    if (this.layerNames != null) {
      targets = this.layerNames.map(name => {
        const l = layerByName(this.model, name, WHO);
        if (!isKan(l))
          throw new ValueError(`${WHO}: layer '${name}' must be a BSplineKAN layer, got class ${l.getClassName()}.`);
        return l;
      });
    } else {
      targets = this.model.layers.filter(isKan);
      if (targets.length === 0) {
        warnOnce(
          this,
          'no-kan',
          `${WHO}: nothing to update: the model has no BSplineKAN layer (layers: ${this.model.layers.map(l => `'${l.name}' (${l.getClassName()})`).join(', ')}); set the 'layers' argument to name BSplineKAN layers. No grid is updated.`,
        );
        this.targets = [];
        this.runner = null;
        return;
      }
    }
    this.targets = targets as GridUpdatable[];
    this.runner = new ActivationProbe(
      this.model,
      targets.map(l => singleSymbolic(l.input, `input of layer '${l.name}'`, WHO)),
    );
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (epoch % this.every !== 0 || epoch >= this.stopAfter || this.targets.length === 0) return;
    await this.update(epoch);
  }

  /** Refits every target layer's grid now (inputs computed before any layer changes). */
  async update(epoch = -1): Promise<void> {
    if (this.runner == null) throw new ValueError(`${WHO}: update() needs the model; it runs during fit.`);
    const inputs = this.runner.run(this.dataX); // one [N, I] per layer
    const records: MetricRecord[] = [];
    try {
      this.targets.forEach((layer, i) => {
        layer.updateGrid(inputs[i], {margin: this.margin, gridEps: this.gridEps});
      });
      for (const layer of this.targets) {
        const grid = weightNamed(layer, 'grid');
        if (grid == null) continue;
        const k = Number(layer.getConfig().splineOrder);
        const [inDim, m] = grid.shape as number[];
        const range = tf.tidy(() => {
          const g = grid.read();
          return tf.stack([tf.min(tf.slice(g, [0, k], [inDim, 1])), tf.max(tf.slice(g, [0, m - 1 - k], [inDim, 1]))]);
        });
        const [lo, hi] = await range.data();
        range.dispose();
        records.push(
          {epoch, metric: 'grid_min', layer: layer.name, value: lo},
          {epoch, metric: 'grid_max', layer: layer.name, value: hi},
        );
      }
    } finally {
      tf.dispose(inputs);
    }
    this.updates++;
    this.sink.emit(records);
  }

  override async onTrainEnd(): Promise<void> {
    this.runner = null;
  }
}

/**
 * Factory of {@link KanGridUpdate}: refits BSplineKAN grids to the data during the first epochs.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.bsplineKAN({units: 4, inputShape: [2]}), tfa.layers.bsplineKAN({units: 1})]});
 * model.compile({optimizer: 'adam', loss: 'meanSquaredError'});
 * const x = tf.randomUniform([64, 2], -3, 3, 'float32', 1);
 * const cb = tfa.callbacks.kanGridUpdate({data: x, every: 2, stopAfter: 4});
 * model.fit(x, tf.sum(tf.sin(x), 1, true), {epochs: 6, verbose: 0, callbacks: [cb]})
 *   .then(() => console.log(cb.updates)); // 2 (epochs 0 and 2)
 * ```
 * @see KanGridUpdate
 */
export function kanGridUpdate(args: KanGridUpdateArgs): KanGridUpdate {
  return new KanGridUpdate(args);
}
