/**
 * Mocha root hooks: every test file runs on the backend named by TFA_BACKEND
 * (default 'cpu'; 'wasm' for the smoke set tagged @wasm, see README). On wasm
 * the suite runs with tfa.backend.patchWasm() applied.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import {patchWasm} from '../src/backend/patch_wasm';

export const TEST_BACKEND = process.env.TFA_BACKEND ?? 'cpu';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    const ok = await tf.setBackend(TEST_BACKEND);
    if (!ok) throw new Error(`test setup: backend '${TEST_BACKEND}' failed to initialise`);
    await tf.ready();
    // The wasm smoke set runs on the patched backend, as users get it from
    // tfa.backend.useFastest() (fast transposed matMul, conv/embedding gradients).
    if (TEST_BACKEND === 'wasm') patchWasm();
  },
  // A test that leaves another backend active would silently move every later
  // test to it: restore, and fail the culprit by name.
  async afterEach(this: Mocha.Context): Promise<void> {
    const now = tf.getBackend();
    if (now !== TEST_BACKEND) {
      await tf.setBackend(TEST_BACKEND);
      throw new Error(`test '${this.currentTest?.fullTitle()}' left the backend on '${now}'`);
    }
  },
};
