/**
 * The docs test of style §8: every `@example` in a doc comment under src/
 * runs on the test backend and prints something; one whose first line says
 * it cannot run in Node is parsed instead.
 */
import {expect} from 'chai';

import {parseSnippet, runSnippet, sourceExamples} from './snippets';

describe('@example blocks', () => {
  const examples = sourceExamples();

  it('exist (the factories and public functions document one)', () => {
    expect(examples.length).to.be.greaterThan(0);
  });

  for (const ex of examples) {
    if (ex.nodeRunnable) {
      it(`${ex.where} runs and prints a result`, async () => {
        const printed = await runSnippet(ex.code);
        expect(printed.length, `${ex.where} printed nothing`).to.be.greaterThan(0);
      });
    } else {
      it(`${ex.where} parses (it says it needs a browser)`, () => {
        expect(() => parseSnippet(ex.code)).to.not.throw();
      });
    }
  }
});
