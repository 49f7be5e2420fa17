/**
 * Every snippet of docs/sections/recipes.md runs as written (on the test
 * backend, cpu by default) and prints its result.
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as path from 'path';

import {ROOT, markdownSnippets, runSnippet} from './snippets';

describe('README recipes', () => {
  const snippets = markdownSnippets(path.join(ROOT, 'docs', 'sections', 'recipes.md'));

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
    it(`runs "${s.where.split(': ')[1]}" and prints a result`, async () => {
      const printed = await tf.tidy(() => runSnippet(s.code));
      expect(printed.length, `${s.where} printed nothing`).to.be.greaterThan(0);
      expect(printed.join('\n')).to.not.match(/NaN|undefined/);
    });
  }
});
