// Public surface of tfa.callbacks: re-exports only.
export {};
