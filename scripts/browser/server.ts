/**
 * A tiny static server for the browser test and for trying the bundles by
 * hand (`npx tsx scripts/browser/server.ts`, then open the printed URL).
 * It serves a fixed set of routes only (no directory traversal): the test
 * pages, the example page of examples/browser/, tfjs' own browser build and
 * our two browser bundles from dist/.
 */
import * as fs from 'fs';
import * as http from 'http';
import type {AddressInfo} from 'net';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Browser bundle files the server needs (built by `npm run build`). */
export const BUNDLES = {
  iife: path.join(ROOT, 'dist', 'tfjs-addons.min.js'),
  esm: path.join(ROOT, 'dist', 'tfjs-addons.esm.js'),
};

const TFJS = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.min.js');
/** tfjs' wasm backend for script tags, and its .wasm binaries (the parity page). */
const TFJS_WASM = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const TFJS_WEBGPU = path.join(
  ROOT,
  'node_modules',
  '@tensorflow',
  'tfjs-backend-webgpu',
  'dist',
  'tf-backend-webgpu.min.js',
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

/**
 * An ES module re-exporting the page's global `tf` under every name tfjs has,
 * so the ESM bundle's `import * as tf from '@tensorflow/tfjs-core'` (and
 * tfjs-layers) resolves through the page's import map to the global build.
 */
function tfShim(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the list of names tfjs exports, read once at start-up
  const names = Object.keys(require('@tensorflow/tfjs') as object).filter(
    n => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default',
  );
  return `const t = globalThis.tf;\nexport default t;\nexport const {${names.join(', ')}} = t;\n`;
}

function routes(): Record<string, () => string | Buffer> {
  const file = (p: string) => () => fs.readFileSync(p);
  return {
    '/': file(path.join(__dirname, 'index.html')),
    '/index.html': file(path.join(__dirname, 'index.html')),
    '/esm.html': file(path.join(__dirname, 'esm.html')),
    '/train.js': file(path.join(__dirname, 'train.js')),
    '/parity.html': file(path.join(__dirname, 'parity.html')),
    '/parity.js': file(path.join(__dirname, 'parity.js')),
    '/tf-backend-wasm.min.js': file(path.join(TFJS_WASM, 'tf-backend-wasm.min.js')),
    // tfjs' webgpu backend is not a dependency; when it is installed the parity page gets it, else an empty script.
    '/tf-backend-webgpu.min.js': () =>
      fs.existsSync(TFJS_WEBGPU)
        ? fs.readFileSync(TFJS_WEBGPU)
        : '/* @tensorflow/tfjs-backend-webgpu is not installed */\n',
    '/tfjs-backend-wasm.wasm': file(path.join(TFJS_WASM, 'tfjs-backend-wasm.wasm')),
    '/tfjs-backend-wasm-simd.wasm': file(path.join(TFJS_WASM, 'tfjs-backend-wasm-simd.wasm')),
    '/tfjs-backend-wasm-threaded-simd.wasm': file(path.join(TFJS_WASM, 'tfjs-backend-wasm-threaded-simd.wasm')),
    '/examples/browser/': file(path.join(ROOT, 'examples', 'browser', 'index.html')),
    '/examples/browser/index.html': file(path.join(ROOT, 'examples', 'browser', 'index.html')),
    '/tf.min.js': file(TFJS),
    '/tfjs-addons.min.js': file(BUNDLES.iife),
    '/tfjs-addons.min.js.map': file(`${BUNDLES.iife}.map`),
    '/tfjs-addons.esm.js': file(BUNDLES.esm),
    '/tfjs-addons.esm.js.map': file(`${BUNDLES.esm}.map`),
    '/tf-shim.js': tfShim,
    '/empty.js': () => 'export {};\n',
    '/favicon.ico': () => '',
  };
}

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 with an OS-chosen port. */
export function serve(port = 0): Promise<Served> {
  const table = routes();
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '/').split('?')[0];
    const body = table[route];
    if (body == null || req.method !== 'GET') {
      res.writeHead(404, {'content-type': 'text/plain'}).end(`not found: ${route}`);
      return;
    }
    try {
      const data = body();
      res.writeHead(200, {'content-type': TYPES[path.extname(route)] ?? TYPES['.html'], 'cache-control': 'no-store'});
      res.end(data);
    } catch (e) {
      res.writeHead(500, {'content-type': 'text/plain'}).end(String((e as Error).message));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const {port: p} = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${p}`,
        close: () => new Promise<void>(r => server.close(() => r())),
      });
    });
  });
}

if (require.main === module) {
  const port = Number(process.argv[2] ?? 8080);
  void serve(port).then(s => console.log(`serving ${s.url}/ (script tag) and ${s.url}/esm.html (ES module)`));
}
