import {expect} from 'chai';

import {loadMnist} from '../data/mnist';

describe('data/mnist', () => {
  it('splits the 10,000 packaged digits into 7996 train and 2004 test with all classes', () => {
    const {train, test} = loadMnist();
    expect(train.n + test.n).to.equal(10000);
    expect(train.n).to.equal(7996);
    const counts = new Array(10).fill(0);
    for (const c of test.y) counts[c]++;
    expect(counts.every(c => c > 150)).to.equal(true);
    let max = 0;
    for (const v of train.x) max = Math.max(max, v);
    expect(max).to.equal(1);
  });
  it('is deterministic for a seed and differs across seeds', () => {
    const a = loadMnist({trainSize: 50, testSize: 5, seed: 3});
    const b = loadMnist({trainSize: 50, testSize: 5, seed: 3});
    const c = loadMnist({trainSize: 50, testSize: 5, seed: 4});
    expect(Array.from(a.train.y)).to.deep.equal(Array.from(b.train.y));
    expect(Array.from(a.train.y)).to.not.deep.equal(Array.from(c.train.y));
  });
});
