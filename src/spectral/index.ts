// Public surface of tfa.spectral: re-exports only.
export {};
