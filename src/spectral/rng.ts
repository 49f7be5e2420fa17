/**
 * Seeded pseudo-random numbers for the spectral metrics (subsampling,
 * Rademacher and Gaussian probes). No global state: each call site creates its
 * own generator from a seed, so results are reproducible on every backend.
 *
 * Generator: mulberry32 (32-bit state, period 2³²), enough for sampling
 * indices and probe vectors; not for cryptography.
 */

/** A generator of uniform numbers in [0, 1). */
export type Uniform = () => number;

/** mulberry32 seeded with the integer `seed`. */
export function mulberry32(seed: number): Uniform {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `k` distinct indices from 0..n-1 in random order (partial Fisher-Yates). */
export function sampleWithoutReplacement(n: number, k: number, rng: Uniform): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const tmp = idx[i];
    idx[i] = idx[j];
    idx[j] = tmp;
  }
  return idx.slice(0, k);
}

/** `count` standard normal samples (Box-Muller). */
export function normals(count: number, rng: Uniform): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rng()));
    const th = 2 * Math.PI * rng();
    out[i] = r * Math.cos(th);
    if (i + 1 < count) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** `count` independent ±1 values. */
export function rademacher(count: number, rng: Uniform): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng() < 0.5 ? -1 : 1;
  return out;
}
