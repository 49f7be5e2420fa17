// Public surface of tfa.layers: re-exports only.
export * from './kan';
