// Public surface of tfa.plots: re-exports only.
export {};
