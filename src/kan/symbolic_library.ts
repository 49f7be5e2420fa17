/**
 * The library of univariate functions a KAN edge can be replaced by (pykan's
 * `SYMBOLIC_LIB`), each with its complexity, a float64 version for fitting and
 * a float32 tensor version for the layer's forward pass.
 */
import * as tf from '@tensorflow/tfjs-core';

import {ValueError, describe} from '../validate';

/**
 * Names of the built-in symbolic functions (pykan's names; `sgn` is the sign function).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * console.log(tfa.kan.SYMBOLIC_FUNCTIONS.length, tfa.kan.SYMBOLIC_FUNCTIONS.slice(0, 4)); // 19 ['x', 'x^2', 'x^3', 'x^4']
 * ```
 */
export const SYMBOLIC_FUNCTIONS = [
  'x',
  'x^2',
  'x^3',
  'x^4',
  '1/x',
  '1/x^2',
  'sqrt',
  'exp',
  'log',
  'sin',
  'cos',
  'tan',
  'tanh',
  'abs',
  'sgn',
  'arctan',
  'arcsin',
  'gaussian',
  '0',
] as const;
/** The name of a built-in symbolic function (an element of {@link SYMBOLIC_FUNCTIONS}). */
export type SymbolicFunctionName = (typeof SYMBOLIC_FUNCTIONS)[number];

/** One library entry. */
export interface SymbolicFunction {
  /** Library name, e.g. `'sin'`. */
  readonly name: SymbolicFunctionName;
  /** pykan's complexity (`SYMBOLIC_LIB[name][2]`): the ranking penalises complex functions. */
  readonly complexity: number;
  /** The mathematical function in float64; NaN (or ±∞) outside its domain, as torch's raw functions. */
  readonly f64: (u: number) => number;
  /**
   * The float32 version used in the layer's forward pass: equal to `f64` on the
   * domain, finite elsewhere (see `symbolicTensorFn`).
   */
  readonly tensor: (u: tf.Tensor) => tf.Tensor;
}

const EPS = 1e-6;

/** `u` pushed away from 0 to at least `EPS` in magnitude (sign kept, 0 → +EPS). */
function awayFromZero(u: tf.Tensor): tf.Tensor {
  const s = tf.where(tf.greaterEqual(u, 0), tf.onesLike(u), tf.neg(tf.onesLike(u)));
  return tf.mul(s, tf.maximum(tf.abs(u), EPS));
}

const LIB: Record<SymbolicFunctionName, SymbolicFunction> = {
  x: {name: 'x', complexity: 1, f64: u => u, tensor: u => u},
  'x^2': {name: 'x^2', complexity: 2, f64: u => u * u, tensor: u => tf.mul(u, u)},
  'x^3': {name: 'x^3', complexity: 3, f64: u => u * u * u, tensor: u => tf.mul(tf.mul(u, u), u)},
  'x^4': {name: 'x^4', complexity: 3, f64: u => u * u * u * u, tensor: u => tf.square(tf.mul(u, u))},
  '1/x': {name: '1/x', complexity: 2, f64: u => 1 / u, tensor: u => tf.div(1, awayFromZero(u))},
  '1/x^2': {
    name: '1/x^2',
    complexity: 2,
    f64: u => 1 / (u * u),
    tensor: u => tf.div(1, tf.maximum(tf.mul(u, u), EPS * EPS)),
  },
  sqrt: {
    name: 'sqrt',
    complexity: 2,
    f64: u => Math.sqrt(u),
    // Odd extension sign(u)·√|u| outside the domain (pykan's singularity-avoiding version).
    tensor: u => tf.mul(tf.sign(u), tf.sqrt(tf.maximum(tf.abs(u), EPS * EPS))),
  },
  exp: {name: 'exp', complexity: 2, f64: u => Math.exp(u), tensor: u => tf.exp(tf.minimum(u, 80))},
  // ln|u| outside the domain, as pykan's singularity-avoiding version.
  log: {name: 'log', complexity: 2, f64: u => Math.log(u), tensor: u => tf.log(tf.maximum(tf.abs(u), EPS))},
  sin: {name: 'sin', complexity: 2, f64: u => Math.sin(u), tensor: u => tf.sin(u)},
  cos: {name: 'cos', complexity: 2, f64: u => Math.cos(u), tensor: u => tf.cos(u)},
  tan: {name: 'tan', complexity: 3, f64: u => Math.tan(u), tensor: u => tf.tan(u)},
  tanh: {name: 'tanh', complexity: 3, f64: u => Math.tanh(u), tensor: u => tf.tanh(u)},
  abs: {name: 'abs', complexity: 3, f64: u => Math.abs(u), tensor: u => tf.abs(u)},
  sgn: {name: 'sgn', complexity: 3, f64: u => Math.sign(u), tensor: u => tf.sign(u)},
  arctan: {name: 'arctan', complexity: 4, f64: u => Math.atan(u), tensor: u => tf.atan(u)},
  // Clipped into the open domain (pykan saturates at ±π/2 outside [−1, 1]).
  arcsin: {
    name: 'arcsin',
    complexity: 4,
    f64: u => Math.asin(u),
    tensor: u => tf.asin(tf.clipByValue(u, -1 + EPS, 1 - EPS)),
  },
  gaussian: {name: 'gaussian', complexity: 3, f64: u => Math.exp(-u * u), tensor: u => tf.exp(tf.neg(tf.mul(u, u)))},
  '0': {name: '0', complexity: 0, f64: () => 0, tensor: u => tf.zerosLike(u)},
};

