/**
 * The one argument-checking module of tfjs-addons.
 *
 * Every checker returns the checked value, so constructors read
 * `this.units = positiveInt(args.units, 'units', WHO)`. A failed check throws
 * a {@link ValueError} whose message names the owner, the argument, the rule
 * and the value: `BSplineKAN: gridSize must be a positive integer, got 0.`
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Thrown for an invalid argument, shape, dtype or value.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * try {
 *   tfa.layers.bsplineKAN({units: 0});
 * } catch (e) {
 *   console.log(e instanceof tfa.ValueError, e.message); // true 'BSplineKAN: units must be ...'
 * }
 * ```
 */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Renders a value for an error message (tensors by shape and dtype). */
export function describe(value: unknown): string {
  if (value instanceof tf.Tensor) {
    return `Tensor[shape=[${value.shape.join(',')}], dtype=${value.dtype}]`;
  }
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  if (value === undefined) return 'undefined';
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  try {
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Throws `<who>: <name> must be <rule>, got <value>.` */
export function fail(who: string, name: string, rule: string, value: unknown): never {
  throw new ValueError(`${who}: ${name} must be ${rule}, got ${describe(value)}.`);
}

/** A finite number (not NaN, not ±Infinity). */
export function finiteNumber(
  value: unknown,
  name: string,
  who: string,
  range: {min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean} = {},
): number {
  const {min, max, minExclusive = false, maxExclusive = false} = range;
  const parts: string[] = [];
  if (min != null) parts.push(`${minExclusive ? '>' : '>='} ${min}`);
  if (max != null) parts.push(`${maxExclusive ? '<' : '<='} ${max}`);
  const rule = `a finite number${parts.length > 0 ? ` ${parts.join(' and ')}` : ''}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(who, name, rule, value);
  if (min != null && (minExclusive ? value <= min : value < min)) fail(who, name, rule, value);
  if (max != null && (maxExclusive ? value >= max : value > max)) fail(who, name, rule, value);
  return value;
}

/** A finite number > 0. */
export function positiveNumber(value: unknown, name: string, who: string): number {
  return finiteNumber(value, name, who, {min: 0, minExclusive: true});
}

/** An integer >= `min` (default 0). */
export function integer(value: unknown, name: string, who: string, min = 0, max?: number): number {
  const rule = max == null ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max != null && value > max)) {
    fail(who, name, rule, value);
  }
  return value;
}

/** An integer >= 1. */
export function positiveInt(value: unknown, name: string, who: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(who, name, 'a positive integer', value);
  }
  return value;
}

/** An integer >= 0. */
export function nonNegativeInt(value: unknown, name: string, who: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(who, name, 'a non-negative integer', value);
  }
  return value;
}

/** A boolean. */
export function bool(value: unknown, name: string, who: string): boolean {
  if (typeof value !== 'boolean') fail(who, name, 'a boolean', value);
  return value;
}

/** One of the listed string values. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string, who: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(who, name, `one of ${allowed.map(a => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** A pair `[lo, hi]` of finite numbers with lo < hi. */
export function increasingPair(value: unknown, name: string, who: string): [number, number] {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'number' ||
    typeof value[1] !== 'number' ||
    !Number.isFinite(value[0]) ||
    !Number.isFinite(value[1]) ||
    !(value[0] < value[1])
  ) {
    fail(who, name, 'an increasing pair [lo, hi] of finite numbers', value);
  }
  return [value[0], value[1]];
}

/** Checks a tensor argument's type, rank and dtype; returns it unchanged. */
export function tensorArg<T extends tf.Tensor = tf.Tensor>(
  value: unknown,
  name: string,
  who: string,
  spec: {rank?: number; minRank?: number; dtype?: tf.DataType | tf.DataType[]} = {},
): T {
  if (!(value instanceof tf.Tensor)) fail(who, name, 'a tf.Tensor', value);
  if (value.isDisposed) fail(who, name, 'a tensor that is not disposed', value);
  if (spec.rank != null && value.rank !== spec.rank) {
    fail(who, name, `a tensor of rank ${spec.rank}`, value);
  }
  if (spec.minRank != null && value.rank < spec.minRank) {
    fail(who, name, `a tensor of rank >= ${spec.minRank}`, value);
  }
  if (spec.dtype != null) {
    const dtypes = Array.isArray(spec.dtype) ? spec.dtype : [spec.dtype];
    if (!dtypes.includes(value.dtype)) fail(who, name, `a tensor of dtype ${dtypes.join(' or ')}`, value);
  }
  return value as T;
}

/** Throws when any entry of `data` is NaN or ±Infinity (data already read by the caller). */
export function finiteData(data: ArrayLike<number>, name: string, who: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new ValueError(`${who}: ${name} must contain only finite values, got ${data[i]} at flat index ${i}.`);
    }
  }
}

/** Reads a tensor and checks its values are finite; returns the data. */
export async function finiteTensorData(
  t: tf.Tensor,
  name: string,
  who: string,
): Promise<Float32Array | Int32Array | Uint8Array> {
  const data = (await t.data()) as Float32Array | Int32Array | Uint8Array;
  finiteData(data, name, who);
  return data;
}

type ShapeLike = Array<number | null> | Array<Array<number | null>>;

/** The known size of the last axis of a (single) layer input shape, for `build`. */
export function knownLastDim(inputShape: ShapeLike, who: string, minRank = 2): number {
  const shape = singleShape(inputShape, who);
  if (shape.length < minRank) {
    fail(who, 'input shape', `of rank >= ${minRank}`, shape);
  }
  const last = shape[shape.length - 1];
  if (last == null || last < 1) fail(who, 'input shape', 'known on its last axis', shape);
  return last;
}

/** The single shape of a layer input; rejects a list of shapes. */
export function singleShape(inputShape: ShapeLike, who: string): Array<number | null> {
  if (inputShape.length > 0 && Array.isArray(inputShape[0])) {
    if (inputShape.length !== 1) fail(who, 'input', 'a single tensor', inputShape);
    return inputShape[0] as Array<number | null>;
  }
  return inputShape as Array<number | null>;
}
