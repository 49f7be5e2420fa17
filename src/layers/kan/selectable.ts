/**
 * SelectableKAN: several KAN bases side by side, mixed per input-output edge
 * by a softmax over learned logits, folded into one kernel (one matMul).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {
  bool,
  fail,
  finiteNumber,
  increasingPair,
  knownLastDim,
  nonNegativeInt,
  oneOf,
  positiveInt,
  positiveNumber,
  ValueError,
} from '../../validate';
import {applyOnLastAxis, replaceLastDim, singleInput} from '../utils';
import {bsplineBasis, chebyshevBasis, fourierBasis, rbfBasis, rbfGrid, uniformGrid} from './basis';
import {basisMatMul} from './common';

/** Candidate bases of {@link SelectableKAN}. */
export const SELECTABLE_KAN_BASES = ['bspline', 'chebyshev', 'rbf', 'fourier'] as const;
/** One candidate basis name of {@link SelectableKAN} (an element of `SELECTABLE_KAN_BASES`). */
export type SelectableKANBasis = (typeof SELECTABLE_KAN_BASES)[number];

/** Arguments of {@link SelectableKAN}; every field survives getConfig → fromConfig. */
export interface SelectableKANArgs extends LayerArgs {
  /** Output width O. Positive integer; required. */
  units: number;
  /** Candidate bases, distinct, in mixing order. Default `['bspline', 'chebyshev', 'rbf', 'fourier']`. */
  bases?: SelectableKANBasis[];
  /** Softmax temperature τ of the mixing weights `softmax(logits/τ)`. Finite, > 0. Default 1. */
  temperature?: number;
  /** B-spline grid size G and Fourier frequency count G. Positive integer. Default 5. */
  gridSize?: number;
  /** B-spline order k. Integer >= 0. Default 3. */
  splineOrder?: number;
  /** Range `[a, b]` of the B-spline grid and of the RBF centres. Increasing pair. Default [-1, 1]. */
  gridRange?: [number, number];
  /** Number of Gaussian RBF centres n. Positive integer. Default 8. */
  numCenters?: number;
  /** Highest Chebyshev degree D (applied to tanh(x)). Integer >= 0. Default 3. */
  degree?: number;
  /** Add a bias `[O]`. Default true. */
  useBias?: boolean;
  /** Whether the layer uses the argmax basis per edge (set by `harden()`). Default false. */
  hardened?: boolean;
  /** Seed for the weight initialisers. Default null (unseeded). */
  seed?: number | null;
}

const DEFAULTS = {
  bases: ['bspline', 'chebyshev', 'rbf', 'fourier'] as SelectableKANBasis[],
  temperature: 1,
  gridSize: 5,
  splineOrder: 3,
  gridRange: [-1, 1] as [number, number],
  numCenters: 8,
  degree: 3,
  useBias: true,
  hardened: false,
};
const WHO = 'SelectableKAN';

function checkBases(value: unknown): SelectableKANBasis[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail(WHO, 'bases', `a non-empty array of ${SELECTABLE_KAN_BASES.map(b => `'${b}'`).join(', ')}`, value);
  }
  const out = value.map((b, i) => oneOf(b, SELECTABLE_KAN_BASES, `bases[${i}]`, WHO));
  if (new Set(out).size !== out.length) fail(WHO, 'bases', 'an array of distinct names', value);
  return out;
}

/**
 * Selectable-basis KAN layer (S-KAN-inspired): every edge (i, o) carries one
 * 1-D function per candidate basis c, and mixes them with weights
 * `α_{i,o,:} = softmax(ℓ_{i,o,:}/τ)` over the candidates:
 *
 * `y_o = β_o + Σ_i Σ_c α_{i,o,c}·Σ_j K^c_{i,j,o}·F^c_j(x_i)`.
 *
 * Candidate features F^c (from `kan/basis.ts`): `'bspline'` efficient-kan
 * B-splines of order k on the uniform grid over `gridRange` (G + k features,
 * zero outside the extended grid); `'chebyshev'` `T_0 … T_D` of `tanh(x)`
 * (D + 1); `'rbf'` Gaussians `exp(−((x − c_j)/h)²)` on `linspace(a, b, n)`,
 * `h = (b − a)/(n − 1)` (n); `'fourier'` `cos(jx), sin(jx)`, j = 1 … G (2G).
 * Because α multiplies the coefficients, the layer folds it into one kernel
 * `[I·Σ n_c, O]` and runs one matMul over the concatenated features.
 * `harden()` replaces α by the one-hot argmax of ℓ per edge (ties: the first
 * basis in `bases`); the logits are then frozen, and the choice survives
 * save/load (`hardened` is in the config, the logits are a weight).
 *
 * Input `[batch, ..., I]` → output `[batch, ..., units]`.
 * Weights: `grid [I, G+2k+1]` (non-trainable, if 'bspline'), `bspline_kernel [I, G+k, O]`,
 * `chebyshev_kernel [I, D+1, O]`, `rbf_kernel [I, n, O]`, `fourier_kernel [I, 2G, O]`
 * (each only if its basis is listed), `selection_logits [I, O, C]` (C = number
 * of bases, initially 0: a uniform mixture), `bias [O]` if `useBias`.
 * Parameters: `I·O·(Σ_c n_c + C) + O`.
 * Kernels are initialised `N(0, 1/(I·n_c))`.
 *
 * Paper: Yang et al., "Activation Space Selectable Kolmogorov-Arnold Networks",
 * 2024, arXiv:2408.08338.
 * Follows: no public S-KAN code exists (the authors' SeriYann/KANConv2d publishes
 * candidate layers but no selection code). This is our design inspired by the
 * paper's abstract: a pool of activation spaces with a learned selection per
 * node. Bases follow `kan/basis.ts` (efficient-kan, FastKAN, ChebyKAN, FourierKAN).
 * Deviations (from what is known of the paper; its selection rule is unverified):
 * - Selection is per edge, by a softmax with fixed temperature; the paper's
 *   rule, granularity and three-phase schedule (full training, selective
 *   training, pruning) could not be verified. `harden()` is our "selective"
 *   step; pruning the unselected coefficients is not implemented (they stay
 *   in the weights, multiplied by 0).
 * - The pool is B-spline, Chebyshev, RBF and Fourier; no wavelet basis.
 * - No SiLU base branch and no LayerNorm (a bias instead).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.SelectableKAN({units: 2, bases: ['bspline', 'fourier'], seed: 1});
 * const y = layer.apply(tf.randomUniform([4, 3], -1, 1)); // builds the layer
 * console.log(layer.getClassName(), y.shape); // SelectableKAN [4, 2]
 * ```
 */
