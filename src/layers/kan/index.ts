// KAN layer variants: re-exports only.
export {};
export {ReLUKAN, reluKAN} from './relu';
export type {ReLUKANArgs} from './relu';
export {AFKAN, afKAN} from './af';
export type {AFKANActivation, AFKANArgs, AFKANFunc, AFKANReduction} from './af';
export * from './bspline';
export {SelectableKAN, selectableKAN} from './selectable';
export type {SelectableKANArgs, SelectableKANBasis} from './selectable';
export * from './rbf';
export * from './chebyshev';
export * from './fourier';
