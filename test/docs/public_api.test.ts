/**
 * Every public export carries a doc comment; every exported value (function,
 * class, constant) also carries a runnable `@example` (run by examples.test.ts).
 */
import {expect} from 'chai';

import {publicExports} from './public_api_docs';

describe('public API docs', function () {
  this.timeout(120000);
  const all = publicExports();

  it('finds the namespaces (the walk itself works)', () => {
    const names = all.map(e => e.name);
    expect(names).to.include.members(['layers.bsplineKAN', 'optimizers.muon', 'callbacks.dseMonitor', 'linalg.eigh']);
    expect(names.length).to.be.greaterThan(100);
  });

  it('every export has a doc comment', () => {
    expect(all.filter(e => !e.hasDoc).map(e => e.name)).to.deep.equal([]);
  });

  it('every exported value has an @example', () => {
    expect(all.filter(e => e.kind === 'value' && !e.hasExample).map(e => e.name)).to.deep.equal([]);
  });
});