export class SelectableKAN extends tfl.layers.Layer {
  static className = 'SelectableKAN';
  readonly units: number;
  readonly bases: SelectableKANBasis[];
  readonly temperature: number;
  readonly gridSize: number;
  readonly splineOrder: number;
  readonly gridRange: [number, number];
  readonly numCenters: number;
  readonly degree: number;
  readonly useBias: boolean;
  readonly seed: number | null;
  private hardenedFlag: boolean;
  private grid: tfl.LayerVariable | null = null; // [I, G+2k+1]
  private kernels = new Map<SelectableKANBasis, tfl.LayerVariable>(); // [I, n_c, O]
  private logits!: tfl.LayerVariable; // [I, O, C]
  private bias: tfl.LayerVariable | null = null; // [O]

  constructor(args: SelectableKANArgs) {
    super(args);
    this.units = positiveInt(args.units, 'units', WHO);
    this.bases = checkBases(args.bases ?? DEFAULTS.bases);
    this.temperature = positiveNumber(args.temperature ?? DEFAULTS.temperature, 'temperature', WHO);
    this.gridSize = positiveInt(args.gridSize ?? DEFAULTS.gridSize, 'gridSize', WHO);
    this.splineOrder = nonNegativeInt(args.splineOrder ?? DEFAULTS.splineOrder, 'splineOrder', WHO);
    this.gridRange = increasingPair(args.gridRange ?? DEFAULTS.gridRange, 'gridRange', WHO);
    this.numCenters = positiveInt(args.numCenters ?? DEFAULTS.numCenters, 'numCenters', WHO);
    this.degree = nonNegativeInt(args.degree ?? DEFAULTS.degree, 'degree', WHO);
    this.useBias = bool(args.useBias ?? DEFAULTS.useBias, 'useBias', WHO);
    this.hardenedFlag = bool(args.hardened ?? DEFAULTS.hardened, 'hardened', WHO);
    this.seed = args.seed == null ? null : finiteNumber(args.seed, 'seed', WHO);
  }

  /** Whether `harden()` has been applied. */
  get hardened(): boolean {
    return this.hardenedFlag;
  }

