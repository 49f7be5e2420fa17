/**
 * The closed-form expression of a fully symbolic KAN (pykan's
 * `symbolic_formula` + `ex_round`), built as a small expression tree of our
 * own: constants folded, affine chains merged, tiny terms dropped.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

import {weightNamed} from '../callbacks/common';
import {ValueError, describe, finiteNumber, integer} from '../validate';
import {kanChain} from './edges';
import {SymbolicKAN} from './symbolic_kan';
import {type SymbolicFunctionName, symbolicFunction} from './symbolic_library';

/** An atom of the expression tree: an input variable, or a library function of a linear combination. */
export type FormulaAtom =
  {kind: 'var'; index: number} | {kind: 'fn'; fn: Exclude<SymbolicFunctionName, 'x' | '0'>; arg: FormulaExpr};

/** A linear combination `constant + Σ coef·atom` (the canonical form every node of a KAN takes). */
export interface FormulaExpr {
  constant: number;
  terms: Array<{coef: number; atom: FormulaAtom}>;
}

/** Options of {@link formula}. */
export interface FormulaOptions {
  /** Names of the model inputs. Default `x_1 … x_I` (pykan's symbols). */
  inputNames?: string[];
  /** Decimals printed; terms and constants with |value| < 0.5·10^−digits are dropped. Integer 0 … 12. Default 4. */
  digits?: number;
}

/** Result of {@link formula}. */
export interface KanFormula {
  /** Plain-text formula (`;`-separated for several outputs), e.g. `exp(sin(3.1416*x_1) + x_2^2)`. */
  text: string;
  /** LaTeX of the same. */
  latex: string;
  /** Per output: the simplified expression (tiny terms dropped, numbers unrounded), its text and LaTeX. */
  outputs: Array<{expr: FormulaExpr; text: string; latex: string}>;
  /** Evaluates the simplified expressions on rows of inputs `[N][I]` → `[N][outputs]` (float64). */
  evaluate(x: number[][]): number[][];
}

const PARITY: Partial<Record<SymbolicFunctionName, 'odd' | 'even'>> = {
  'x^2': 'even',
  'x^3': 'odd',
  'x^4': 'even',
  '1/x': 'odd',
  '1/x^2': 'even',
  sin: 'odd',
  cos: 'even',
  tan: 'odd',
  tanh: 'odd',
  abs: 'even',
  sgn: 'odd',
  arctan: 'odd',
  arcsin: 'odd',
  gaussian: 'even',
};
/** Functions with f(k·u) = g(k)·f(u): powers, abs, sgn. */
const HOMOGENEOUS: Partial<Record<SymbolicFunctionName, (k: number) => number>> = {
  'x^2': k => k * k,
  'x^3': k => k * k * k,
  'x^4': k => k ** 4,
  '1/x': k => 1 / k,
  '1/x^2': k => 1 / (k * k),
  abs: k => Math.abs(k),
  sgn: k => Math.sign(k),
};

const constant = (c: number): FormulaExpr => ({constant: c, terms: []});

function atomKey(a: FormulaAtom): string {
  return a.kind === 'var' ? `v${a.index}` : `${a.fn}(${exprKey(a.arg)})`;
}

function exprKey(e: FormulaExpr): string {
  return `${e.constant}|${e.terms.map(t => `${t.coef}*${atomKey(t.atom)}`).join('+')}`;
}

/** `Σ weights[j]·exprs[j]`, like atoms merged, zero terms removed, terms in a fixed order. */
function combine(exprs: FormulaExpr[], weights: number[]): FormulaExpr {
  let c0 = 0;
  const byKey = new Map<string, {coef: number; atom: FormulaAtom}>();
  exprs.forEach((e, j) => {
    c0 += weights[j] * e.constant;
    for (const t of e.terms) {
      const k = atomKey(t.atom);
      const prev = byKey.get(k);
      if (prev != null) prev.coef += weights[j] * t.coef;
      else byKey.set(k, {coef: weights[j] * t.coef, atom: t.atom});
    }
  });
  const terms = [...byKey.entries()]
    .filter(([, t]) => t.coef !== 0)
    .sort(([a], [b]) => order(a, b))
    .map(([, t]) => t);
  return {constant: c0, terms};
}

