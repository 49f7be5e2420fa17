/**
 * Every script in examples/ runs as a user would run it (`node
 * examples/<name>.mjs --quick`, importing the built package by its name) and
 * prints its result without NaN. Needs `npm run build` (npm test builds first).
 */
import {expect} from 'chai';
import {execFile} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, 'examples');
const HELPERS = new Set(['mnist_data.mjs']);

function runNode(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('node', [script, '--quick'], {cwd: ROOT, timeout: 240000, maxBuffer: 1 << 24}, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.relative(ROOT, script)} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe('examples/', function () {
  this.timeout(300000);
  const scripts = fs
    .readdirSync(DIR)
    .filter(f => f.endsWith('.mjs') && !HELPERS.has(f))
    .sort();

  before(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'index.mjs')))
      throw new Error('examples: run `npm run build` first (npm test does)');
  });

  it('holds the scripts the docs promise', () => {
    expect(scripts).to.include.members([
      'kan_mnist.mjs',
      'muon_swap.mjs',
      'dse_early_stopping.mjs',
      'spectral_truncation.mjs',
      'kan_formula.mjs',
    ]);
  });

  for (const name of scripts) {
    it(`${name} --quick runs and prints a result`, async () => {
      const out = await runNode(path.join(DIR, name));
      expect(out.trim().split('\n').length, out).to.be.greaterThan(1);
      expect(out).to.not.match(/NaN|undefined/);
    });
  }
});
