/**
 * Determinism for the demo. tfjs draws the seed of every unseeded random op
 * (initializers without `seed`, `model.fit`'s shuffle) from `Math.random`, so
 * replacing `Math.random` with a seeded generator at the start of each run
 * makes the whole run a function of `--seed` — including layers whose
 * initializers take no seed argument. Each run reseeds, so runs do not depend
 * on their order or on which other runs are selected.
 */
import {mulberry32} from '../../data/mnist';

const nativeRandom = Math.random;

export function seedEverything(seed: number): void {
  Math.random = mulberry32(seed);
}

export function restoreRandom(): void {
  Math.random = nativeRandom;
}
