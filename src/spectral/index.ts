// Public surface of tfa.spectral: re-exports only.
export {diffusionSpectralEntropy} from './dse';
export type {DSEOptions, DSESigma} from './dse';
