// Public surface of tfa.optimizers: re-exports only.
export {};