/**
 * The library entry named `name`; throws a ValueError naming `argName` for an unknown name.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const f = tfa.kan.symbolicFunction('sin', 'example');
 * console.log(f.name, f.complexity, f.f64(Math.PI / 2)); // sin 2 1
 * ```
 */
export function symbolicFunction(name: unknown, who: string, argName = 'fn'): SymbolicFunction {
  if (typeof name !== 'string' || !(SYMBOLIC_FUNCTIONS as readonly string[]).includes(name)) {
    throw new ValueError(`${who}: ${argName} must be one of ${SYMBOLIC_FUNCTIONS.join(', ')}, got ${describe(name)}.`);
  }
  return LIB[name as SymbolicFunctionName];
}

/**
 * Checks a `library` option: a non-empty list of distinct library names.
 * `null`/`undefined` gives the default: every function except `'0'` (pykan
 * includes `'0'`, which with its ranking replaces weak edges by zero; prune
 * edges explicitly instead).
 */
export function libraryArg(value: unknown, who: string): SymbolicFunction[] {
  if (value == null) return SYMBOLIC_FUNCTIONS.filter(n => n !== '0').map(n => LIB[n]);
  if (!Array.isArray(value) || value.length === 0 || new Set(value).size !== value.length) {
    throw new ValueError(
      `${who}: library must be a non-empty list of distinct function names, got ${describe(value)}.`,
    );
  }
  return value.map((n, i) => symbolicFunction(n, who, `library[${i}]`));
}

const clampAway = (u: number) => (u >= 0 ? Math.max(u, EPS) : Math.min(u, -EPS));

/** Float64 twins of the tensor versions (same finite values off the domain), for float64 refits of the forward pass. */
const SAFE64: Partial<Record<SymbolicFunctionName, (u: number) => number>> = {
  '1/x': u => 1 / clampAway(u),
  '1/x^2': u => 1 / Math.max(u * u, EPS * EPS),
  sqrt: u => Math.sign(u) * Math.sqrt(Math.max(Math.abs(u), EPS * EPS)),
  exp: u => Math.exp(Math.min(u, 80)),
  log: u => Math.log(Math.max(Math.abs(u), EPS)),
  arcsin: u => Math.asin(Math.min(Math.max(u, -1 + EPS), 1 - EPS)),
};

/** The function the layer's forward pass computes, in float64 (see `symbolicTensorFn`). */
export function symbolicSafeFn(name: SymbolicFunctionName): (u: number) => number {
  return SAFE64[name] ?? LIB[name].f64;
}

/**
 * The float32 tensor version of a library function, as the layer's forward
 * pass uses it. It equals the mathematical function on its domain; outside it
 * stays finite: `1/x`, `1/x²` with |u| ≥ 1e-6, `sqrt` → sign(u)·√|u|,
 * `log` → ln max(|u|, 1e-6), `exp(min(u, 80))`, `arcsin` clipped to ±(1 − 1e-6).
 * The caller disposes the result.
 */
export function symbolicTensorFn(name: SymbolicFunctionName): (u: tf.Tensor) => tf.Tensor {
  return LIB[name].tensor;
}
