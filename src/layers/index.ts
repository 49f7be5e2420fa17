// Public surface of tfa.layers: re-exports only.
export * from './kan';
export * from './ftwt_gate';
