/**
 * SymbolicKAN: a BSplineKAN whose edges can each be numeric (spline), symbolic
 * (`c·f(a·x + b) + d` with trainable a, b, c, d) or pruned (off).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {BSplineKAN} from '../layers/kan/bspline';
import type {BSplineKANArgs} from '../layers/kan/bspline';
import {isLoadingWeights} from '../layers/kan/common';
import {applyOnLastAxis, singleInput} from '../layers/utils';
import {ValueError, describe, finiteNumber, integer, knownLastDim} from '../validate';
import {type EdgePlan, type SymbolicEdge, kanForward} from './edges';
import {type SymbolicFunctionName, symbolicFunction} from './symbolic_library';

/** Arguments of {@link SymbolicKAN}: those of BSplineKAN plus the edge modes. */
export interface SymbolicKANArgs extends BSplineKANArgs {
  /** Symbolic edges `{input, output, fn}`; their (a, b, c, d) live in the weight `symbolic_affine`. Default none. */
  symbolic?: SymbolicEdge[];
  /** Pruned edges `[input, output]` (contribute 0). Default none. */
  pruned?: Array<[number, number]>;
}

/** Affine parameters of a symbolic edge: `φ(x) = c·f(a·x + b) + d`. */
export interface SymbolicAffine {
  a: number;
  b: number;
  c: number;
  d: number;
}

/** Mode of one edge. */
export type EdgeMode = 'numeric' | 'symbolic' | 'pruned';

const WHO = 'SymbolicKAN';

function edgeList(value: unknown): SymbolicEdge[] {
  if (value == null) return [];
  if (!Array.isArray(value))
    throw new ValueError(`${WHO}: symbolic must be a list of {input, output, fn}, got ${describe(value)}.`);
  return value.map((e, q) => {
    const r = e as Partial<SymbolicEdge>;
    return {
      input: integer(r?.input, `symbolic[${q}].input`, WHO),
      output: integer(r?.output, `symbolic[${q}].output`, WHO),
      fn: symbolicFunction(r?.fn, WHO, `symbolic[${q}].fn`).name,
    };
  });
}

function prunedList(value: unknown): Array<[number, number]> {
  if (value == null) return [];
  if (!Array.isArray(value))
    throw new ValueError(`${WHO}: pruned must be a list of [input, output] pairs, got ${describe(value)}.`);
  return value.map((e, q) => {
    if (!Array.isArray(e) || e.length !== 2)
      throw new ValueError(`${WHO}: pruned[${q}] must be an [input, output] pair, got ${describe(e)}.`);
    return [integer(e[0], `pruned[${q}][0]`, WHO), integer(e[1], `pruned[${q}][1]`, WHO)];
  });
}

/**
 * A B-spline KAN layer with per-edge modes, pykan's numeric + symbolic branch
 * (`KANLayer` + `Symbolic_KANLayer`) in one layer:
 *
 * `y_o = Σ_{i numeric} φ_io(x_i) + Σ_{i symbolic} (c_io·f_io(a_io·x_i + b_io) + d_io) (+ bias_o)`,
 * where φ_io is the BSplineKAN edge (SiLU base + scaled B-spline) and pruned
 * edges contribute 0. Input `[batch, ..., I]` → `[batch, ..., units]`.
 * Weights: those of BSplineKAN plus `symbolic_affine [I, O, 4]` (trainable;
 * (a, b, c, d) per edge, used by symbolic edges only). Edge modes and
 * functions are config (`symbolic`, `pruned`) and survive save/load.
 * Built by `tfa.kan.prune` / `tfa.kan.toSymbolic`; edges are switched by
 * `tfa.kan.fixSymbolic` / `autoSymbolic` or {@link SymbolicKAN.setEdge}.
 *
 * Paper: Liu et al., "KAN: Kolmogorov–Arnold Networks", 2024, arXiv:2404.19756 (§2.5.1).
 * Follows: KindXiaoming/pykan `kan/Symbolic_KANLayer.py` @ ecde4ec, `forward`,
 * and `kan/MultKAN.py` `fix_symbolic`/`set_mode`.
 * Deviations:
 * - One mode per edge ('numeric', 'symbolic' or 'pruned'); pykan also has 'sn' (both branches summed).
 * - The forward uses finite versions of singular functions off their domain
 *   (`symbolicTensorFn`: e.g. sign(u)·√|u|, ln|u|), as pykan's
 *   `singularity_avoiding=True` does; pykan trains with the raw functions by default.
 * - Layouts are `[in, out, …]`; pykan's symbolic layer is indexed `[out][in]`.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.kan.SymbolicKAN({units: 1, symbolic: [{input: 0, output: 0, fn: 'sin'}], pruned: [[1, 0]]});
 * layer.apply(tf.zeros([1, 2])); // builds the layer
 * console.log(layer.getClassName(), layer.edgeMode(0, 0), layer.edgeFunction(0, 0), layer.edgeMode(1, 0)); // SymbolicKAN symbolic sin pruned
 * ```
 */
export class SymbolicKAN extends BSplineKAN {
  static override className = 'SymbolicKAN';
  private symbolic: Map<string, SymbolicFunctionName> = new Map();
  private pruned: Set<string> = new Set();
  private affine: tfl.LayerVariable | null = null; // [I, O, 4]
  private inDim = -1;

