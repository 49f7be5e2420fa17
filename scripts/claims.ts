/**
 * `npm run claims [-- --only name[,name]] [-- --render]`: runs the claim experiments of
 * scripts/claims/*.ts (one per ledger row), writes their rows into
 * docs/claims.json (keyed by name; `--only` reruns and replaces just those
 * rows) and regenerates the table in docs/claims.md.
 *
 * Deterministic given the seeds: every row seeds `Math.random` (tfjs'
 * fallback for unseeded initializers, dropout and `fit`'s shuffle) and its
 * data, and runs on wasm (patched with `tfa.backend.patchWasm()` when the
 * branch has it). Wall times are not deterministic: the machine is shared.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {EXPERIMENTS} from './claims/index';
import {ClaimRow, SMOKE, log, setupBackend, tf} from './claims/common';
import {replaceQuotes, replaceTable} from './claims/render';

const ROOT = path.resolve(__dirname, '..');
const OUT = SMOKE ? fs.mkdtempSync(path.join(os.tmpdir(), 'claims-smoke-')) : path.join(ROOT, 'docs');
export const JSON_PATH = path.join(OUT, 'claims.json');
export const MD_PATH = path.join(OUT, 'claims.md');

function parseOnly(argv: string[]): string[] | null {
  const i = argv.indexOf('--only');
  if (i < 0) return null;
  const v = argv[i + 1];
  if (!v) throw new Error('claims: --only needs a row name (or a comma-separated list)');
  return v
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
}

async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  // --render: no experiments, only regenerate docs/claims.md, the section quotes and README from the JSON.
  const renderOnly = process.argv.includes('--render');
  const known = EXPERIMENTS.map(e => e.name);
  if (only) {
    const unknown = only.filter(n => !known.includes(n));
    if (unknown.length) throw new Error(`claims: unknown row ${unknown.join(', ')}; rows: ${known.join(', ')}`);
  }
  const rows: Record<string, ClaimRow> = fs.existsSync(JSON_PATH) ? JSON.parse(fs.readFileSync(JSON_PATH, 'utf8')) : {};
  const {backend, patched} = await setupBackend();
  log(`backend ${backend}${patched.length ? `, patched kernels: ${patched.join(', ')}` : ''}`);
  if (renderOnly) {
    const doc = fs.existsSync(MD_PATH) ? fs.readFileSync(MD_PATH, 'utf8') : '# Claims ledger\n';
    fs.writeFileSync(MD_PATH, replaceTable(doc, rows));
  }
  // --only runs its rows in the order given; without it, table order.
  const chosen = renderOnly ? [] : only ? only.map(n => EXPERIMENTS.find(e => e.name === n)!) : EXPERIMENTS;
  for (const e of chosen) {
    log(`row ${e.name}: start`);
    const t0 = Date.now();
    const before = tf.memory().numTensors;
    const out = await e.run();
    const seconds = (Date.now() - t0) / 1000;
    const leaked = tf.memory().numTensors - before;
    if (leaked > 50) log(`row ${e.name}: warning, ${leaked} tensors not freed`);
    rows[e.name] = {
      name: e.name,
      order: e.order,
      title: e.title,
      claim: e.claim,
      ...out,
      seconds,
      backend,
      patchedKernels: patched,
      date: new Date().toISOString().slice(0, 10),
    };
    log(`row ${e.name}: ${seconds.toFixed(0)} s: ${out.result} => ${out.verdict}`);
    // Write after every row so a long run keeps what it has measured.
    fs.writeFileSync(JSON_PATH, JSON.stringify(rows, null, 2) + '\n');
    const doc = fs.existsSync(MD_PATH) ? fs.readFileSync(MD_PATH, 'utf8') : '# Claims ledger\n';
    fs.writeFileSync(MD_PATH, replaceTable(doc, rows));
  }
  if (!SMOKE) {
    // The components' guide pages quote their rows.
    const dir = path.join(ROOT, 'docs', 'guide');
    for (const f of fs.readdirSync(dir).filter(n => n.endsWith('.md'))) {
      const file = path.join(dir, f);
      const before = fs.readFileSync(file, 'utf8');
      const after = replaceQuotes(before, rows);
      if (after !== before) fs.writeFileSync(file, after);
    }
  }
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
