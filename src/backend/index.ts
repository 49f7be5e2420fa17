export {patchWasm} from './patch_wasm';
export {BACKEND_PREFERENCE, BROWSER_BACKEND_PREFERENCE, useFastest} from './use_fastest';
export type {UseFastestOptions} from './use_fastest';
