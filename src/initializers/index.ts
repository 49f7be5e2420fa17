// Public surface of tfa.initializers: re-exports only.
export {SirenUniform, WINNER_PRESETS, WinnerInit, siren, spectralCentroid, winner} from './winner';
export type {SirenArgs, WinnerArgs} from './winner';
