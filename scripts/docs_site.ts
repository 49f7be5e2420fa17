/**
 * `npm run docs`: builds the TypeDoc site (API reference + the guide pages,
 * the claims ledger, CONTRIBUTING and CHANGELOG as project documents) into
 * docs/api/, then copies the demo report (demo-out/, written by
 * `npm run demo`) into docs/api/demo/ when it exists, so the site links it.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
execFileSync(path.join(ROOT, 'node_modules', '.bin', 'typedoc'), [], {cwd: ROOT, stdio: 'inherit'});
const report = path.join(ROOT, 'demo-out');
if (fs.existsSync(path.join(report, 'report.html'))) {
  fs.cpSync(report, path.join(ROOT, 'docs', 'api', 'demo'), {recursive: true});
  console.log('demo report copied to docs/api/demo/report.html');
} else {
  console.log('no demo report yet: run `npm run demo` first to include it in the site');
}