/** Variables first, then functions; alphabetical within each. */
function order(a: string, b: string): number {
  const va = a.startsWith('v') ? 0 : 1;
  const vb = b.startsWith('v') ? 0 : 1;
  return va !== vb ? va - vb : a < b ? -1 : a > b ? 1 : 0;
}

/** Reduces `v` into (−p/2, p/2]. */
function reduce(v: number, period: number): number {
  let r = v - period * Math.round(v / period);
  if (r <= -period / 2) r += period;
  return r;
}

/** f(u) as a simplified linear combination. */
export function applyFunction(name: SymbolicFunctionName, u: FormulaExpr): FormulaExpr {
  const f = symbolicFunction(name, 'formula');
  if (name === 'x') return u;
  if (name === '0') return constant(0);
  if (u.terms.length === 0) return constant(f.f64(u.constant));
  let arg = u;
  let outer = 1;
  let outerConst = 0;
  if (name === 'exp' && arg.constant !== 0) {
    // exp(v + c) = e^c·exp(v)
    outer = Math.exp(arg.constant);
    arg = {constant: 0, terms: arg.terms};
  }
  if ((name === 'sin' || name === 'cos') && arg.constant !== 0) {
    // 2π-periodic; sin(v + π) = −sin(v), cos(v + π) = −cos(v): offset into [−π/2, π/2].
    let c = reduce(arg.constant, 2 * Math.PI);
    if (Math.abs(c) > Math.PI / 2) {
      c -= Math.sign(c) * Math.PI;
      outer = -outer;
    }
    arg = {constant: c, terms: arg.terms};
  }
  if (name === 'tan' && arg.constant !== 0) arg = {constant: reduce(arg.constant, Math.PI), terms: arg.terms};
  const hom = HOMOGENEOUS[name];
  if (arg.constant === 0 && arg.terms.length === 1 && arg.terms[0].coef !== 0) {
    const k = arg.terms[0].coef;
    if (hom != null) {
      outer *= hom(k);
      arg = {constant: 0, terms: [{coef: 1, atom: arg.terms[0].atom}]};
    } else if ((name === 'sqrt' || name === 'log') && k > 0) {
      const inner = {constant: 0, terms: [{coef: 1, atom: arg.terms[0].atom}]};
      if (name === 'sqrt') {
        outer *= Math.sqrt(k);
        arg = inner;
      } else {
        outerConst = Math.log(k); // log(k·v) = log k + log v
        arg = inner;
      }
    }
  }
  const parity = PARITY[name];
  if (parity != null && arg.terms.length > 0 && arg.terms[0].coef < 0) {
    arg = combine([arg], [-1]);
    if (parity === 'odd') outer = -outer;
  }
  const atom: FormulaAtom = {kind: 'fn', fn: name as Exclude<SymbolicFunctionName, 'x' | '0'>, arg};
  return {constant: outerConst, terms: [{coef: outer, atom}]};
}

/** Drops constants and coefficients with |v| < tol, recursively, rebuilding simplified atoms. */
function dropTiny(e: FormulaExpr, tol: number): FormulaExpr {
  const parts: FormulaExpr[] = [constant(Math.abs(e.constant) < tol ? 0 : e.constant)];
  const weights = [1];
  for (const t of e.terms) {
    if (Math.abs(t.coef) < tol) continue;
    parts.push(
      t.atom.kind === 'var'
        ? {constant: 0, terms: [{coef: 1, atom: t.atom}]}
        : applyFunction(t.atom.fn, dropTiny(t.atom.arg, tol)),
    );
    weights.push(t.coef);
  }
  const out = combine(parts, weights);
  if (Math.abs(out.constant) < tol) out.constant = 0;
  return out;
}

