/**
 * SIREN's sine layer: a dense map followed by sin(ω0·(·)), with SIREN's
 * initialisation by default.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Initializer} from '@tensorflow/tfjs-layers/dist/initializers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {SirenUniform} from '../initializers/winner';
import {bool, fail, integer, knownLastDim, positiveInt, positiveNumber} from '../validate';
import {replaceLastDim, singleInput} from './utils';

type Shape = Array<number | null>;

/** Arguments of {@link Sine}; every field survives getConfig → fromConfig. */
export interface SineArgs extends LayerArgs {
  /** Output width. Required. */
  units: number;
  /** Frequency factor ω0 > 0. Default 30. */
  omega0?: number;
  /** First layer of the network (changes the default kernel init to U(±1/in)). Default false. */
  isFirst?: boolean;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Kernel initializer (e.g. `tfa.initializers.winner(...)`). Default `tfa.initializers.siren({omega0, isFirst, seed})`. */
  kernelInitializer?: Initializer | tf.serialization.ConfigDict | null;
  /** Seed of the default kernel and bias initializers. Null (default): unseeded. */
  seed?: number | null;
}

const WHO = 'Sine';

function isInitializer(value: unknown): value is Initializer {
  return value instanceof tf.serialization.Serializable && typeof (value as {apply?: unknown}).apply === 'function';
}

/** An initializer or its saved `{className, config}` form → an initializer. */
function readInitializer(value: unknown): Initializer {
  if (isInitializer(value)) return value;
  if (value != null && typeof value === 'object' && typeof (value as {className?: unknown}).className === 'string') {
    const {className, config} = value as {className: string; config?: tf.serialization.ConfigDict};
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (entry != null) {
      const init = entry[1](entry[0], config ?? {});
      if (isInitializer(init)) return init;
    }
  }
  return fail(WHO, 'kernelInitializer', 'a tfjs initializer or its {className, config}', value);
}

/**
 * Sine layer of SIREN: `y = sin(ω0·(x·W + b))`.
 * Input `[batch, ..., in]` → output `[batch, ..., units]`.
 * Weights: `kernel [in, units]`, `bias [units]` (if useBias).
 * Default init (SIREN): kernel `U(−1/in, 1/in)` when `isFirst`, else
 * `U(−√(6/in)/ω0, √(6/in)/ω0)`; bias `U(−1/√in, 1/√in)` (PyTorch's
 * `nn.Linear` default, which SIREN keeps). Pass
 * `kernelInitializer: tfa.initializers.winner({target, ...})` on the first
 * two layers for WINNER (SIREN²).
 *
 * Paper: Sitzmann, Martel, Bergman, Lindell & Wetzstein, "Implicit Neural
 * Representations with Periodic Activation Functions", NeurIPS 2020,
 * arXiv:2006.09661; WINNER: Chandravamsi et al., arXiv:2509.09719.
 * Follows: the SIREN² code `models.py` (`SineLayer`, `SIREN.__init__`):
 * `sin(w0·Linear(x))`, first layer `uniform_(−1/in, 1/in)`, hidden
 * `uniform_(−√(6/HL)/w0, √(6/HL)/w0)`.
 * Deviations: the kernel is stored `[in, out]` (PyTorch: `[out, in]`).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const layer = new tfa.layers.Sine({units: 3, omega0: 30, isFirst: true, seed: 1});
 * layer.apply(tf.tensor2d([[0.1], [0.5]])).print(); // sin(30·(xW + b)), [2, 3]
 * ```
 */
export class Sine extends tfl.layers.Layer {
  static className = 'Sine';
  readonly units: number;
  readonly omega0: number;
  readonly isFirst: boolean;
  readonly useBias: boolean;
  readonly seed: number | null;
  private readonly kernelInit: Initializer;
  private readonly customKernelInit: boolean;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: SineArgs) {
    super(args ?? {});
    if (args == null) fail(WHO, 'args', 'an object with units', args);
    this.units = positiveInt(args.units, 'units', WHO);
    this.omega0 = positiveNumber(args.omega0 ?? 30, 'omega0', WHO);
    this.isFirst = bool(args.isFirst ?? false, 'isFirst', WHO);
    this.useBias = bool(args.useBias ?? true, 'useBias', WHO);
    this.seed = args.seed == null ? null : integer(args.seed, 'seed', WHO, 0);
    this.customKernelInit = args.kernelInitializer != null;
    this.kernelInit =
      args.kernelInitializer != null
        ? readInitializer(args.kernelInitializer)
        : new SirenUniform({omega0: this.omega0, isFirst: this.isFirst, seed: this.seed});
  }

  override build(inputShape: Shape | Shape[]): void {
    const inDim = knownLastDim(inputShape, WHO);
    if (this.kernel == null) {
      this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', this.kernelInit);
      if (this.useBias) {
        const b = 1 / Math.sqrt(inDim);
        const init = tfl.initializers.randomUniform({
          minval: -b,
          maxval: b,
          seed: this.seed == null ? undefined : this.seed + 1,
        });
        this.bias = this.addWeight('bias', [this.units], 'float32', init);
      }
    }
    this.inputSpec = [{minNDim: 2, axes: {[-1]: inDim}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return replaceLastDim(inputShape, this.units);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, WHO); // [batch, ..., in]
      const flat = tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D; // [N, in]
      let z = tf.matMul(flat, this.kernel!.read() as tf.Tensor2D); // [N, units]
      if (this.bias != null) z = tf.add(z, this.bias.read());
      const y = tf.sin(tf.mul(z, this.omega0)); // [N, units]
      return tf.reshape(y, [...x.shape.slice(0, -1), this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      omega0: this.omega0,
      isFirst: this.isFirst,
      useBias: this.useBias,
      seed: this.seed,
      kernelInitializer: this.customKernelInit
        ? {className: this.kernelInit.getClassName(), config: this.kernelInit.getConfig()}
        : null,
    };
  }
}

/**
 * SIREN sine layer `sin(ω0·(xW + b))` with SIREN's init; maths and references on {@link Sine}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tfa.layers.sine({units: 32, isFirst: true, inputShape: [1]}),
 *   tfa.layers.sine({units: 32}),
 *   tf.layers.dense({units: 1})]});
 * model.predict(tf.reshape(tf.linspace(-1, 1, 4), [4, 1])).print(); // [4, 1]
 * ```
 * @see Sine
 */
export function sine(args: SineArgs): Sine {
  return new Sine(args);
}

tf.serialization.registerClass(Sine);
