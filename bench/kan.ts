/**
 * KAN layers, forward+backward of `mean(y²)` w.r.t. every trainable weight,
 * batch 256, on the wasm backend patched by `tfa.backend.patchWasm()`
 * (issue 11), measured in one run:
 *
 * - every variant against a `tf.layers.dense` with the same parameter count
 *   (wider output) on the same patched backend, the two timed in turn (one
 *   call each per round) so both see the same machine load, plus peak tensor
 *   memory.
 *   Targets: BSplineKAN <= 2.5x, the others <= 2x (issue 3; issue 11 keeps
 *   FourierKAN and ReLUKAN <= 2x of the patched Dense). Shape 784 -> 64 (the
 *   issue-11 shape); AFKAN and SelectableKAN (no targets) at 128 -> 128;
 * - BSplineKAN, RBFKAN and ChebyshevKAN against PyTorch versions of
 *   efficient-kan `KANLinear`, fast-kan `FastKANLayer` and ChebyKAN
 *   `ChebyKANLayer` (bench/torch_ref.py, 1 thread, same shape and batch),
 *   when `/usr/bin/python3 -c "import torch"` works; targets (issue 11)
 *   <= 1.0x, <= 1.5x, <= 2x. Without torch it prints "reference: skipped".
 *
 * Times are the median process CPU time per step (user + system), not wall
 * time: both sides are single-threaded, and on a shared machine CPU time does
 * not count the time other processes hold the core (the wall medians are
 * printed too). Node's CPU time also counts its GC threads, which only
 * counts against us.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import {patchWasm, unpatchWasm, wasmPatched} from '../src/backend/patch_wasm';
import {afKAN} from '../src/layers/kan/af';
import {bsplineKAN} from '../src/layers/kan/bspline';
import {chebyshevKAN} from '../src/layers/kan/chebyshev';
import {fourierKAN} from '../src/layers/kan/fourier';
import {rbfKAN} from '../src/layers/kan/rbf';
import {reluKAN} from '../src/layers/kan/relu';
import {selectableKAN} from '../src/layers/kan/selectable';
import {ratioRow} from './harness';
import type {BenchContext, BenchRow} from './harness';

const AREA = 'kan';
const BATCH = 256;
const IN = 784;
const OUT = 64;
const PYTHON = '/usr/bin/python3';

/** One forward+backward of `mean(y²)` w.r.t. every trainable weight; returns when done. */
function fwdBwd(layer: tf.layers.Layer, x: tf.Tensor): void {
  tf.tidy(() => {
    const vars = layer.trainableWeights.map(w => w.read() as tf.Variable);
    const {value, grads} = tf.variableGrads(() => tf.mean(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, vars);
    value.dataSync(); // wasm kernels are synchronous; this also forces the whole graph
    for (const g of Object.values(grads)) g.dataSync();
  });
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

interface Timing {
  cpu: number;
  wall: number;
  cpuAll: number[];
}

/**
 * Median CPU and wall ms of each of `fns`, called in turn `reps` times after
 * `warmup` rounds: a ratio of two of them compares calls made under the same
 * machine load (the machines are shared; load drifts over seconds).
 */
function timeInterleaved(fns: Array<() => void>, opts: {warmup: number; reps: number}): Timing[] {
  for (let i = 0; i < opts.warmup; i++) fns.forEach(fn => fn());
  const cpu: number[][] = fns.map(() => []);
  const wall: number[][] = fns.map(() => []);
  for (let i = 0; i < opts.reps; i++) {
    fns.forEach((fn, k) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      fn();
      wall[k].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[k].push((c.user + c.system) / 1000);
    });
  }
  return fns.map((_, k) => ({cpu: median(cpu[k]), wall: median(wall[k]), cpuAll: cpu[k]}));
}

function trainableCount(layer: tf.layers.Layer): number {
  return layer.trainableWeights.reduce((s, w) => s + tf.util.sizeFromShape(w.shape as number[]), 0);
}

async function peakMB(layer: tf.layers.Layer, x: tf.Tensor): Promise<number> {
  const info = await tf.profile(() => fwdBwd(layer, x));
  return info.peakBytes / (1024 * 1024);
}

/** PyTorch timings from bench/torch_ref.py, or the reason there are none. */
interface TorchTimes {
  torch: string;
  blas: string;
  ms: Record<string, number[]>;
  cpu_ms: Record<string, number[]>;
}

/** Whether `/usr/bin/python3` can import torch. */
export function torchAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], {encoding: 'utf8', timeout: 60_000});
  return r.status === 0;
}

