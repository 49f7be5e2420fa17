// Public surface of tfa.optimizers: re-exports only.
export {AdamW, adamw} from './adamw';
export type {AdamWArgs} from './adamw';
export {Muon, muon} from './muon';
export type {MuonArgs} from './muon';
export {Spectra, spectra} from './spectra';
export type {SpectraArgs} from './spectra';
export {muonExcludeDefaults} from './routing';
export type {ExcludePattern} from './routing';
export {SlotOptimizer} from './base';
export {LearningRateSchedule} from './schedules';
export type {LearningRate} from './schedules';
export type {MuonScaleMode} from './transforms';
export * as schedules from './schedules';
export {scaleLearningRate} from './scale_learning_rate';
export type {ScaleLearningRateOptions} from './scale_learning_rate';
