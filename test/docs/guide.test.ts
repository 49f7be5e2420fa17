/**
 * Every ```js snippet of the guide pages (docs/guide/*.md) runs as written and
 * prints something. Snippets run on wasm (several train small models; the
 * wasm backend is patched by test/setup.ts, as tfa.backend.useFastest() does
 * for users); one that needs a kernel the wasm backend still lacks runs on cpu
 * instead, which is what a user on wasm would see as well: tfjs names the
 * missing kernel. recipes.md has its own
 * test (recipes.test.ts), and so has kan_formula.md (test/kan/tutorial.test.ts,
 * which checks what its ~35 s snippet prints).
 */
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {withBackend} from '../helpers/backends';
import {ROOT, markdownSnippets, runSnippet} from './snippets';

const DIR = path.join(ROOT, 'docs', 'guide');
const NOT_ON_WASM = /not registered for backend 'wasm'/;

describe('guide pages', () => {
  const files = fs
    .readdirSync(DIR)
    .filter(f => f.endsWith('.md') && f !== 'recipes.md' && f !== 'kan_formula.md')
    .sort();

  it('link only to files that exist (relative to the page)', () => {
    const broken: string[] = [];
    for (const f of fs.readdirSync(DIR).filter(n => n.endsWith('.md'))) {
      const text = fs.readFileSync(path.join(DIR, f), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^https?:/.test(m[1])) continue;
        if (!fs.existsSync(path.join(DIR, m[1]))) broken.push(`${f}: ${m[1]}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('exist and hold runnable js snippets', () => {
    expect(files.flatMap(f => markdownSnippets(path.join(DIR, f))).length).to.be.greaterThan(0);
  });

  for (const file of files) {
    for (const s of markdownSnippets(path.join(DIR, file)).filter(x => x.nodeRunnable)) {
      it(`${s.where} runs and prints a result (wasm, else cpu)`, async () => {
        let printed: string[];
        try {
          printed = await withBackend('wasm', () => runSnippet(s.code));
        } catch (e) {
          if (!NOT_ON_WASM.test(String((e as Error).message))) throw e;
          printed = await withBackend('cpu', () => runSnippet(s.code));
        }
        expect(printed.length, `${s.where} printed nothing`).to.be.greaterThan(0);
      });
    }
  }
});
