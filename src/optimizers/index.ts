// Public surface of tfa.optimizers: re-exports only.
export {AdamW, adamw} from './adamw';
export type {AdamWArgs} from './adamw';
export {Muon, muon} from './muon';
export type {MuonArgs} from './muon';
export {Spectra, spectra} from './spectra';
export type {SpectraArgs} from './spectra';
export {muonExcludeDefaults, muonGateSplits} from './routing';
export type {ExcludePattern, FusedGate} from './routing';
export {SlotOptimizer} from './base';
export {LearningRateSchedule} from './schedules';
export type {LearningRate} from './schedules';
export type {MuonScaleMode, SpectraClipScale} from './transforms';
export * as schedules from './schedules';
export {scaleLearningRate} from './scale_learning_rate';
export type {ScaleLearningRateOptions} from './scale_learning_rate';
