// Public surface of tfa.spectral: re-exports only.
export {diffusionSpectralEntropy} from './dse';
export type {DSEOptions, DSESigma} from './dse';
export {diffusionSpectralMutualInfo} from './dsmi';
export type {DSMIOptions} from './dsmi';
export {powerLawFit} from './power_law';
export type {PowerLawFit} from './power_law';
export {weightSpectrum, detXLambdaMin} from './weight_spectrum';
export type {WeightSpectrum} from './weight_spectrum';
export {excessKurtosis, channelRmsKurtosis} from './kurtosis';
export {hessianEigenvalues} from './hessian';
export type {HessianEigenvaluesOptions, HessianLoss} from './hessian';
