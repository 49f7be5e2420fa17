/**
 * Shared benchmark plumbing: every bench/<area>.ts exports
 * `run(ctx: BenchContext): Promise<BenchRow[]>`, and bench/index.ts (issue 8)
 * runs them all and prints one table of ratios measured in the same run.
 */
import * as tf from '@tensorflow/tfjs';

export interface BenchRow {
  /** Area, e.g. 'kan', 'optimizers', 'linalg'. */
  area: string;
  /** What was measured, e.g. 'BSplineKAN fwd+bwd, batch 256'. */
  what: string;
  /** The baseline measured in the same run, e.g. 'Dense (equal params)'. */
  baseline: string;
  /** Measured value and the baseline's, in `unit` (ms unless said). */
  value: number;
  baselineValue: number;
  unit: string;
  /** value / baselineValue (or another ratio the row explains). */
  ratio: number;
  /** The target, human readable, e.g. '<= 2.5x'; empty if none. */
  target: string;
  /** Whether the target is met; null when there is no target. */
  met: boolean | null;
  backend: string;
}

export interface BenchContext {
  /** Smaller sizes and fewer repetitions (for a smoke run of the bench). */
  quick: boolean;
}

/**
 * Median wall time in ms of `fn` after `warmup` runs, over `reps` runs.
 * `fn` must finish its work before returning (await data() or dataSync()).
 */
export async function timeIt(
  fn: () => unknown | Promise<unknown>,
  opts: {warmup?: number; reps?: number} = {},
): Promise<number> {
  const warmup = opts.warmup ?? 2;
  const reps = opts.reps ?? 7;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Builds a row from a measured value, its baseline and an optional max-ratio target. */
export function ratioRow(
  fields: Omit<BenchRow, 'ratio' | 'met' | 'target' | 'backend'> & {
    maxRatio?: number;
    minRatio?: number;
    target?: string;
  },
): BenchRow {
  const ratio = fields.value / fields.baselineValue;
  let met: boolean | null = null;
  let target = fields.target ?? '';
  if (fields.maxRatio != null) {
    met = ratio <= fields.maxRatio;
    target = target || `<= ${fields.maxRatio}x`;
  } else if (fields.minRatio != null) {
    met = ratio >= fields.minRatio;
    target = target || `>= ${fields.minRatio}x`;
  }
  const {maxRatio: _a, minRatio: _b, ...rest} = fields;
  return {...rest, ratio, met, target, backend: tf.getBackend()};
}
