import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import {buildReadme} from '../../scripts/build_readme';
import {ROOT, markdownSnippets, runSnippet} from './snippets';

describe('README', () => {
  it('is up to date with docs/readme and docs/sections (run `npm run readme`)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8') === buildReadme()).to.equal(true);
  });

  it('opens with the install, test and demo commands', () => {
    const first = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('```')[1];
    expect(first).to.match(/npm ci[\s\S]*npm test[\s\S]*npm run demo/);
  });

  for (const s of markdownSnippets(path.join(ROOT, 'docs', 'readme', 'head.md'))) {
    it(`${s.where} snippet runs and prints a result`, async () => {
      const printed = await runSnippet(s.code);
      expect(printed.length).to.be.greaterThan(0);
      expect(printed.join('\n')).to.not.match(/NaN/);
    });
  }
});
