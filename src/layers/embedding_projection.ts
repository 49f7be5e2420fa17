/**
 * OSP's learnable embedding projection: a square dense map with orthogonal
 * initialisation placed right after the token embedding (and before the
 * output head), trained by Muon while the embedding stays on Adam.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {ValueError, bool, describe, integer, knownLastDim, positiveInt, tensorArg} from '../validate';
import {replaceLastDim, singleInput} from './utils';

type Shape = Array<number | null>;

/** Arguments of {@link EmbeddingProjection}; every field survives getConfig → fromConfig. */
export interface EmbeddingProjectionArgs extends LayerArgs {
  /** Output width. Default: the input width d (OSP's square d×d projection). */
  units?: number | null;
  /** Add a bias (OSP: Flax `DenseGeneral` default, yes). Default true. */
  useBias?: boolean;
  /** Seed of the orthogonal initializer. Null (default): unseeded. */
  seed?: number | null;
}

const WHO = 'EmbeddingProjection';

/**
 * Learnable embedding projection of Outlier-Safe Pre-Training (OSP):
 * `y = x·W + b` with W `[d, units]` (square by default) initialised
 * orthogonal (so at initialisation it only rotates the embedding) and b = 0.
 * Place one after `tf.layers.embedding` (OSP's `rot1`) and one before the
 * output head (`rot2`); train their kernels with Muon (`tfa.optimizers.muon`
 * routes rank-2 kernels to Muon and, with `muonExcludeDefaults`, keeps the
 * embedding and head on AdamW). A Muon-trained rotation spreads the
 * per-channel outliers that Adam-trained embeddings develop across channels.
 * After training the projection can be merged into the embedding table:
 * `E' = E·W + b` ({@link EmbeddingProjection.mergeInto}).
 * Input `[batch, ..., d]` → output `[batch, ..., units]`.
 * Weights: `kernel [d, units]`, `bias [units]` (if useBias).
 *
 * Paper: Park et al., "Outlier-Safe Pre-Training for Robust 4-Bit
 * Quantization of Large Language Models", ACL 2025, arXiv:2506.19697
 * (EmbProj; ablation: excess kurtosis 1575 with Muon alone, 703 with
 * EmbProj, 0.04 with SSNorm + EmbProj).
 * Follows: dmis-lab/Outlier-Safe-Pre-Training `example_modeling_flax.py`
 * (`Llama.setup` with `rotated_embed=True`: `rot1`/`rot2 =
 * nn.DenseGeneral(dim, kernel_init=init.orthogonal())`; forward
 * `x = rot1(wte(tokens))`, `logits = head(rot2(norm(x)))`).
 * Deviations: none in the maths; the kernel is `[in, out]` as in Flax.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const proj = new tfa.layers.EmbeddingProjection({seed: 1});
 * const x = tf.randomNormal([2, 6]);
 * console.log(tf.norm(proj.apply(x)).dataSync()[0], tf.norm(x).dataSync()[0]); // equal at init (orthogonal)
 * ```
 */
export class EmbeddingProjection extends tfl.layers.Layer {
  static className = 'EmbeddingProjection';
  readonly units: number | null;
  readonly useBias: boolean;
  readonly seed: number | null;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: EmbeddingProjectionArgs = {}) {
    super(args);
    this.units = args.units == null ? null : positiveInt(args.units, 'units', WHO);
    this.useBias = bool(args.useBias ?? true, 'useBias', WHO);
    this.seed = args.seed == null ? null : integer(args.seed, 'seed', WHO, 0);
    this.supportsMasking = true; // an Embedding's mask (mask_zero) passes through
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = knownLastDim(inputShape, WHO);
    const out = this.units ?? d;
    if (this.kernel == null) {
      this.kernel = this.addWeight(
        'kernel',
        [d, out],
        'float32',
        tfl.initializers.orthogonal({gain: 1, seed: this.seed ?? undefined}),
      );
      if (this.useBias) this.bias = this.addWeight('bias', [out], 'float32', tfl.initializers.zeros());
    }
    this.inputSpec = [{minNDim: 2, axes: {[-1]: d}}];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return replaceLastDim(inputShape, this.units ?? (shape[shape.length - 1] as number));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, WHO); // [batch, ..., d]
      const w = this.kernel!.read() as tf.Tensor2D; // [d, units]
      const flat = tf.reshape(x, [-1, w.shape[0]]) as tf.Tensor2D; // [N, d]
      let y: tf.Tensor = tf.matMul(flat, w); // [N, units]
      if (this.bias != null) y = tf.add(y, this.bias.read());
      return tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1]]);
    });
  }

  /**
   * The embedding table with this projection folded in, `E·W + b` (`[V, units]`
   * for E `[V, d]`), for inference without the extra layer. The caller
   * disposes the result; `embeddings` is not disposed.
   */
  mergeInto(embeddings: tf.Tensor2D): tf.Tensor2D {
    tensorArg(embeddings, 'embeddings', WHO, {rank: 2});
    if (this.kernel == null)
      throw new ValueError(
        `${WHO}: layer '${this.name}' must be built (applied once) before mergeInto, got an unbuilt layer.`,
      );
    const d = this.kernel.shape[0] as number;
    if (embeddings.shape[1] !== d)
      throw new ValueError(`${WHO}: embeddings must have ${d} columns, got ${describe(embeddings)}.`);
    return tf.tidy(() => {
      const y = tf.matMul(embeddings, this.kernel!.read() as tf.Tensor2D); // [V, units]
      return (this.bias == null ? y : tf.add(y, this.bias.read())) as tf.Tensor2D;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), units: this.units, useBias: this.useBias, seed: this.seed};
  }
}

/**
 * OSP's learnable embedding projection (orthogonal-initialised d×d dense); maths and references on {@link EmbeddingProjection}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.embedding({inputDim: 50, outputDim: 16, inputLength: 8}),
 *   tfa.layers.embeddingProjection({seed: 1}),          // OSP rot1, train it with Muon
 *   tf.layers.flatten(),
 *   tf.layers.dense({units: 50, activation: 'softmax'})]});
 * model.predict(tf.zeros([2, 8])).print();
 * ```
 * @see EmbeddingProjection
 */
export function embeddingProjection(args?: EmbeddingProjectionArgs): EmbeddingProjection {
  return new EmbeddingProjection(args);
}

tf.serialization.registerClass(EmbeddingProjection);