/** Evaluates an expression (float64, the functions' mathematical definitions). */
export function evaluateExpr(e: FormulaExpr, x: ArrayLike<number>): number {
  let s = e.constant;
  for (const t of e.terms) {
    s +=
      t.coef *
      (t.atom.kind === 'var'
        ? x[t.atom.index]
        : symbolicFunction(t.atom.fn, 'formula').f64(evaluateExpr(t.atom.arg, x)));
  }
  return s;
}

function num(v: number, digits: number): string {
  const r = Number(v.toFixed(digits));
  return String(r === 0 ? 0 : r);
}

interface Printer {
  digits: number;
  names: string[];
  latex: boolean;
}

function printAtom(a: FormulaAtom, p: Printer): string {
  if (a.kind === 'var') return p.names[a.index];
  const inner = printExpr(a.arg, p);
  const simple =
    a.arg.constant === 0 &&
    a.arg.terms.length === 1 &&
    a.arg.terms[0].atom.kind === 'var' &&
    num(a.arg.terms[0].coef, p.digits) === '1';
  const paren = (s: string) => (simple ? s : p.latex ? `\\left(${s}\\right)` : `(${s})`);
  const call = (fn: string, s: string) => (p.latex ? `${fn}\\left(${s}\\right)` : `${fn}(${s})`);
  const pow = (n: number) => (p.latex ? `${paren(inner)}^{${n}}` : `${paren(inner)}^${n}`);
  switch (a.fn) {
    case 'x^2':
      return pow(2);
    case 'x^3':
      return pow(3);
    case 'x^4':
      return pow(4);
    case '1/x':
      return p.latex ? `\\frac{1}{${inner}}` : `1/${paren(inner)}`;
    case '1/x^2':
      return p.latex ? `\\frac{1}{${paren(inner)}^{2}}` : `1/${paren(inner)}^2`;
    case 'sqrt':
      return p.latex ? `\\sqrt{${inner}}` : `sqrt(${inner})`;
    case 'gaussian':
      return p.latex ? `e^{-${paren(inner)}^{2}}` : `exp(-${paren(inner)}^2)`;
    case 'sgn':
      return p.latex ? call('\\operatorname{sgn}', inner) : call('sgn', inner);
    case 'abs':
      return p.latex ? `\\left|${inner}\\right|` : call('abs', inner);
    case 'arctan':
      return call(p.latex ? '\\arctan' : 'atan', inner);
    case 'arcsin':
      return call(p.latex ? '\\arcsin' : 'asin', inner);
    default:
      return call(p.latex ? `\\${a.fn}` : a.fn, inner);
  }
}

function printExpr(e: FormulaExpr, p: Printer): string {
  const parts: string[] = [];
  for (const t of e.terms) {
    const c = num(t.coef, p.digits);
    const body = printAtom(t.atom, p);
    const neg = c.startsWith('-');
    const mag = neg ? c.slice(1) : c;
    const term = mag === '1' ? body : `${mag}${p.latex ? ' ' : '*'}${body}`;
    parts.push(parts.length === 0 ? (neg ? `-${term}` : term) : neg ? ` - ${term}` : ` + ${term}`);
  }
  const c0 = num(e.constant, p.digits);
  if (c0 !== '0' || parts.length === 0) {
    parts.push(parts.length === 0 ? c0 : c0.startsWith('-') ? ` - ${c0.slice(1)}` : ` + ${c0}`);
  }
  return parts.join('');
}

function latexName(n: string): string {
  const m = /^([A-Za-z]+)_?(\d+)$/.exec(n);
  return m != null ? `${m[1]}_{${m[2]}}` : n;
}

