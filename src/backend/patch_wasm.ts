/**
 * `patchWasm`: makes tfjs-backend-wasm 4.x fast and complete for training.
 */
import * as tf from '@tensorflow/tfjs-core';

import {
  conv2DBackpropFilter,
  depthwiseConv2dNativeBackpropFilter,
  depthwiseConv2dNativeBackpropInput,
} from './wasm/conv_grads';
import {withoutTransposeFlags} from './wasm/matmul';
import {unsortedSegmentSum} from './wasm/segment_sum';

/** One change the patch makes to the wasm kernel registry. */
interface Change {
  kernelName: string;
  /**
   * 'wrap': replace the registered kernel by a wrapper around it.
   * 'add': register a kernel wasm lacks (skipped when wasm has its own).
   */
  kind: 'wrap' | 'add';
  make(original: tf.KernelConfig | undefined): tf.KernelConfig;
}

function added(kernelName: string, kernelFunc: tf.KernelFunc): Change {
  return {kernelName, kind: 'add', make: () => ({kernelName, backendName: 'wasm', kernelFunc})};
}

const CHANGES: Change[] = [
  {
    kernelName: 'BatchMatMul',
    kind: 'wrap',
    make: o => withoutTransposeFlags(o as tf.KernelConfig),
  },
  {
    kernelName: '_FusedMatMul',
    kind: 'wrap',
    make: o => withoutTransposeFlags(o as tf.KernelConfig),
  },
  added('Conv2DBackpropFilter', conv2DBackpropFilter),
  added('DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dNativeBackpropFilter),
  added('DepthwiseConv2dNativeBackpropInput', depthwiseConv2dNativeBackpropInput),
  added('UnsortedSegmentSum', unsortedSegmentSum),
];

/** What was registered for wasm before the patch, by kernel name (undefined: nothing). */
const replaced = new Map<string, tf.KernelConfig | undefined>();

function wasmRegistered(): boolean {
  return tf.findBackendFactory('wasm') != null || tf.getKernel('BatchMatMul', 'wasm') != null;
}

/**
 * Patches the registered wasm backend (`@tensorflow/tfjs-backend-wasm`) so it
 * trains fast and completely, and returns the names of the kernels this call
 * changed or added:
 *
 * - `BatchMatMul`, `_FusedMatMul`: the `transposeA`/`transposeB` flags
 *   become explicit `Transpose` kernels before the original kernel runs
 *   (tfjs-wasm 4.22's flagged path is ~8-10x slower; every Dense backward
 *   pass takes it). Same results up to float32 summation order.
 *
 * Idempotent: a second call changes nothing and returns `[]`. Where the wasm
 * backend is not registered (its package not imported) it does nothing and
 * returns `[]`; import `@tensorflow/tfjs-backend-wasm` first, or use
 * `tfa.backend.useFastest()`, which patches when it picks wasm. Call it
 * before or after `tf.setBackend('wasm')`; it affects only the wasm backend.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * require('@tensorflow/tfjs-backend-wasm');
 * const tfa = require('tfjs-addons');
 * console.log(tfa.backend.patchWasm()); // ['BatchMatMul', '_FusedMatMul', ...]
 * console.log(tfa.backend.patchWasm()); // [] (already patched)
 * ```
 */
export function patchWasm(): string[] {
  if (!wasmRegistered()) return [];
  const changed: string[] = [];
  for (const change of CHANGES) {
    if (replaced.has(change.kernelName)) continue;
    const original = tf.getKernel(change.kernelName, 'wasm') ?? undefined;
    if (change.kind === 'wrap' && original == null) continue;
    if (change.kind === 'add' && original != null) continue; // wasm has its own now
    const config = change.make(original);
    if (original != null) tf.unregisterKernel(change.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelName: change.kernelName,
      backendName: 'wasm',
    });
    replaced.set(change.kernelName, original);
    changed.push(change.kernelName);
  }
  return changed;
}

/**
 * Undoes {@link patchWasm}: re-registers the wasm kernels it replaced and
 * unregisters the ones it added; returns their names. Internal (used by the
 * bench's stock-vs-patched comparison and by tests), not part of `tfa.backend`.
 */
export function unpatchWasm(): string[] {
  const restored: string[] = [];
  for (const [name, original] of replaced) {
    if (tf.getKernel(name, 'wasm') != null) tf.unregisterKernel(name, 'wasm');
    if (original != null) tf.registerKernel(original);
    restored.push(name);
  }
  replaced.clear();
  return restored;
}

/** True when {@link patchWasm} is in effect (internal). */
export function wasmPatched(): boolean {
  return replaced.size > 0;
}
