// Public surface of tfa.linalg: re-exports only.
export {};
