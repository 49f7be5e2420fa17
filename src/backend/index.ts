export {BACKEND_PREFERENCE, useFastest} from './use_fastest';