/**
 * The formula of a model whose KAN edges are all symbolic or pruned (pykan
 * `symbolic_formula` followed by `ex_round`): node values are built layer by
 * layer as linear combinations of atoms (variables and library functions of
 * linear combinations), with every edge `c·f(a·u + b) + d` applied to its
 * input node's expression and the bias added. Simplifications, applied at
 * every step: constants folded; equal atoms merged (affine chains collapse,
 * numbers distribute over sums); `exp(v + c) = e^c·exp(v)`; odd/even
 * functions take a positive leading coefficient; powers, abs and sgn pull out
 * a monomial's factor (`(k·v)² = k²·v²`); `sin`/`cos` offsets reduced into
 * [−π/2, π/2] (`sin(v + π) = −sin v`), `tan` offsets into (−π/2, π/2]; then
 * every coefficient or constant with |value| < 0.5·10^−digits is dropped
 * (recursively, re-simplifying). Throws a ValueError if an active edge is still
 * numeric. Synchronous (reads the weights).
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.kan.symbolicKAN({units: 1, inputShape: [2],
 *   symbolic: [{input: 0, output: 0, fn: 'sin'}, {input: 1, output: 0, fn: 'x^2'}]});
 * const model = tf.sequential({layers: [layer]});
 * console.log(tfa.kan.formula(model, {inputNames: ['x', 'y']}).text); // 'sin(x) + y^2'
 * ```
 */
export function formula(model: tfl.LayersModel, opts: FormulaOptions = {}): KanFormula {
  const who = 'formula';
  const layers = kanChain(model, who);
  const inDim = (weightNamed(layers[0], 'grid')?.shape[0] ?? 0) as number;
  const digits = integer(opts.digits ?? 4, 'digits', who, 0, 12);
  const names = opts.inputNames ?? Array.from({length: inDim}, (_, i) => `x_${i + 1}`);
  if (!Array.isArray(names) || names.length !== inDim || names.some(n => typeof n !== 'string' || n.length === 0)) {
    throw new ValueError(`${who}: inputNames must be ${inDim} non-empty strings, got ${describe(opts.inputNames)}.`);
  }
  let nodes: FormulaExpr[] = Array.from({length: inDim}, (_, i) => ({
    constant: 0,
    terms: [{coef: 1, atom: {kind: 'var', index: i} as FormulaAtom}],
  }));
  layers.forEach((layer, l) => {
    if (!(layer instanceof SymbolicKAN)) {
      throw new ValueError(
        `${who}: every layer must be a SymbolicKAN with symbolic edges, got layer ${l} '${layer.name}' of class ${layer.getClassName()}.`,
      );
    }
    const numeric: string[] = [];
    const bias = layer.useBias ? Array.from(weightNamed(layer, 'bias')?.read().dataSync() ?? []) : [];
    const outs: FormulaExpr[] = [];
    for (let o = 0; o < layer.units; o++) {
      const parts: FormulaExpr[] = [constant(bias[o] ?? 0)];
      nodes.forEach((u, i) => {
        const mode = layer.edgeMode(i, o);
        if (mode === 'numeric') numeric.push(`(${i}, ${o})`);
        if (mode !== 'symbolic') return;
        const fn = layer.edgeFunction(i, o) as SymbolicFunctionName;
        const {a, b, c, d} = layer.edgeAffine(i, o);
        parts.push(combine([applyFunction(fn, combine([u, constant(1)], [a, b])), constant(1)], [c, d]));
      });
      outs.push(
        combine(
          parts,
          parts.map(() => 1),
        ),
      );
    }
    if (numeric.length > 0) {
      throw new ValueError(
        `${who}: layer ${l} '${layer.name}' still has numeric edges ${numeric.join(', ')} (fix them with fixSymbolic/autoSymbolic, or prune them).`,
      );
    }
    nodes = outs;
  });
  const tol = 0.5 * 10 ** -digits;
  finiteNumber(tol, 'digits', who);
  const outputs = nodes.map(e => {
    const expr = dropTiny(dropTiny(e, tol), tol);
    return {
      expr,
      text: printExpr(expr, {digits, names, latex: false}),
      latex: printExpr(expr, {digits, names: names.map(latexName), latex: true}),
    };
  });
  const join = (k: 'text' | 'latex') =>
    outputs.length === 1
      ? outputs[0][k]
      : outputs.map((o, j) => `y_${j + 1} = ${o[k]}`).join(k === 'text' ? '; ' : ',\\quad ');
  return {
    text: join('text'),
    latex: join('latex'),
    outputs,
    evaluate: (x: number[][]) => x.map(row => outputs.map(o => evaluateExpr(o.expr, row))),
  };
}
