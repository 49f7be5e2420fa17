import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {buildDeviations} from '../../scripts/build_guide';
import {ROOT, markdownSnippets, runSnippet} from './snippets';

const README = path.join(ROOT, 'README.md');

describe('README', () => {
  const text = fs.readFileSync(README, 'utf8');

  it('is short: at most 250 lines (the manual lives in docs/guide)', () => {
    expect(text.split('\n').length).to.be.at.most(250);
  });

  it('opens with the install, test and demo commands', () => {
    const first = text.split('```')[1];
    expect(first).to.match(/npm ci[\s\S]*npm test[\s\S]*npm run demo/);
  });

  it('links only to files that exist', () => {
    const links = [...text.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map(m => m[1]).filter(l => !/^https?:/.test(l));
    expect(links.length).to.be.greaterThan(5);
    expect(links.filter(l => !fs.existsSync(path.join(ROOT, l)))).to.deep.equal([]);
  });

  for (const s of markdownSnippets(README)) {
    it(`${s.where} snippet runs and prints a result`, async () => {
      const printed = await runSnippet(s.code);
      expect(printed.length).to.be.greaterThan(0);
      expect(printed.join('\n')).to.not.match(/NaN/);
    });
  }
});

describe('docs/guide/deviations.md', () => {
  it('is up to date with the pages it gathers (run `npm run guide`)', () => {
    const page = fs.readFileSync(path.join(ROOT, 'docs', 'guide', 'deviations.md'), 'utf8');
    expect(page === buildDeviations()).to.equal(true);
  });
});
