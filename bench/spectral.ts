/**
 * Spectral toolkit benchmarks (issue 5):
 * - eigvalsh (Householder + QL, values only) vs ml-matrix's
 *   EigenvalueDecomposition (JAMA tred2+tql2, always computes vectors) at
 *   n = 250, 500, 1000, 2000 (quick: 250, 500), same random symmetric matrices;
 * - diffusionSpectralEntropy 'lanczos' vs 'exact' at N = 1000, 2000, 4000
 *   (quick: 1000) on 10 Gaussian blobs in 16 dimensions, σ = 3, t = 1:
 *   time ratio (target ≤ 0.2, i.e. ≥ 5x faster, at N = 4000) and error in bits
 *   (target ≤ 0.05). DSE runs on the wasm backend (the fastest one available to
 *   Node without tfjs-node); eigvalsh is pure JS.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {EigenvalueDecomposition, Matrix} from 'ml-matrix';

import {eigvalsh64} from '../src/linalg/eigh';
import {diffusionSpectralEntropy} from '../src/spectral/dse';
import {type BenchContext, type BenchRow, ratioRow, timeIt} from './harness';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const r = lcg(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = 2 * r() - 1;
  return a;
}

/** N points around 10 centres N(0, 3²) in 16-D with unit noise (like the DSE test fixture). */
function blobs(n: number, seed: number): tf.Tensor2D {
  const r = lcg(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const d = 16;
  const centres = Array.from({length: 10 * d}, () => 3 * normal());
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) x[i * d + k] = centres[(i % 10) * d + k] + normal();
  return tf.tensor2d(x, [n, d]);
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const sizes = ctx.quick ? [250, 500] : [250, 500, 1000, 2000];
  for (const n of sizes) {
    const a = randomSymmetric(n, n);
    const reps = n <= 500 ? 3 : 1;
    const warmup = n <= 500 ? 1 : 0;
    const ours = await timeIt(() => eigvalsh64(a, n), {warmup, reps});
    const m = new Matrix(Array.from({length: n}, (_, i) => Array.from(a.subarray(i * n, i * n + n))));
    const base = await timeIt(() => new EigenvalueDecomposition(m, {assumeSymmetric: true}), {warmup, reps});
    const row = ratioRow({
      area: 'spectral',
      what: `linalg.eigvalsh n=${n}`,
      baseline: 'ml-matrix EigenvalueDecomposition (symmetric)',
      value: ours,
      baselineValue: base,
      unit: 'ms',
    });
    if (n === 1000) {
      row.target = '< 2000 ms';
      row.met = ours < 2000;
    }
    rows.push(row);
  }

  const previous = tf.getBackend();
  await tf.setBackend('wasm');
  await tf.ready();
  try {
    for (const n of ctx.quick ? [1000] : [1000, 2000, 4000]) {
      const z = blobs(n, 7);
      const opts = {sigma: 3, t: 1} as const;
      let exact = 0;
      let approx = 0;
      const tExact = await timeIt(
        async () => {
          exact = await diffusionSpectralEntropy(z, {...opts, method: 'exact'});
        },
        {warmup: 0, reps: 1},
      );
      const tLanczos = await timeIt(
        async () => {
          approx = await diffusionSpectralEntropy(z, {...opts, method: 'lanczos'});
        },
        {warmup: n <= 1000 ? 1 : 0, reps: 1},
      );
      z.dispose();
      rows.push(
        ratioRow({
          area: 'spectral',
          what: `DSE lanczos N=${n} time`,
          baseline: 'DSE exact (all eigenvalues)',
          value: tLanczos,
          baselineValue: tExact,
          unit: 'ms',
          ...(n === 4000 ? {maxRatio: 0.2} : {}),
        }),
      );
      rows.push(
        ratioRow({
          area: 'spectral',
          what: `DSE lanczos N=${n} |error| (exact ${exact.toFixed(4)} bits)`,
          baseline: 'target 0.05 bits',
          value: Math.abs(approx - exact),
          baselineValue: 0.05,
          unit: 'bits',
          maxRatio: 1,
        }),
      );
    }
  } finally {
    await tf.setBackend(previous);
  }
  return rows;
}
