/**
 * Elementwise closeness: |a - e| <= atol + rtol·|e| for every entry.
 * The failure message names the worst entry.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: {rtol?: number; atol?: number} = {},
  what = 'value',
): void {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-6;
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Number.isFinite(a) && !(Number.isNaN(a) && Number.isNaN(e)) && a !== e) {
      throw new Error(`${what}[${i}]: got ${a}, expected ${e}`);
    }
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess || Number.isNaN(excess)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${what}[${worst}]: got ${actual[worst]}, expected ${expected[worst]} ` +
        `(|diff| ${Math.abs(actual[worst] - expected[worst]).toExponential(3)} > atol ${atol} + rtol ${rtol}·|e|)`,
    );
  }
}

/** Largest |a - e| / max(|e|, floor). */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-12): number {
  let m = 0;
  for (let i = 0; i < actual.length; i++) {
    m = Math.max(m, Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), floor));
  }
  return m;
}
