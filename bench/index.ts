/**
 * `npm run bench [--quick]`: runs every bench/<area>.ts module (found by
 * listing this folder; each exports `run(ctx): Promise<BenchRow[]>`, see
 * harness.ts) and prints the machine and one table of ratios measured in the
 * same run; writes bench/results.json. An area whose module is missing or
 * fails is reported as such, never with a number.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {textTable} from '../scripts/table';
import * as tfa from '../src';
import type {BenchContext, BenchRow} from './harness';

const NOT_AREAS = new Set(['harness.ts', 'index.ts']);

/** Benchmarks the issues ask for, and the words that identify their module. */
const EXPECTED: Array<{issue: number; what: string; pattern: RegExp}> = [
  {issue: 3, what: 'KAN layers vs Dense (fwd+bwd, memory)', pattern: /kan/},
  {issue: 5, what: 'eigvalsh vs ml-matrix; DSE exact vs lanczos', pattern: /linalg|spectral|dse|eig/},
  {issue: 6, what: 'Adam/AdamW/Muon/SPECTRA step time; Newton-Schulz throughput', pattern: /optim|muon/},
  {issue: 7, what: 'callback overhead per epoch', pattern: /callback/},
  {issue: 8, what: 'cpu vs wasm matMul and Dense', pattern: /backend/},
  {issue: 11, what: 'stock vs patched wasm: Dense, Conv2D, Embedding+LSTM, MNIST MLP epoch', pattern: /wasm/},
];

function quickFlag(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--quick') continue;
    if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench [-- --quick] [-- --only area1,area2]');
      process.exit(0);
    }
  }
  return argv.includes('--quick') || process.env.npm_config_quick === 'true';
}

function onlyFlag(argv: string[]): string[] | null {
  const i = argv.findIndex(a => a === '--only' || a.startsWith('--only='));
  if (i < 0) return null;
  const v = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  return v.split(',');
}

const num = (v: number): string => {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.1 ? v.toFixed(2) : v.toPrecision(2);
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = quickFlag(argv);
  const only = onlyFlag(argv);
  const backend = await tfa.backend.useFastest();
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    tfjs: tf.version.tfjs,
    backend,
  };
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}`);
  console.log(`tfjs ${machine.tfjs}, default backend ${backend}${quick ? ', --quick' : ''}\n`);

  const files = fs
    .readdirSync(__dirname)
    .filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts') && !NOT_AREAS.has(f))
    .filter(f => only == null || only.includes(path.basename(f, '.ts')))
    .sort();
  const ctx: BenchContext = {quick};
  const rows: BenchRow[] = [];
  const failed: Array<{file: string; error: string}> = [];
  const notAvailable: string[] = [];
  for (const file of files) {
    const t0 = performance.now();
    process.stdout.write(`running bench/${file} ... `);
    try {
      const mod = (await import(path.join(__dirname, file))) as {run?: (c: BenchContext) => Promise<BenchRow[]>};
      if (typeof mod.run !== 'function') {
        console.log('no run(ctx) export: a helper module, skipped');
        continue;
      }
      const got = await mod.run(ctx);
      rows.push(...got);
      console.log(`${got.length} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      const error = (e as Error).message.split('\n')[0];
      console.log(`FAILED: ${error}`);
      failed.push({file, error});
    } finally {
      // An area module may switch backends; the next one starts from the default again.
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
    }
  }
  if (only == null) {
    for (const e of EXPECTED) {
      if (!files.some(f => e.pattern.test(f))) {
        const line = `issue ${e.issue}: ${e.what}`;
        notAvailable.push(line);
        console.log(`not available: ${line} (no bench module yet)`);
      }
    }
  }

  const header = ['area', 'what', 'baseline', 'value', 'baseline value', 'ratio', 'target', 'met', 'backend'];
  const body = rows.map(r => [
    r.area,
    r.what,
    r.baseline,
    `${num(r.value)} ${r.unit}`,
    `${num(r.baselineValue)} ${r.unit}`,
    `${num(r.ratio)}x`,
    r.target || '-',
    r.met == null ? '-' : r.met ? 'yes' : 'NO',
    r.backend,
  ]);
  for (const f of failed) body.push([f.file.replace(/\.ts$/, ''), `FAILED: ${f.error}`, '', '', '', '', '', '', '']);
  for (const n of notAvailable) body.push(['-', `not available: ${n}`, '', '', '', '', '', '', '']);
  console.log(`\n${textTable([header, ...body])}\n`);
  const withTarget = rows.filter(r => r.met != null);
  console.log(`targets met: ${withTarget.filter(r => r.met).length}/${withTarget.length}`);

  const out = path.join(__dirname, 'results.json');
  fs.writeFileSync(
    out,
    `${JSON.stringify({date: new Date().toISOString(), quick, machine, rows, failed, notAvailable}, null, 2)}\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
