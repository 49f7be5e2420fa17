/**
 * The lint gate must fail on what it is meant to catch: plant one violation of
 * each project rule in a throw-away file inside src/ and lint that file alone.
 */
import {expect} from 'chai';
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

function lintPlanted(rel: string, code: string): string {
  const file = path.join(ROOT, rel);
  fs.writeFileSync(file, code);
  try {
    execFileSync(path.join(ROOT, 'node_modules/.bin/eslint'), ['--no-warn-ignored', rel], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return '';
  } catch (e) {
    return String((e as {stdout?: string}).stdout);
  } finally {
    fs.unlinkSync(file);
  }
}

describe('lint gate', function () {
  this.timeout(120000);

  it('rejects dataSync in a layer, any in the library, a floating promise and an upward import', () => {
    const out = lintPlanted(
      'src/layers/zz_planted_violation.ts',
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        'export function f(x: tf.Tensor): number { return x.dataSync()[0]; }',
        'export function g(y: any): unknown { return y; }',
        'async function h(): Promise<void> {}',
        'export function k(): void { h(); }',
        '',
      ].join('\n'),
    );
    expect(out).to.contain('no-restricted-properties');
    expect(out).to.contain('no-explicit-any');
    expect(out).to.contain('no-floating-promises');
    const up = lintPlanted(
      'src/linalg/zz_planted_violation.ts',
      "import {diffusionSpectralEntropy} from '../spectral';\nexport const d = diffusionSpectralEntropy;\n",
    );
    expect(up).to.contain('no-restricted-imports');
  });

  it('accepts the planted file once the violation carries an inline reason', () => {
    const out = lintPlanted(
      'src/layers/zz_planted_ok.ts',
      [
        "import * as tf from '@tensorflow/tfjs-core';",
        'export function f(x: tf.Tensor): number {',
        '  // eslint-disable-next-line no-restricted-properties -- a one-off analysis, not a call path',
        '  return x.dataSync()[0];',
        '}',
        '',
      ].join('\n'),
    );
    expect(out).to.equal('');
  });

  it('Prettier rejects a badly formatted file', () => {
    const rel = 'src/layers/zz_planted_format.ts';
    const file = path.join(ROOT, rel);
    fs.writeFileSync(file, 'export const  planted = {a:1,b : 2} ;\n');
    try {
      let failed = false;
      try {
        execFileSync(path.join(ROOT, 'node_modules/.bin/prettier'), ['--check', rel], {
          cwd: ROOT,
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch {
        failed = true;
      }
      expect(failed, 'prettier --check passed a badly formatted file').to.equal(true);
    } finally {
      fs.unlinkSync(file);
    }
  });
});
