/**
 * tfjs-addons: research layers, optimizers, callbacks and spectral tools for
 * TensorFlow.js. Importing this module registers every layer and optimizer
 * class for `tf.loadLayersModel`.
 */
export * as backend from './backend';
export * as callbacks from './callbacks';
export * as initializers from './initializers';
export * as io from './io';
export * as kan from './kan';
export * as layers from './layers';
export * as linalg from './linalg';
export * as optimizers from './optimizers';
export * as plots from './plots';
export * as spectral from './spectral';
export {ValueError} from './validate';
/**
 * The version of this package.
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * console.log(tfa.version); // '0.1.0'
 * ```
 */
export const version = '0.1.0';
