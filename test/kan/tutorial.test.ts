/**
 * pykan's first tutorial end to end: runs the snippet of
 * docs/sections/kan_formula.md ("The tutorial") as written and checks what it
 * prints: the [2, 5, 1] KAN prunes to [2, 1, 1], the three edges become sin,
 * x^2 and exp, the formula is exp(sin(πx) + y²) up to constants within 1e-2,
 * and the symbolic model's test R² is > 0.999. About 20–60 s on one core
 * (the whole training; tagged @slow, it is the acceptance test).
 */
import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';
import * as path from 'path';

import {ROOT, markdownSnippets, runSnippet} from '../docs/snippets';

/** The numbers of `c*exp(a*sin(w*x + p) + b*y^2) + d`-shaped text, or null if the shape differs. */
export function parseTutorialFormula(text: string): {c: number; a: number; w: number; p: number; b: number; d: number} | null {
  const num = '(-?\\d+(?:\\.\\d+)?)';
  const coef = `(?:${num}\\*)?`;
  const re = new RegExp(`^${coef}exp\\(${coef}sin\\(${num}\\*x(?: ([+-]) ${num})?\\) ([+-]) ${coef}y\\^2\\)(?: ([+-]) ${num})?$`);
  const m = re.exec(text);
  if (m == null) return null;
  const v = (s: string | undefined, dflt: number) => (s == null ? dflt : Number(s));
  const sign = (s: string | undefined) => (s === '-' ? -1 : 1);
  return {
    c: v(m[1], 1), a: v(m[2], 1), w: v(m[3], NaN), p: sign(m[4]) * v(m[5], 0),
    b: sign(m[6]) * v(m[7], 1), d: sign(m[8]) * v(m[9], 0),
  };
}

describe('kan tutorial (pykan hellokan): exp(sin(πx) + y²)', () => {
  it('parses the formula shape it expects (self-check of the parser)', () => {
    expect(parseTutorialFormula('exp(sin(3.1416*x) + y^2)')).to.deep.equal({c: 1, a: 1, w: 3.1416, p: 0, b: 1, d: 0});
    expect(parseTutorialFormula('1.002*exp(0.998*sin(3.14*x - 0.001) + 1.01*y^2) - 0.003')).to.deep.equal({c: 1.002, a: 0.998, w: 3.14, p: -0.001, b: 1.01, d: -0.003});
    expect(parseTutorialFormula('exp(sin(3.1416*x) + y^2) + 0.2*x')).to.equal(null);
  });

  it('prunes [2,5,1] to [2,1,1] and recovers exp(sin(πx) + y²) within 1e-2, test R² > 0.999 @slow', async () => {
    const snippet = markdownSnippets(path.join(ROOT, 'docs', 'sections', 'kan_formula.md')).find(s => s.where.endsWith('The tutorial'));
    expect(snippet, 'the tutorial snippet').to.not.equal(undefined);
    const before = tf.memory().numTensors;
    const printed = await runSnippet(snippet!.code);
    const line = (key: string) => printed.find(l => l.startsWith(`${key} `))?.slice(key.length + 1) ?? '';
    expect(line('width'), printed.join('\n')).to.equal('2,1,1');
    const edges = printed.filter(l => l.startsWith('edge ')).map(l => l.split(' ').slice(1, 5).join(' '));
    expect(edges).to.deep.equal(['0 0 0 sin', '0 1 0 x^2', '1 0 0 exp']);
    expect(Number(line('test R2'))).to.be.above(0.999);
    const f = parseTutorialFormula(line('formula'));
    expect(f, `formula shape: ${line('formula')}`).to.not.equal(null);
    // "Up to constants within 1e-2": every constant of c·exp(a·sin(w·x + p) + b·y²) + d.
    expect(f!.c).to.be.closeTo(1, 1e-2);
    expect(f!.a).to.be.closeTo(1, 1e-2);
    expect(f!.w).to.be.closeTo(Math.PI, 1e-2);
    expect(f!.p).to.be.closeTo(0, 1e-2);
    expect(f!.b).to.be.closeTo(1, 1e-2);
    expect(f!.d).to.be.closeTo(0, 1e-2);
    // The snippet keeps its models and data alive (it is a script), nothing else.
    expect(tf.memory().numTensors - before).to.be.below(200);
  });
});
