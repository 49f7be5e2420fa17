import {defineConfig} from 'tsup';

// ESM + CJS + .d.ts for Node and bundlers. The tfjs packages are peer
// dependencies and stay external, so the user's single tfjs instance is used.
export default defineConfig({
  entry: {index: 'src/index.ts'},
  format: ['cjs', 'esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2020',
  external: [/^@tensorflow\//, /^node:/, 'fs', 'path', 'os'],
});
