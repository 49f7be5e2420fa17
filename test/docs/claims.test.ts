import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';

import type {ClaimRow} from '../../scripts/claims/common';
import {extractQuotes, extractTable, renderQuote, renderTable} from '../../scripts/claims/render';

const ROOT = path.resolve(__dirname, '..', '..');
const rows: Record<string, ClaimRow> = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'claims.json'), 'utf8'));
const doc = fs.readFileSync(path.join(ROOT, 'docs', 'claims.md'), 'utf8');

describe('docs/claims (the ledger written by `npm run claims`)', () => {
  it('docs/claims.md holds exactly the table rendered from docs/claims.json', () => {
    const table = extractTable(doc);
    expect(table, 'claims.md has no generated table block').to.not.equal(null);
    expect(table).to.equal(
      renderTable(rows),
      'docs/claims.md is stale: run `npm run claims -- --only <row>` or regenerate',
    );
  });

  it('every row has ≥ 3 seeds, a known verdict, and each metric is the mean ± sd of its stored values', () => {
    expect(Object.keys(rows).length).to.be.greaterThan(0);
    for (const [key, r] of Object.entries(rows)) {
      expect(r.name, key).to.equal(key);
      expect(r.seeds.length, `${key} seeds`).to.be.at.least(3);
      expect(['replicates', 'partially', 'does not replicate at this scale'], key).to.include(r.verdict);
      for (const field of ['claim', 'setup', 'result', 'why'] as const)
        expect(r[field].length, `${key}.${field}`).to.be.greaterThan(20);
      for (const [m, s] of Object.entries(r.metrics)) {
        expect(s.values.length, `${key}.${m} values`).to.be.at.least(3);
        const n = s.values.length;
        const mean = s.values.reduce((a, b) => a + b, 0) / n;
        const sd = Math.sqrt(s.values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
        expect(s.mean, `${key}.${m} mean`).to.be.closeTo(mean, 1e-9 * Math.max(1, Math.abs(mean)));
        expect(s.sd, `${key}.${m} sd`).to.be.closeTo(sd, 1e-9 * Math.max(1, Math.abs(sd)));
      }
    }
  });

  it('renders a row whose text contains a pipe without breaking the table', () => {
    const row = {...Object.values(rows)[0], name: 'x', order: 99, claim: 'a | b claim with a pipe inside it'};
    const table = renderTable({x: row});
    expect(table).to.contain('a \\| b claim');
    expect(table.split('\n')[2].split(/(?<!\\)\|/).length).to.equal(8);
  });
});

describe('docs/guide pages quote their ledger rows', () => {
  it('every <!-- claim:name --> block names a row of docs/claims.json and holds its current quote', () => {
    const dir = path.join(ROOT, 'docs', 'guide');
    let count = 0;
    for (const f of fs.readdirSync(dir).filter(n => n.endsWith('.md'))) {
      for (const q of extractQuotes(fs.readFileSync(path.join(dir, f), 'utf8'))) {
        count++;
        expect(rows[q.name], `${f}: unknown row ${q.name}`).to.not.equal(undefined);
        expect(q.text, `${f}: quote of ${q.name} is stale (run npm run claims -- --only ${q.name})`).to.equal(
          renderQuote(rows[q.name]),
        );
      }
    }
    expect(count).to.be.greaterThan(0);
  });
});
