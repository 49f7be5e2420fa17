/**
 * Every snippet of docs/guide/recipes.md runs as written and prints its
 * result. They train small models, so they run on wasm (as the slow training
 * tests do); the @example blocks (examples.test.ts) cover cpu.
 */
import {expect} from 'chai';
import * as path from 'path';

import {withBackend} from '../helpers/backends';
import {ROOT, markdownSnippets, runSnippet} from './snippets';

describe('guide recipes', () => {
  const snippets = markdownSnippets(path.join(ROOT, 'docs', 'guide', 'recipes.md'));

  it('has one snippet per recipe', () => {
    expect(snippets.map(s => s.where.split(': ')[1])).to.deep.equal([
      'Add KAN layers to an existing model',
      'Switch an existing model to Muon',
      'Monitor DSE and stop early on it',
      'Recover from label noise with spectral truncation',
      'Save and load a model with custom layers in Node, without tfjs-node',
    ]);
  });

  for (const s of snippets) {
    it(`runs "${s.where.split(': ')[1]}" and prints a result (wasm)`, async () => {
      const printed = await withBackend('wasm', () => runSnippet(s.code));
      expect(printed.length, `${s.where} printed nothing`).to.be.greaterThan(0);
      expect(printed.join('\n')).to.not.match(/NaN|undefined/);
    });
  }
});