  /** Number of features n_c of a basis. */
  basisSize(basis: SelectableKANBasis): number {
    switch (basis) {
      case 'bspline':
        return this.gridSize + this.splineOrder;
      case 'chebyshev':
        return this.degree + 1;
      case 'rbf':
        return this.numCenters;
      case 'fourier':
        return 2 * this.gridSize;
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    if (this.bases.includes('bspline')) {
      const knots = this.gridSize + 2 * this.splineOrder + 1;
      this.grid = this.addWeight('grid', [inDim, knots], 'float32', tfl.initializers.zeros(), undefined, false);
      tf.tidy(() => {
        this.grid!.write(uniformGrid(inDim, this.gridSize, this.splineOrder, this.gridRange));
      });
    }
    for (const [c, b] of this.bases.entries()) {
      const n = this.basisSize(b);
      const seed = this.seed == null ? undefined : this.seed + c;
      const init = tfl.initializers.randomNormal({mean: 0, stddev: 1 / Math.sqrt(inDim * n), seed});
      this.kernels.set(b, this.addWeight(`${b}_kernel`, [inDim, n, this.units], 'float32', init));
    }
    this.logits = this.addWeight(
      'selection_logits',
      [inDim, this.units, this.bases.length],
      'float32',
      tfl.initializers.zeros(),
      undefined,
      !this.hardenedFlag,
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros());
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return replaceLastDim(inputShape, this.units);
  }

  /** Mixing weights `[I, O, C]`: softmax(logits/τ), or the one-hot argmax once hardened. */
  private mixing(): tf.Tensor3D {
    const logits = this.logits.read(); // [I, O, C]
    if (this.hardenedFlag) {
      return tf.cast(tf.oneHot(tf.argMax(logits, 2), this.bases.length), 'float32') as tf.Tensor3D; // [I, O, C]
    }
    return tf.softmax(tf.div(logits, this.temperature)) as tf.Tensor3D; // [I, O, C]
  }

  private features(x: tf.Tensor2D, basis: SelectableKANBasis): tf.Tensor3D {
    switch (basis) {
      case 'bspline':
        return bsplineBasis(x, this.grid!.read() as tf.Tensor2D, this.splineOrder); // [N, I, G+k]
      case 'chebyshev':
        return chebyshevBasis(tf.tanh(x), this.degree); // [N, I, D+1]
      case 'rbf': {
        const {centers, width} = rbfGrid(this.gridRange[0], this.gridRange[1], this.numCenters);
        return rbfBasis(x, centers, width); // [N, I, n]
      }
      case 'fourier':
        return fourierBasis(x, this.gridSize); // [N, I, 2G]
    }
  }

  /**
   * The effective kernel `[I, Σ n_c, O]`: each `K^c` scaled by its mixing
   * weight, concatenated along the basis axis. The caller disposes the result.
   */
  effectiveKernel(): tf.Tensor3D {
    return tf.tidy(() => {
      const alpha = this.mixing(); // [I, O, C]
      const [inDim, units] = alpha.shape;
      const parts = this.bases.map((b, ci) => {
        const a = tf.slice(alpha, [0, 0, ci], [inDim, units, 1]); // [I, O, 1]
        return tf.mul(this.kernels.get(b)!.read(), tf.reshape(a, [inDim, 1, units])); // [I, n_c, O]
      });
      return (parts.length === 1 ? parts[0] : tf.concat(parts, 1)) as tf.Tensor3D; // [I, Σn_c, O]
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() =>
      applyOnLastAxis(singleInput(inputs, WHO), x => {
        const feats = this.bases.map(b => this.features(x, b)); // [N, I, n_c] each
        const all = (feats.length === 1 ? feats[0] : tf.concat(feats, 2)) as tf.Tensor3D; // [N, I, Σn_c]
        const y = basisMatMul(all, this.effectiveKernel()); // [N, O]
        return (this.bias == null ? y : tf.add(y, this.bias.read())) as tf.Tensor2D;
      }),
    );
  }

  /**
   * Keeps, per edge, only the basis with the largest logit (ties: the first
   * listed): from now on the mixing weights are one-hot and the logits are
   * frozen (not trainable, so no optimizer updates them, even in a model
   * compiled before; recompile anyway to avoid tfjs' "discrepancy between
   * trainable weights" warning).
   * Synchronous, no data read. Idempotent.
   */
  harden(): void {
    if (!this.built) throw new ValueError(`${WHO}: harden() needs a built layer; call it on data first.`);
    if (this.hardenedFlag) return;
    this.hardenedFlag = true;
    // Move the logits to the non-trainable list (where a hardened layer built from
    // its config creates them): a Sequential model re-enables every weight of the
    // trainable list on build, and getWeights() keeps the same order as a reload.
    this.logits.trainable = false;
    this._trainableWeights = this._trainableWeights.filter(w => w !== this.logits);
    // `_nonTrainableWeights` is private in tfjs-layers' typings (protected in spirit).
    (this as unknown as {_nonTrainableWeights: tfl.LayerVariable[]})._nonTrainableWeights.push(this.logits);
  }

  /** The selected (argmax) basis per edge as `[I][O]` names. Async: reads the logits. */
  async selectedBases(): Promise<SelectableKANBasis[][]> {
    if (!this.built) throw new ValueError(`${WHO}: selectedBases() needs a built layer.`);
    const idx = tf.argMax(this.logits.read(), 2);
    const rows = (await idx.array()) as number[][];
    idx.dispose();
    return rows.map(r => r.map(c => this.bases[c]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      bases: [...this.bases],
      temperature: this.temperature,
      gridSize: this.gridSize,
      splineOrder: this.splineOrder,
      gridRange: [...this.gridRange],
      numCenters: this.numCenters,
      degree: this.degree,
      useBias: this.useBias,
      hardened: this.hardenedFlag,
      seed: this.seed,
    };
  }
}

/**
 * Selectable-basis KAN layer (our S-KAN-inspired design); maths on {@link SelectableKAN}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = tfa.layers.selectableKAN({units: 2, bases: ['bspline', 'fourier'], inputShape: [3], seed: 1});
 * const model = tf.sequential({layers: [layer]});
 * const x = tf.randomUniform([4, 3], -1, 1);
 * model.predict(x).print(); // uniform mixture of both bases
 * layer.harden();           // keep the argmax basis per edge
 * model.predict(x).print();
 * ```
 * @see SelectableKAN
 */
export function selectableKAN(args: SelectableKANArgs): SelectableKAN {
  return new SelectableKAN(args);
}
tf.serialization.registerClass(SelectableKAN);
