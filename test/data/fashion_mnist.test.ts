import {expect} from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

import {fashionMnistAvailable, loadFashionMnist, parseIdx} from '../../data/fashion_mnist';

/** Builds an IDX buffer by hand: magic 00 00 08 D, big-endian sizes, bytes. */
function idx(shape: number[], data: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  out.set([0, 0, 8, shape.length]);
  shape.forEach((s, d) => {
    out[4 + 4 * d] = (s >>> 24) & 255;
    out[5 + 4 * d] = (s >>> 16) & 255;
    out[6 + 4 * d] = (s >>> 8) & 255;
    out[7 + 4 * d] = s & 255;
  });
  out.set(data, 4 + 4 * shape.length);
  return out;
}

describe('data/fashion_mnist', () => {
  it('parses a hand-built IDX3 buffer, plain and gzipped', () => {
    const pixels = Array.from({length: 2 * 3 * 2}, (_, i) => (i * 37) % 256);
    const raw = idx([2, 3, 2], pixels);
    for (const buf of [raw, new Uint8Array(zlib.gzipSync(raw))]) {
      const a = parseIdx(buf);
      expect(a.shape).to.deep.equal([2, 3, 2]);
      expect(Array.from(a.data)).to.deep.equal(pixels);
    }
    // A size needing all four big-endian bytes.
    const big = parseIdx(idx([258], new Array(258).fill(7)));
    expect(big.shape).to.deep.equal([258]);
  });

  it('rejects a wrong magic, data type and length with the value in the message', () => {
    const good = idx([2], [1, 2]);
    const badType = good.slice();
    badType[2] = 0x0d;
    expect(() => parseIdx(badType)).to.throw(/data type must be 0x08.*got 0xd/);
    const badMagic = good.slice();
    badMagic[0] = 1;
    expect(() => parseIdx(badMagic)).to.throw(/two zero bytes, got 1, 0/);
    expect(() => parseIdx(good.subarray(0, good.length - 1))).to.throw(/data length must be 2 bytes .*got 1/);
  });

  it('names the Debian package when the files are absent', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'fmnist-'));
    try {
      expect(() => loadFashionMnist({dir: empty})).to.throw(/apt-get install dataset-fashion-mnist/);
    } finally {
      fs.rmSync(empty, {recursive: true, force: true});
    }
  });

  // The real files (Debian's dataset-fashion-mnist); skipped by design only
  // when the package is not installed on this machine.
  (fashionMnistAvailable() ? it : it.skip)(
    'reads the installed 60,000 + 10,000 images with 6,000 / 1,000 per class',
    () => {
      const {train, test} = loadFashionMnist();
      expect(train.n).to.equal(60000);
      expect(test.n).to.equal(10000);
      const counts = (y: Int32Array) => y.reduce((c, v) => (c[v]++, c), new Array(10).fill(0) as number[]);
      expect(counts(train.y)).to.deep.equal(new Array(10).fill(6000));
      expect(counts(test.y)).to.deep.equal(new Array(10).fill(1000));
      // Known first labels of the official files: train 9 (ankle boot), 0, 0, 3; test 9, 2, 1, 1.
      expect(Array.from(train.y.subarray(0, 4))).to.deep.equal([9, 0, 0, 3]);
      expect(Array.from(test.y.subarray(0, 4))).to.deep.equal([9, 2, 1, 1]);
      let max = 0;
      for (const v of train.x) max = Math.max(max, v);
      expect(max).to.equal(1);
      const a = loadFashionMnist({trainSize: 20, testSize: 5, seed: 3});
      const b = loadFashionMnist({trainSize: 20, testSize: 5, seed: 3});
      expect(Array.from(a.train.y)).to.deep.equal(Array.from(b.train.y));
    },
  );
});
