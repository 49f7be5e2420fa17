/**
 * CRReLU, the correction-regularised ReLU of the EAFO paper, as a layer with a
 * learnable ε and as the fixed-ε activation string `'crrelu'`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Initializer} from '@tensorflow/tfjs-layers/dist/initializers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {fail, finiteNumber, integer, singleShape} from '../validate';
import {singleInput} from './utils';

/** Arguments of {@link CRReLU}; every field survives getConfig → fromConfig. */
export interface CRReLUArgs extends LayerArgs {
  /**
   * Initial value of ε: a finite number (a constant initializer) or a tfjs
   * initializer (`tf.initializers.randomNormal({...})`). Default 0.01, as the
   * EAFO re-implementations (`nn.Parameter(torch.tensor(0.01))`).
   */
  epsilonInitializer?: number | Initializer;
  /**
   * Axes (1-based, as PReLU: axis 1 is the first non-batch axis) along which ε
   * is shared. Unset (default): one scalar ε `[]` for the whole layer, as the
   * paper. Set: ε has the input shape without the batch axis, with 1 at each
   * shared axis, e.g. `[1, 2]` on NHWC input gives a per-channel ε `[1, 1, C]`
   * (our extension), and `[]` gives one ε per unit.
   */
  sharedAxes?: number | number[] | null;
}

const DEFAULTS = {epsilon: 0.01} as const;
const WHO = 'CRReLU';

/** `ReLU(x) + ε·x·exp(−x²/2)` on tensors (ε broadcast against x). */
function crreluOp(x: tf.Tensor, epsilon: tf.Tensor | number): tf.Tensor {
  const bump = tf.mul(x, tf.exp(tf.mul(tf.square(x), -0.5))); // x·e^{−x²/2}, same shape as x
  return tf.add(tf.relu(x), tf.mul(epsilon, bump));
}

function isInitializer(value: unknown): value is Initializer {
  return (
    value instanceof tf.serialization.Serializable &&
    typeof (value as unknown as {apply?: unknown}).apply === 'function'
  );
}

/** Reads `epsilonInitializer`: a number, an initializer, or its saved `{className, config}` form. */
function toInitializer(value: unknown): {init: Initializer; saved: number | tf.serialization.ConfigDict} {
  if (typeof value === 'number') {
    const v = finiteNumber(value, 'epsilonInitializer', WHO);
    return {init: tfl.initializers.constant({value: v}), saved: v};
  }
  if (isInitializer(value)) {
    return {init: value, saved: {className: value.getClassName(), config: value.getConfig()}};
  }
  if (value != null && typeof value === 'object' && typeof (value as {className?: unknown}).className === 'string') {
    const {className, config} = value as {className: string; config?: tf.serialization.ConfigDict};
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (entry != null) {
      const [cls, fromConfig] = entry;
      const init = fromConfig(cls, config ?? {});
      if (isInitializer(init)) return {init, saved: {className, config: init.getConfig()}};
    }
  }
  return fail(WHO, 'epsilonInitializer', 'a finite number or a tfjs initializer', value);
}

/**
 * CRReLU activation with a learnable correction coefficient ε.
 *
 * `y = ReLU(x) + ε·x·exp(−x²/2)`; ∂y/∂x = 1[x>0] + ε(1 − x²)e^{−x²/2}, ∂y/∂ε = x·e^{−x²/2}.
 * Input any shape `[batch, ...]` → output the same shape.
 * Weights: `epsilon []` (default), or the input shape without batch with 1 at
 * every `sharedAxes` entry.
 *
 * Paper: Sun, Wu et al., "A Method on Searching Better Activation Functions"
 * (EAFO; ICLR 2025 as "Entropy-based Activation Function Optimization"), 2024,
 * arXiv:2405.12954.
 * Follows: no official code was found; the formula and ε init 0.01 follow two
 * independent re-implementations that agree (`ml_networks.torch.activations.CRReLU`
 * and a standalone snippet), `forward`.
 * Deviations:
 * - `sharedAxes` (a per-channel or per-unit ε) is our extension; the paper and
 *   the re-implementations use one scalar ε per activation module.
 * - No ε constraint argument: tfjs `fit` ignores weight constraints (tfjs#3345).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.CRReLU();
 * layer.apply(tf.tensor1d([-1, 0, 1])).print(); // ReLU(x) + ε·x·exp(−x²/2), ε = 0.01 initially
 * console.log(layer.getClassName(), layer.countParams()); // CRReLU 1 (the learnable ε)
 * ```
 */