  constructor(args: SymbolicKANArgs) {
    super(args);
    for (const e of edgeList(args.symbolic)) this.symbolic.set(`${e.input},${e.output}`, e.fn);
    for (const [i, o] of prunedList(args.pruned)) this.pruned.add(`${i},${o}`);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    const loading = isLoadingWeights(this);
    for (const key of [...this.symbolic.keys(), ...this.pruned]) {
      const [i, o] = key.split(',').map(Number);
      if (i >= inDim || o >= this.units) {
        throw new ValueError(`${WHO}: edge (${i}, ${o}) is out of range for ${inDim} inputs and ${this.units} units.`);
      }
    }
    super.build(inputShape);
    this.inDim = inDim;
    this.affine = this.addWeight('symbolic_affine', [inDim, this.units, 4], 'float32', tfl.initializers.zeros());
    if (!loading) {
      // Identity affine (a, b, c, d) = (1, 0, 1, 0) on every edge.
      const w = this.affine;
      tf.tidy(() => {
        w.write(tf.tile(tf.tensor3d([1, 0, 1, 0], [1, 1, 4]), [inDim, this.units, 1]));
      });
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      applyOnLastAxis(singleInput(inputs, WHO), x => kanForward(this, x, this.edgePlan(), false) as tf.Tensor2D),
    );
  }

  /** How each edge is computed now (read by the forward pass and by `tfa.kan` tools). */
  edgePlan(): EdgePlan {
    this.assertEdgeApi('edgePlan');
    const mask = new Float32Array(this.inDim * this.units).fill(1);
    const symbolic: SymbolicEdge[] = [];
    for (const [key, fn] of this.symbolic) {
      const [i, o] = key.split(',').map(Number);
      mask[i * this.units + o] = 0;
      symbolic.push({input: i, output: o, fn});
    }
    for (const key of this.pruned) {
      const [i, o] = key.split(',').map(Number);
      mask[i * this.units + o] = 0;
    }
    return {
      numericMask: mask,
      symbolic,
      affine: symbolic.length > 0 ? (this.affine as tfl.LayerVariable).read() : null,
    };
  }

  /** The mode of edge (i, o). */
  edgeMode(i: number, o: number): EdgeMode {
    this.checkEdge(i, o, 'edgeMode');
    const key = `${i},${o}`;
    if (this.symbolic.has(key)) return 'symbolic';
    return this.pruned.has(key) ? 'pruned' : 'numeric';
  }

  /** The symbolic function of edge (i, o), or null when the edge is not symbolic. */
  edgeFunction(i: number, o: number): SymbolicFunctionName | null {
    this.checkEdge(i, o, 'edgeFunction');
    return this.symbolic.get(`${i},${o}`) ?? null;
  }

  /** The affine parameters (a, b, c, d) stored for edge (i, o). Synchronous (reads the weight). */
  edgeAffine(i: number, o: number): SymbolicAffine {
    this.checkEdge(i, o, 'edgeAffine');
    const v = tf.tidy(() => tf.slice((this.affine as tfl.LayerVariable).read(), [i, o, 0], [1, 1, 4]));
    const [a, b, c, d] = Array.from(v.dataSync());
    v.dispose();
    return {a, b, c, d};
  }

  /**
   * Sets edge (i, o): `'numeric'` (spline), `'pruned'` (off), or a library
   * function name (symbolic, with `affine`, default (1, 0, 1, 0)). Takes effect
   * at the next call, also inside a compiled model.
   */
  setEdge(i: number, o: number, mode: 'numeric' | 'pruned' | SymbolicFunctionName, affine?: SymbolicAffine): void {
    this.checkEdge(i, o, 'setEdge');
    const key = `${i},${o}`;
    this.symbolic.delete(key);
    this.pruned.delete(key);
    if (mode === 'pruned') {
      this.pruned.add(key);
    } else if (mode !== 'numeric') {
      const fn = symbolicFunction(mode, WHO, 'mode').name;
      const p = affine ?? {a: 1, b: 0, c: 1, d: 0};
      const vals = (['a', 'b', 'c', 'd'] as const).map(n => finiteNumber(p[n], `affine.${n}`, WHO));
      this.symbolic.set(key, fn);
      tf.tidy(() => {
        const w = this.affine as tfl.LayerVariable;
        const sel = new Float32Array(this.inDim * this.units);
        sel[i * this.units + o] = 1;
        const m = tf.tensor3d(sel, [this.inDim, this.units, 1]); // [I, O, 1]: 1 at edge (i, o)
        const row = tf.tensor3d(vals, [1, 1, 4]);
        w.write(tf.add(tf.mul(w.read(), tf.sub(1, m)), tf.mul(m, row)));
      });
    }
  }

  private checkEdge(i: number, o: number, what: string): void {
    this.assertEdgeApi(what);
    integer(i, 'i', WHO, 0, this.inDim - 1);
    integer(o, 'o', WHO, 0, this.units - 1);
  }

  private assertEdgeApi(what: string): void {
    if (!this.built || this.affine == null)
      throw new ValueError(`${WHO}: ${what} needs a built layer (call it on an input first).`);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const symbolic = [...this.symbolic].map(([key, fn]) => {
      const [input, output] = key.split(',').map(Number);
      return {input, output, fn};
    });
    const pruned = [...this.pruned].map(key => key.split(',').map(Number));
    return {...super.getConfig(), symbolic, pruned};
  }
}

/**
 * A B-spline KAN layer with per-edge numeric/symbolic/pruned modes; maths on {@link SymbolicKAN}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.kan.symbolicKAN({units: 1, inputShape: [2], symbolic: [{input: 0, output: 0, fn: 'sin'}]});
 * const model = tf.sequential({layers: [layer]});
 * model.predict(tf.tensor2d([[0.5, 0]])).print(); // sin(0.5) + φ_10(0)
 * ```
 * @see SymbolicKAN
 */
export function symbolicKAN(args: SymbolicKANArgs): SymbolicKAN {
  return new SymbolicKAN(args);
}

tf.serialization.registerClass(SymbolicKAN);
