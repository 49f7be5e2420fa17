// Public surface of tfa.linalg: re-exports only.
export {eigh, eigvalsh, eigh64, eigvalsh64} from './eigh';
export type {EighOptions, EighResult} from './eigh';