const DEFAULT_BLAS = '/usr/lib/x86_64-linux-gnu/libblas.so.3';

/**
 * Directories holding a `libblas.so.3` to time the reference against besides
 * the loader's default: Debian's OpenBLAS and netlib locations when installed,
 * plus any in `TFA_BENCH_BLAS_DIRS` (colon-separated), skipping any whose
 * library is the one the default already loads (Debian's python3-torch calls
 * whichever BLAS the `libblas.so.3` alternative names, and the two differ
 * ~4-6x on the reference layers' matMuls).
 */
function blasDirs(): string[] {
  const extra = (process.env.TFA_BENCH_BLAS_DIRS ?? '').split(':').filter(d => d !== '');
  const debian = ['/usr/lib/x86_64-linux-gnu/openblas-pthread', '/usr/lib/x86_64-linux-gnu/blas'];
  const seen = new Set(fs.existsSync(DEFAULT_BLAS) ? [fs.realpathSync(DEFAULT_BLAS)] : []);
  return [...debian, ...extra].filter(d => {
    const lib = path.join(d, 'libblas.so.3');
    if (!fs.existsSync(lib) || seen.has(fs.realpathSync(lib))) return false;
    seen.add(fs.realpathSync(lib));
    return true;
  });
}

function torchTimes(reps: number, blasDir?: string): TorchTimes {
  const script = path.join(__dirname, 'torch_ref.py');
  const args = [
    script,
    'time',
    '--batch',
    String(BATCH),
    '--in',
    String(IN),
    '--out',
    String(OUT),
    '--reps',
    String(reps),
  ];
  const env: NodeJS.ProcessEnv = {...process.env, OPENBLAS_NUM_THREADS: '1'};
  if (blasDir != null) env.LD_LIBRARY_PATH = [blasDir, process.env.LD_LIBRARY_PATH ?? ''].join(':');
  const r = spawnSync(PYTHON, args, {encoding: 'utf8', timeout: 600_000, env});
  if (r.status !== 0) throw new Error(`torch_ref.py failed (${r.status}): ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout) as TorchTimes;
}

/** The reference timed once per BLAS: the default first, then each of {@link blasDirs}. */
function torchTimesPerBlas(reps: number): TorchTimes[] {
  return [undefined, ...blasDirs()].map(dir => torchTimes(reps, dir));
}

interface Variant {
  name: string;
  make: () => tf.layers.Layer;
  x: tf.Tensor;
  inDim: number;
  maxRatio?: number;
  /** torch_ref.py layer name and the issue-11 target ratio against it. */
  reference?: {key: string; label: string; maxRatio: number};
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const previous = tf.getBackend() as string | undefined; // undefined before any backend is chosen
  if (!(await tf.setBackend('wasm'))) throw new Error('kan bench: wasm backend failed');
  const wasPatched = wasmPatched();
  patchWasm();
  const backend = 'wasm (patched)';
  const timing = ctx.quick ? {warmup: 1, reps: 3} : {warmup: 3, reps: 15};
  const rows: BenchRow[] = [];
  const ours = new Map<string, {cpu: number; wall: number}>();
  try {
    // Inputs inside each variant's domain: [-1, 1] for the grids, [0, 1] for ReLU-KAN.
    const xSym = tf.randomUniform([BATCH, IN], -1, 1, 'float32', 1);
    const xPos = tf.randomUniform([BATCH, IN], 0, 1, 'float32', 1);
    const xSmall = tf.randomUniform([BATCH, 128], -1, 1, 'float32', 1);
    const variants: Variant[] = [
      {
        name: 'BSplineKAN (G=5, k=3)',
        make: () => bsplineKAN({units: OUT, seed: 1}),
        x: xSym,
        inDim: IN,
        maxRatio: 2.5,
        reference: {key: 'efficient_kan', label: 'efficient-kan KANLinear', maxRatio: 1},
      },
      {
        name: 'RBFKAN (n=8, LayerNorm)',
        make: () => rbfKAN({units: OUT, seed: 1}),
        x: xSym,
        inDim: IN,
        maxRatio: 2,
        reference: {key: 'fast_kan', label: 'fast-kan FastKANLayer', maxRatio: 1.5},
      },
      {
        name: 'ChebyshevKAN (D=3)',
        make: () => chebyshevKAN({units: OUT, seed: 1}),
        x: xSym,
        inDim: IN,
        maxRatio: 2,
        reference: {key: 'chebykan', label: 'ChebyKAN ChebyKANLayer', maxRatio: 2},
      },
      {name: 'FourierKAN (G=5)', make: () => fourierKAN({units: OUT, seed: 1}), x: xSym, inDim: IN, maxRatio: 2},
      {name: 'ReLUKAN (g=5, k=3)', make: () => reluKAN({units: OUT, seed: 1}), x: xPos, inDim: IN, maxRatio: 2},
      {name: 'AFKAN (g=3, k=3, global-attn)', make: () => afKAN({units: 128, seed: 1}), x: xSmall, inDim: 128},
      {name: 'SelectableKAN (4 bases)', make: () => selectableKAN({units: 128, seed: 1}), x: xSmall, inDim: 128},
    ];
    for (const v of variants) {
      const layer = v.make();
      layer.build([null, v.inDim]);
      const params = trainableCount(layer);
      const denseUnits = Math.max(1, Math.round(params / (v.inDim + 1)));
      const dense = tf.layers.dense({units: denseUnits});
      dense.build([null, v.inDim]);
      const [kan, den] = timeInterleaved([() => fwdBwd(layer, v.x), () => fwdBwd(dense, v.x)], timing);
      ours.set(v.name, kan);
      const units = (layer as unknown as {units: number}).units;
      const what = `${v.name} fwd+bwd CPU ms, batch ${BATCH}, ${v.inDim}->${units}, ${params} params`;
      console.log(
        `\n  ${v.name}: ${kan.cpu.toFixed(1)} CPU ms (wall ${kan.wall.toFixed(1)}); ` +
          `Dense ${v.inDim}->${denseUnits}: ${den.cpu.toFixed(1)} CPU ms (wall ${den.wall.toFixed(1)})`,
      );
      rows.push({
        ...ratioRow({
          area: AREA,
          what,
          baseline: `Dense ${v.inDim}->${denseUnits} (equal params, ${trainableCount(dense)})`,
          value: kan.cpu,
          baselineValue: den.cpu,
          unit: 'ms',
          maxRatio: v.maxRatio,
        }),
        backend,
      });
      rows.push({
        ...ratioRow({
          area: AREA,
          what: `${v.name} peak tensor memory, fwd+bwd, batch ${BATCH}, ${v.inDim}->${units}`,
          baseline: `Dense ${v.inDim}->${denseUnits} (equal params)`,
          value: await peakMB(layer, v.x),
          baselineValue: await peakMB(dense, v.x),
          unit: 'MB',
        }),
        backend,
      });
      layer.weights.forEach(w => w.dispose()); // built, never applied: Layer.dispose() refuses
      dense.weights.forEach(w => w.dispose());
    }
    tf.dispose([xSym, xPos, xSmall]);

    // PyTorch references, same shape, right after ours in the same run.
    if (!torchAvailable()) {
      console.log('\n  reference: skipped (/usr/bin/python3 cannot import torch; see bench/README.md)');
    } else {
      for (const ref of torchTimesPerBlas(ctx.quick ? 5 : 15)) {
        console.log(`\n  reference: PyTorch ${ref.torch}, 1 thread, BLAS ${ref.blas}`);
        for (const v of variants) {
          if (v.reference == null) continue;
          const mine = ours.get(v.name)!;
          const cpu = median(ref.cpu_ms[v.reference.key]);
          console.log(
            `  ${v.reference.label}: ${cpu.toFixed(1)} CPU ms (wall ${median(ref.ms[v.reference.key]).toFixed(1)})`,
          );
          rows.push({
            ...ratioRow({
              area: AREA,
              what: `${v.name} fwd+bwd CPU ms, batch ${BATCH}, ${IN}->${OUT}`,
              baseline: `PyTorch ${ref.torch} ${v.reference.label}, 1 thread (${ref.blas})`,
              value: mine.cpu,
              baselineValue: cpu,
              unit: 'ms',
              maxRatio: v.reference.maxRatio,
            }),
            backend,
          });
        }
      }
    }
  } finally {
    if (!wasPatched) unpatchWasm();
    if (previous != null) await tf.setBackend(previous);
  }
  return rows;
}
