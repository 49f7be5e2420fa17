/**
 * The full Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; 60,000 training and
 * 10,000 test images, 28x28 grey, 10 classes) read from Debian's
 * `dataset-fashion-mnist` package, which installs the original gzipped IDX
 * files in `/usr/share/datasets/fashion-mnist/`:
 * `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
 * `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`.
 * Install them with `sudo apt-get install dataset-fashion-mnist` (or
 * `scripts/install_fashion_mnist.sh`). Nothing is downloaded at run time.
 *
 * Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
 * 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot. Pixels are scaled to [0, 1].
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

import {MnistArrays, MnistSplit, mulberry32} from './mnist';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** A parsed IDX array: unsigned bytes with their shape (`[n]` labels, `[n, rows, cols]` images). */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX buffer (gzipped or not): magic `0x0000 08 D` (unsigned byte
 * data, D dimensions), D big-endian uint32 sizes, then the data.
 */
export function parseIdx(buffer: Uint8Array): IdxArray {
  let buf = buffer;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = new Uint8Array(zlib.gunzipSync(buf));
  if (buf.length < 4) throw new Error(`parseIdx: buffer must hold at least the 4-byte magic, got ${buf.length} bytes.`);
  if (buf[0] !== 0 || buf[1] !== 0)
    throw new Error(`parseIdx: magic must start with two zero bytes, got ${buf[0]}, ${buf[1]}.`);
  if (buf[2] !== 0x08)
    throw new Error(`parseIdx: data type must be 0x08 (unsigned byte), got 0x${buf[2].toString(16)}.`);
  const dims = buf[3];
  if (dims < 1) throw new Error(`parseIdx: number of dimensions must be >= 1, got ${dims}.`);
  const header = 4 + 4 * dims;
  if (buf.length < header)
    throw new Error(`parseIdx: buffer must hold the ${header}-byte header, got ${buf.length} bytes.`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < dims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== header + size) {
    throw new Error(
      `parseIdx: data length must be ${size} bytes for shape [${shape.join(', ')}], got ${buf.length - header}.`,
    );
  }
  return {shape, data: buf.subarray(header)};
}

/** Reads one IDX file, with an install hint when it is absent. */
export function readIdxFile(file: string): IdxArray {
  if (!fs.existsSync(file)) {
    throw new Error(
      `fashion_mnist: ${file} not found. Fashion-MNIST comes from Debian's package: ` +
        '`sudo apt-get install dataset-fashion-mnist` (or run scripts/install_fashion_mnist.sh).',
    );
  }
  return parseIdx(new Uint8Array(fs.readFileSync(file)));
}

/** True when the four IDX files are installed in `dir`. */
export function fashionMnistAvailable(dir = FASHION_MNIST_DIR): boolean {
  return [
    'train-images-idx3-ubyte.gz',
    'train-labels-idx1-ubyte.gz',
    't10k-images-idx3-ubyte.gz',
    't10k-labels-idx1-ubyte.gz',
  ].every(f => fs.existsSync(path.join(dir, f)));
}

const cache = new Map<string, {x: Uint8Array; y: Uint8Array; n: number}>();

function readPart(dir: string, prefix: 'train' | 't10k'): {x: Uint8Array; y: Uint8Array; n: number} {
  const key = `${dir}/${prefix}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const images = readIdxFile(path.join(dir, `${prefix}-images-idx3-ubyte.gz`));
  const labels = readIdxFile(path.join(dir, `${prefix}-labels-idx1-ubyte.gz`));
  if (images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new Error(`fashion_mnist: ${prefix} images must have shape [n, 28, 28], got [${images.shape.join(', ')}].`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new Error(
      `fashion_mnist: ${prefix} labels must have shape [${images.shape[0]}], got [${labels.shape.join(', ')}].`,
    );
  }
  const part = {x: images.data, y: labels.data, n: images.shape[0]};
  cache.set(key, part);
  return part;
}

function take(part: {x: Uint8Array; y: Uint8Array; n: number}, n: number, rand: (() => number) | null): MnistArrays {
  const order = Array.from({length: part.n}, (_, i) => i);
  if (rand) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const count = Math.min(n, part.n);
  const x = new Float32Array(count * 784);
  const y = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const i = order[k];
    for (let p = 0; p < 784; p++) x[k * 784 + p] = part.x[i * 784 + p] / 255;
    y[k] = part.y[i];
  }
  return {x, y, n: count};
}

/**
 * Loads Fashion-MNIST as the same `{train, test}` arrays as `loadMnist`
 * (x `[n, 784]` in [0, 1], int labels), so `toTensors` from `data/mnist`
 * applies. `trainSize`/`testSize` take a seeded random subset (default: all
 * 60,000 / 10,000, in file order when `seed` is omitted).
 */
export function loadFashionMnist(
  opts: {trainSize?: number; testSize?: number; seed?: number; dir?: string} = {},
): MnistSplit {
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  const rand = opts.seed == null ? null : mulberry32(opts.seed);
  const train = readPart(dir, 'train');
  const test = readPart(dir, 't10k');
  return {
    train: take(train, opts.trainSize ?? train.n, rand),
    test: take(test, opts.testSize ?? test.n, rand),
  };
}