export class CRReLU extends tfl.layers.Layer {
  static className = 'CRReLU';
  readonly sharedAxes: number[] | null;
  private readonly epsilonInit: Initializer;
  private readonly epsilonSaved: number | tf.serialization.ConfigDict;
  private epsilon: tfl.LayerVariable | null = null;

  constructor(args: CRReLUArgs = {}) {
    super(args); // on load args also carries `customObjects`: read only own fields
    const {init, saved} = toInitializer(args.epsilonInitializer ?? DEFAULTS.epsilon);
    this.epsilonInit = init;
    this.epsilonSaved = saved;
    const axes = args.sharedAxes;
    if (axes == null) {
      this.sharedAxes = null;
    } else {
      const list = typeof axes === 'number' ? [axes] : axes;
      if (!Array.isArray(list)) fail(WHO, 'sharedAxes', 'an axis or an array of axes >= 1', axes);
      list.forEach(a => integer(a, 'sharedAxes', WHO, 1));
      this.sharedAxes = [...list];
    }
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = singleShape(inputShape, WHO);
    let paramShape: number[] = [];
    if (this.sharedAxes != null) {
      for (const a of this.sharedAxes) {
        if (a >= shape.length) {
          fail(
            WHO,
            'sharedAxes',
            `axes in [1, ${shape.length - 1}] for input shape [${shape.map(d => (d == null ? 'null' : d)).join(',')}]`,
            this.sharedAxes,
          );
        }
      }
      paramShape = shape.slice(1).map((d, i) => {
        if (this.sharedAxes!.includes(i + 1)) return 1;
        if (d == null)
          fail(
            WHO,
            'input shape',
            `known on every non-shared axis (sharedAxes ${JSON.stringify(this.sharedAxes)})`,
            shape,
          );
        return d;
      });
      const axes: {[axis: number]: number} = {};
      paramShape.forEach((d, i) => {
        if (!this.sharedAxes!.includes(i + 1)) axes[i + 1] = d;
      });
      this.inputSpec = [new tfl.InputSpec({ndim: shape.length, axes})];
    }
    this.epsilon = this.addWeight('epsilon', paramShape, 'float32', this.epsilonInit);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => crreluOp(singleInput(inputs, WHO), this.epsilon!.read())); // [batch, ...]
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), epsilonInitializer: this.epsilonSaved, sharedAxes: this.sharedAxes};
  }
}

/**
 * CRReLU with learnable ε (scalar by default); maths and references on {@link CRReLU}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 4, inputShape: [3]}),
 *   tfa.layers.crrelu(),                      // learnable scalar ε, init 0.01
 *   tf.layers.dense({units: 2, activation: 'crrelu'}), // fixed ε = 0.01
 * ]});
 * model.predict(tf.ones([2, 3])).print(); // a [2, 2] tensor
 * ```
 * @see CRReLU
 */
export function crrelu(args?: CRReLUArgs): CRReLU {
  return new CRReLU(args);
}

/**
 * The activation string `'crrelu'`: `ReLU(x) + 0.01·x·exp(−x²/2)` with fixed ε.
 *
 * Registered under the class name `'crrelu'`, so any tfjs layer that takes an
 * activation accepts it (`tf.layers.dense({units, activation: 'crrelu'})`) and
 * a model using it saves and reloads. TypeScript callers need a cast
 * (`'crrelu' as any`): tfjs' `ActivationIdentifier` is a closed union.
 * Pass the string, not an instance: tfjs only accepts instances of its own
 * (unexported) `Activation` base class.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * new tfa.layers.CRReLUActivation().apply(tf.tensor1d([-1, 0, 1])).print(); // [-0.0060653, 0, 1.0060653]
 * // usual use, by name: tf.layers.dense({units: 2, activation: 'crrelu'})
 * console.log(tfa.layers.CRReLUActivation.className); // crrelu
 * ```
 */
export class CRReLUActivation extends tf.serialization.Serializable {
  static className = 'crrelu';
  /** Applies the fixed-ε CRReLU; the caller disposes the result. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => crreluOp(x, DEFAULTS.epsilon));
  }
  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

tf.serialization.registerClass(CRReLUActivation);
tf.serialization.registerClass(CRReLU);
