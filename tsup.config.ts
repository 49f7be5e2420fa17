import {defineConfig, type Options} from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/** File names of the browser bundles; the Node build's clean step keeps them. */
const BROWSER_ESM = 'tfjs-addons.esm';
const BROWSER_IIFE = 'tfjs-addons.min';

/**
 * Browser bundles must not drag in Node built-ins. `src/io` loads `fs`/`path`
 * lazily through `require`, so nothing is imported at module load; any static
 * import of a built-in that slips in is replaced by an empty module here
 * rather than breaking the bundle (the Node-only call then throws at use).
 */
const nodeBuiltinsStub: EsbuildPlugin = {
  name: 'tfa-node-builtins-stub',
  setup(build) {
    build.onResolve({filter: /^(node:)?(fs|path|os|crypto|url|util)(\/.*)?$/}, args => ({
      path: args.path,
      namespace: 'tfa-node-stub',
    }));
    build.onLoad({filter: /.*/, namespace: 'tfa-node-stub'}, () => ({contents: 'module.exports = {};', loader: 'js'}));
  },
};

/**
 * Script-tag build: the tfjs packages resolve to the page's global `tf`
 * (tf.min.js bundles core, layers, converter and data into one namespace).
 * The wasm backend is not part of tf.min.js; a page that wants it loads
 * tf-backend-wasm.js, which registers itself on the same global, so the
 * dynamic import in `backend.useFastest` resolves to an empty module.
 */
const tfGlobal: EsbuildPlugin = {
  name: 'tfa-tf-global',
  setup(build) {
    build.onResolve({filter: /^@tensorflow\/tfjs(-core|-layers)?(\/.*)?$/}, args => ({
      path: args.path,
      namespace: 'tfa-tf-global',
    }));
    build.onResolve({filter: /^@tensorflow\/tfjs-backend-wasm(\/.*)?$/}, args => ({
      path: args.path,
      namespace: 'tfa-empty',
    }));
    build.onLoad({filter: /.*/, namespace: 'tfa-tf-global'}, () => ({
      contents:
        "if (typeof globalThis.tf === 'undefined') throw new Error('tfjs-addons: load @tensorflow/tfjs (global tf) before tfjs-addons.min.js');\n" +
        'module.exports = globalThis.tf;',
      loader: 'js',
    }));
    build.onLoad({filter: /.*/, namespace: 'tfa-empty'}, () => ({contents: 'module.exports = {};', loader: 'js'}));
  },
};

export default defineConfig([
  // ESM + CJS + .d.ts for Node and bundlers. The tfjs packages are peer
  // dependencies and stay external, so the user's single tfjs instance is used.
  {
    entry: {index: 'src/index.ts'},
    format: ['cjs', 'esm'],
    dts: true,
    sourcemap: true,
    clean: [`!${BROWSER_ESM}.*`, `!${BROWSER_IIFE}.*`],
    target: 'es2020',
    external: [/^@tensorflow\//, /^node:/, 'fs', 'path', 'os'],
  },
  // Browser ESM: one file, tfjs external (import map or bundler supplies it).
  {
    entry: {[BROWSER_ESM]: 'src/index.ts'},
    format: ['esm'],
    platform: 'browser',
    target: 'es2020',
    sourcemap: true,
    clean: false,
    dts: false,
    external: [/^@tensorflow\//],
    esbuildPlugins: [nodeBuiltinsStub],
    outExtension: () => ({js: '.js'}),
  },
  // Script tag: `<script src="tf.min.js"></script><script src="tfjs-addons.min.js"></script>` → global `tfa`.
  {
    entry: {[BROWSER_IIFE]: 'src/index.ts'},
    format: ['iife'],
    globalName: 'tfa',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    clean: false,
    dts: false,
    esbuildPlugins: [tfGlobal, nodeBuiltinsStub],
    outExtension: () => ({js: '.js'}),
  },
]);
