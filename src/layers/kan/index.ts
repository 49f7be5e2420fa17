// KAN layer variants: re-exports only.
export {};
export * from './relu';
export * from './af';
export * from './bspline';
export * from './selectable';
export * from './rbf';
export * from './chebyshev';
export * from './fourier';
