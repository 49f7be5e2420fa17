import {expect} from 'chai';
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import {tempDir} from './helpers/roundtrip';

const ROOT = path.resolve(__dirname, '..');

/**
 * Packs the built package (npm pack; `npm test` builds first), unpacks it into
 * a throw-away project whose node_modules/@tensorflow links to ours (so no
 * network is needed), and loads it through both entry points.
 */
describe('packed package', () => {
  it('loads with require() and with import, exposing every namespace @wasm', () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
      throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
    }
    const project = tempDir('tfa-pack-');
    try {
      const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      const tgz = path.join(project, out.trim().split('\n').pop()!);
      const modules = path.join(project, 'node_modules');
      fs.mkdirSync(path.join(modules, 'tfjs-addons'), {recursive: true});
      execFileSync('tar', ['xzf', tgz, '-C', path.join(modules, 'tfjs-addons'), '--strip-components=1']);
      fs.symlinkSync(path.join(ROOT, 'node_modules', '@tensorflow'), path.join(modules, '@tensorflow'));
      fs.writeFileSync(path.join(project, 'package.json'), '{"name": "consumer", "private": true}');
      const shipped = execFileSync('tar', ['tzf', tgz], {encoding: 'utf8'});
      expect(shipped).to.not.match(/package\/(src|test)\//);
      const check = `
        const names = ['layers','optimizers','callbacks','linalg','spectral','io','backend','plots','kan','initializers'];
        const missing = names.filter(n => typeof tfa[n] !== 'object');
        if (missing.length) throw new Error('missing namespaces ' + missing);
        if (typeof tfa.io.fileSystem !== 'function') throw new Error('io.fileSystem missing');
        console.log('ok ' + names.length);`;
      const cjs = execFileSync(
        'node',
        ['-e', `require('@tensorflow/tfjs'); const tfa = require('tfjs-addons'); ${check}`],
        {cwd: project, encoding: 'utf8'},
      );
      expect(cjs.trim().split('\n').pop()).to.equal('ok 10');
      const esm = execFileSync(
        'node',
        ['--input-type=module', '-e', `import '@tensorflow/tfjs'; import * as tfa from 'tfjs-addons'; ${check}`],
        {cwd: project, encoding: 'utf8'},
      );
      expect(esm.trim().split('\n').pop()).to.equal('ok 10');
    } finally {
      fs.rmSync(project, {recursive: true, force: true});
    }
  });

  it('ships what package.json promises: every exports/main/module/types path, the bundles, README, LICENSE, CHANGELOG', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--silent'], {cwd: ROOT, encoding: 'utf8'});
    const files = new Set<string>((JSON.parse(out)[0].files as {path: string}[]).map(f => f.path));
    const promised = new Set<string>([pkg.main, pkg.module, pkg.types, pkg.unpkg, pkg.jsdelivr]);
    const walk = (v: unknown): void => {
      if (typeof v === 'string') promised.add(v);
      else if (v != null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(pkg.exports);
    const missing = [...promised, 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/tfjs-addons.esm.js']
      .map(p => p.replace(/^\.\//, ''))
      .filter(p => !files.has(p));
    expect(missing).to.deep.equal([]);
    expect([...files].filter(f => /^(src|test|bench|scripts)\//.test(f))).to.deep.equal([]);
  });
});
