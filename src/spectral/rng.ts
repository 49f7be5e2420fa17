// Transitional re-export: the seeded streams live in src/random/rng.ts.
export * from '../random/rng';
