/**
 * Flag-free matMul wrappers for tfjs-backend-wasm.
 *
 * tfjs-wasm 4.22's `BatchMatMul` and `_FusedMatMul` pass `transposeA` /
 * `transposeB` through to XNNPACK, whose transposed path is ~8-10x slower than
 * transposing the operand with wasm's own `Transpose` kernel and multiplying
 * plainly (256x784 · 784x640: 196-271 ms flagged vs 19-21 ms explicit; see
 * issue 11). Every Dense/KAN backward pass takes the flagged path. The
 * wrappers below materialise the transposes, call the ORIGINAL kernel with
 * both flags false, and free the temporaries. Results are identical up to
 * float32 summation order.
 *
 * The `_FusedMatMul` wrapper also fixes a stock bug: with more than one
 * batch matrix, tfjs-wasm 4.22 adds the bias (and PReLU weights) to the
 * wrong rows (`fused.matMul` of ones [3,2,3]·[3,3,4] + [1,2,3,4] gives rows
 * `7,7,7,7`). Batched calls with a bias or PReLU weights therefore run as
 * plain matMul, then `Add` and the activation's own wasm kernel.
 */
import * as tf from '@tensorflow/tfjs-core';

import {composed, KernelScope, WasmBackendLike} from './compose';

/** `perm` swapping the last two axes of a rank-`rank` tensor. */
export function swapLastTwo(rank: number): number[] {
  const perm = Array.from({length: rank}, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/**
 * `original` with its transpose flags turned into explicit `Transpose`
 * kernels; `setupFunc`/`disposeFunc` are the original's (they bind the wasm
 * functions the original kernelFunc calls).
 */
export function withoutTransposeFlags(original: tf.KernelConfig): tf.KernelConfig {
  const fused = original.kernelName === '_FusedMatMul';
  const kernelFunc: tf.KernelFunc = ({inputs, backend, attrs}) => {
    const flags = (attrs ?? {}) as {transposeA?: boolean; transposeB?: boolean};
    if (fused && needsUnfusing(inputs)) return unfused(inputs, backend as WasmBackendLike, attrs ?? {});
    if (!flags.transposeA && !flags.transposeB) return original.kernelFunc({inputs, backend, attrs});
    const scope = new KernelScope(backend as WasmBackendLike);
    try {
      const a = inputs.a as tf.TensorInfo;
      const b = inputs.b as tf.TensorInfo;
      const a2 = flags.transposeA ? scope.transpose(a, swapLastTwo(a.shape.length)) : a;
      const b2 = flags.transposeB ? scope.transpose(b, swapLastTwo(b.shape.length)) : b;
      return original.kernelFunc({
        inputs: {...inputs, a: a2, b: b2},
        backend,
        attrs: {...attrs, transposeA: false, transposeB: false},
      });
    } finally {
      scope.dispose();
    }
  };
  return {...original, kernelFunc};
}

/** Batched (more than one matrix in a or b) fused matMul with a bias or PReLU weights. */
function needsUnfusing(inputs: tf.NamedTensorInfoMap): boolean {
  if (inputs.bias == null && inputs.preluActivationWeights == null) return false;
  const batch = (t: tf.TensorInfo | undefined): number =>
    t == null ? 1 : t.shape.slice(0, -2).reduce((p, n) => p * n, 1);
  return batch(inputs.a) > 1 || batch(inputs.b) > 1;
}

/** `_FusedMatMul` as matMul (no bias, linear, via the flag-free path) + Add + activation kernel. */
function unfused(inputs: tf.NamedTensorInfoMap, backend: WasmBackendLike, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const {activation = 'linear', leakyreluAlpha = 0.2} = attrs as {
    activation?: string;
    leakyreluAlpha?: number;
  };
  return composed(backend, s => {
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    let y = s.matMul(
      attrs.transposeA ? s.transpose(a, swapLastTwo(a.shape.length)) : a,
      attrs.transposeB ? s.transpose(b, swapLastTwo(b.shape.length)) : b,
    );
    if (inputs.bias != null) y = s.add(y, inputs.bias);
    switch (activation) {
      case 'linear':
        return y;
      case 'relu':
        return s.run('Relu', {x: y});
      case 'relu6':
        return s.run('Relu6', {x: y});
      case 'elu':
        return s.run('Elu', {x: y});
      case 'sigmoid':
        return s.run('Sigmoid', {x: y});
      case 'leakyrelu':
        return s.run('LeakyRelu', {x: y}, {alpha: leakyreluAlpha});
      case 'prelu':
        return s.run('Prelu', {
          x: y,
          alpha: inputs.preluActivationWeights as tf.TensorInfo,
        });
      default:
        throw new Error(`patchWasm: _FusedMatMul activation '${activation}' is not supported on wasm.`);
    }
  });
}
