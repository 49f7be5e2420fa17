/**
 * Looks up the tfjs-addons pieces the demo and bench use by their API.md
 * names, without making the scripts fail to load when a piece has not landed
 * yet: a missing piece is `undefined`, and callers print "not available"
 * instead of a number.
 */
import type * as tf from '@tensorflow/tfjs';

import * as tfa from '../../src';

type Namespace = Record<string, unknown>;

/** `tfa.<ns>.<name>` typed as `T`, or undefined when it is not exported (yet). */
export function piece<T>(ns: string, name: string): T | undefined {
  const space = (tfa as unknown as Record<string, Namespace | undefined>)[ns];
  const v = space?.[name];
  return v == null ? undefined : (v as T);
}

export type LayerFactory = (args: Record<string, unknown>) => tf.layers.Layer;
export type OptimizerFactory = (args?: Record<string, unknown>) => tf.Optimizer;
export type CallbackFactory = (args: Record<string, unknown>) => tf.CustomCallback;
export type MetricCurves = (source: unknown, options?: Record<string, unknown>) => string;
export type SpectrumPlot = (eigenvalues: ArrayLike<number>, options?: Record<string, unknown>) => string;
export type KanPlot = (layer: tf.layers.Layer, options?: Record<string, unknown>) => string | Promise<string>;
export interface WeightSpectrumResult {
  alpha: number;
  eigenvalues: ArrayLike<number>;
  [k: string]: unknown;
}
export type WeightSpectrum = (w: tf.Tensor) => Promise<WeightSpectrumResult>;

export {tfa};
