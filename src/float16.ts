import * as tf from '@tensorflow/tfjs-core';

/**
 * Whether the active backend keeps tensors in float16: `webgl` on a device
 * without float32 render targets, or with `WEBGL_FORCE_F16_TEXTURES` set
 * (tfjs then reports `WEBGL_RENDER_FLOAT32_ENABLED` false). Every op result
 * is rounded to half precision (unit roundoff 4.9e-4). The arguments exist
 * for tests; by default they read tfjs' active backend and flags. A flag that
 * is not registered (no webgl package loaded) counts as float32. Internal
 * (not exported from the package); its effect is the warning of
 * {@link warnIfFloat16}, checked end to end by test/browser/parity.test.ts.
 */
export function float16Active(
  backend: string = tf.getBackend(),
  flag: (name: string) => boolean = name => tf.env().getBool(name),
): boolean {
  if (backend !== 'webgl') return false;
  try {
    return !flag('WEBGL_RENDER_FLOAT32_ENABLED');
  } catch {
    return false;
  }
}

const warned = new Set<string>();

/**
 * Warns once per component (console.warn) when float16 storage is active
 * (see {@link float16Active}) for a component measured to lose float32
 * accuracy there (docs/guide/backends.md, "Browser backends"). Returns
 * whether it warned.
 */
export function warnIfFloat16(who: string, consequence: string, active: boolean = float16Active()): boolean {
  if (!active || warned.has(who)) return false;
  warned.add(who);
  console.warn(
    `${who}: the webgl backend stores tensors as float16 here (WEBGL_RENDER_FLOAT32_ENABLED is false); ${consequence} ` +
      'Use float32 textures or the wasm backend for full accuracy (docs/guide/backends.md, "Browser backends").',
  );
  return true;
}
