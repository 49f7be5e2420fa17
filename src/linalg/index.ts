// Public surface of tfa.linalg: re-exports only.
export {eigh, eigvalsh, eigh64, eigvalsh64} from './eigh';
export type {EighOptions, EighResult} from './eigh';
export {newtonSchulz} from './newton_schulz';
export type {NewtonSchulzOptions} from './newton_schulz';
export {softSpectralClip, softClipStepsFor} from './soft_spectral_clip';
export type {SoftSpectralClipOptions} from './soft_spectral_clip';
export {choleskyQR2, lanczosQuadrature, matrixOperator, topEigenpairs} from './lanczos';
export type {LanczosQuadratureOptions, SymmetricOperator, TopEigenOptions} from './lanczos';
export {svd, svd64} from './svd';
export type {Svd64Result, SvdOptions, SvdResult} from './svd';
