// Public surface of tfa.spectral: re-exports only.
export {diffusionSpectralEntropy} from './dse';
export type {DSEOptions, DSESigma} from './dse';
export {diffusionSpectralMutualInfo} from './dsmi';
export type {DSMIOptions} from './dsmi';
