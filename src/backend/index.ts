export {BACKEND_PREFERENCE, BROWSER_BACKEND_PREFERENCE, useFastest} from './use_fastest';
