import {expect} from 'chai';

import {mulberry32, normals, PythonRandom, rademacher, sampleWithoutReplacement} from '../../src/random/rng';

describe('spectral.PythonRandom', () => {
  // Expected values printed by CPython 3.11:
  //   random.seed(0); [random.random() for _ in range(3)]
  //   random.seed(12345); random.sample(range(500), 8)        (pool method)
  //   random.seed(0); random.sample(range(100000), 6)         (set method)
  //   random.seed(3); random.sample(range(21), 21)[:6]
  it("reproduces CPython's random.random() after random.seed(0) bit for bit @wasm", () => {
    const r = new PythonRandom(0);
    expect([r.random(), r.random(), r.random()]).to.deep.equal([
      0.8444218515250481, 0.7579544029403025, 0.420571580830845,
    ]);
  });

  it("reproduces CPython's random.sample for the pool and the set selection methods", () => {
    expect(Array.from(new PythonRandom(12345).sample(500, 8))).to.deep.equal([213, 375, 5, 419, 422, 411, 152, 437]);
    expect(Array.from(new PythonRandom(0).sample(100000, 6))).to.deep.equal([50494, 99346, 55125, 5306, 33936, 67013]);
    expect(Array.from(new PythonRandom(3).sample(21, 21)).slice(0, 6)).to.deep.equal([7, 18, 17, 4, 11, 15]);
  });
});

describe('spectral.mulberry32', () => {
  it('is deterministic per seed and gives distinct indices, ±1 probes and unit-variance normals', () => {
    const a = sampleWithoutReplacement(50, 20, mulberry32(1));
    expect(Array.from(a)).to.deep.equal(Array.from(sampleWithoutReplacement(50, 20, mulberry32(1))));
    expect(new Set(a).size).to.equal(20);
    expect(Array.from(rademacher(100, mulberry32(2))).every(v => v === 1 || v === -1)).to.equal(true);
    const z = normals(20000, mulberry32(3));
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length;
    // standard errors: mean 0.007, variance 0.01 → 5σ bounds
    expect(Math.abs(mean)).to.be.below(0.035);
    expect(Math.abs(variance - 1)).to.be.below(0.05);
  });
});
