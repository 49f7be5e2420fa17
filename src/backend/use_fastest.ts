/**
 * Backend selection for Node and browsers.
 */
import * as tf from '@tensorflow/tfjs-core';

import {patchWasm as applyWasmPatch} from './patch_wasm';

/** Backends tried by {@link useFastest} in Node, fastest first. */
export const BACKEND_PREFERENCE = ['tensorflow', 'wasm', 'cpu'] as const;

/** Backends tried by {@link useFastest} in a browser, fastest first (the GPU ones when registered). */
export const BROWSER_BACKEND_PREFERENCE = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

function inNode(): boolean {
  return typeof process !== 'undefined' && process.versions?.node != null;
}

/** Options of {@link useFastest}. */
export interface UseFastestOptions {
  /**
   * When wasm is selected, apply {@link patchWasm} (fast transposed matMul,
   * the missing training kernels). Defaults to true; pass false for stock
   * tfjs-backend-wasm.
   */
  patchWasm?: boolean;
}

/**
 * Switches tfjs to the fastest backend available and returns its name:
 * `'tensorflow'` (tfjs-node, when the user has loaded it), else `'wasm'`
 * (`@tensorflow/tfjs-backend-wasm`, loaded here if installed), else `'cpu'`.
 * In a browser the order is webgpu > webgl > wasm > cpu (GPU backends only
 * when their package is loaded; webgl ships with `@tensorflow/tfjs`).
 * A backend that is registered but fails to initialise is skipped.
 * When it selects wasm it also applies {@link patchWasm} unless
 * `{patchWasm: false}` is passed.
 *
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * tfa.backend.useFastest().then(name => console.log('backend:', name, tf.getBackend() === name));
 * // stock wasm kernels, no patch:
 * tfa.backend.useFastest({patchWasm: false}).then(name => console.log(name));
 * ```
 */
export async function useFastest({patchWasm = true}: UseFastestOptions = {}): Promise<string> {
  const order: readonly string[] = inNode() ? BACKEND_PREFERENCE : BROWSER_BACKEND_PREFERENCE;
  for (const name of order) {
    if (name === 'wasm' && tf.findBackendFactory('wasm') == null) await tryLoadWasm();
    if (tf.findBackendFactory(name) == null) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (patchWasm && tf.getBackend() === 'wasm') applyWasmPatch();
        return tf.getBackend();
      }
    } catch {
      // An unavailable backend (e.g. wasm without its binary) falls through to the next.
    }
  }
  throw new Error('useFastest: no tfjs backend could be initialised (not even cpu).');
}

async function tryLoadWasm(): Promise<void> {
  try {
    // A dynamic import keeps the wasm package optional and out of bundles that do not want it.
    await import('@tensorflow/tfjs-backend-wasm');
  } catch {
    // Not installed: the caller falls back to cpu.
  }
}
