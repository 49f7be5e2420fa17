/**
 * demo-out/report.html: the results table and the SVG plots from tfa.plots
 * (accuracy and DSE curves per run, weight spectra with their power-law fits,
 * learned KAN functions), inlined so the file is self-contained.
 */
import {piece, type MetricCurves, type SpectrumPlot} from './api';

export interface RunResult {
  name: string;
  title: string;
  optimizer: string;
  status: 'ok' | 'missing' | 'failed';
  reason?: string;
  params?: number;
  testAcc?: number;
  trainSecPerEpoch?: number;
  trainCpuSecPerEpoch?: number;
  epochSecPerEpoch?: number;
  finalDse?: number;
  finalAlpha?: number;
  history?: Record<string, number[]>;
  /** Eigenvalues of the hidden kernel's WᵀW at the end, for the spectrum plot. */
  spectrum?: {layer: string; eigenvalues: number[]; alpha: number};
  /** SVGs of learned KAN functions (rendered while the model was alive). */
  kanSvgs?: Array<{layer: string; svg: string}>;
  /** tfa.plots.layerReport of tfa.spectral.analyze at the end of the run. */
  layerReportSvg?: string;
}

export interface ReportMeta {
  backend: string;
  seed: number;
  epochs: number;
  quick: boolean;
  trainSize: number;
  testSize: number;
  probeSize: number;
  batchSize: number;
  node: string;
  cpu: string;
  totalSec: number;
  missing: string[];
}

const esc = (s: string): string =>
  s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c] ?? c);

export const fmt = (v: number | undefined, digits: number): string =>
  v == null || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);

/** Rows of the results table (also printed in the terminal). */
export function tableRows(results: RunResult[]): string[][] {
  const header = [
    'run',
    'optimizer',
    'test acc',
    'params',
    'train s/epoch',
    'train cpu s/epoch',
    'epoch s (with monitors)',
    'final DSE (bits)',
    'final alpha',
  ];
  const rows = results.map(r =>
    r.status === 'ok'
      ? [
          r.name,
          r.optimizer,
          fmt(r.testAcc, 4),
          String(r.params),
          fmt(r.trainSecPerEpoch, 2),
          fmt(r.trainCpuSecPerEpoch, 2),
          fmt(r.epochSecPerEpoch, 2),
          fmt(r.finalDse, 3),
          fmt(r.finalAlpha, 2),
        ]
      : [r.name, r.status === 'missing' ? 'not available' : 'FAILED', r.reason ?? '', '', '', '', '', '', ''],
  );
  return [header, ...rows];
}

function htmlTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return (
    `<table><thead><tr>${head.map(h => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    body.map(r => `<tr>${r.map(v => `<td>${esc(v)}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

function notAvailable(what: string): string {
  return `<p class="na">${esc(what)}: not available.</p>`;
}

/** Curves across runs on one panel per metric: records `{epoch, metric, layer: run, value}`. */
function curves(results: RunResult[], metrics: Array<[key: string, label: string]>, title: string): string {
  const metricCurves = piece<MetricCurves>('plots', 'metricCurves');
  if (metricCurves == null) return notAvailable('tfa.plots.metricCurves');
  const records: Array<{epoch: number; metric: string; layer: string; value: number}> = [];
  for (const r of results) {
    if (r.history == null) continue;
    for (const [key, label] of metrics) {
      (r.history[key] ?? []).forEach((value, epoch) =>
        records.push({epoch: epoch + 1, metric: label, layer: r.name, value}),
      );
    }
  }
  if (records.length === 0) return notAvailable(`${metrics.map(m => m[0]).join(', ')} (no run logged them)`);
  try {
    return metricCurves(records, {title, columns: Math.min(2, metrics.length), panelWidth: 460, panelHeight: 280});
  } catch (e) {
    return `<p class="na">metricCurves failed: ${esc((e as Error).message)}</p>`;
  }
}

function spectra(results: RunResult[]): string {
  const spectrumPlot = piece<SpectrumPlot>('plots', 'spectrumPlot');
  if (spectrumPlot == null) return notAvailable('tfa.plots.spectrumPlot');
  const parts: string[] = [];
  for (const r of results) {
    if (r.spectrum == null) continue;
    try {
      const svg = spectrumPlot(r.spectrum.eigenvalues, {
        title: `${r.name}: ${r.spectrum.layer} kernel ESD, alpha ${fmt(r.spectrum.alpha, 2)}`,
        width: 460,
        height: 320,
      });
      parts.push(`<figure>${svg}<figcaption>${esc(r.name)}</figcaption></figure>`);
    } catch (e) {
      parts.push(`<p class="na">${esc(r.name)}: spectrumPlot failed: ${esc((e as Error).message)}</p>`);
    }
  }
  return parts.length
    ? `<div class="grid">${parts.join('')}</div>`
    : notAvailable('weight spectra (tfa.spectral.weightSpectrum)');
}

function kanFunctions(results: RunResult[]): string {
  const parts: string[] = [];
  for (const r of results) {
    for (const k of r.kanSvgs ?? [])
      parts.push(`<figure>${k.svg}<figcaption>${esc(r.name)}: layer ${esc(k.layer)}</figcaption></figure>`);
  }
  return parts.length
    ? parts.join('')
    : notAvailable('learned KAN functions (tfa.plots KAN function grid, or no KAN run)');
}

/** Extra report panels computed outside the MNIST runs (HTML). */
export interface ReportPanels {
  /** The KAN-formula panel (scripts/demo/kan_formula.ts). */
  kanFormula?: string;
}

export function renderReport(results: RunResult[], meta: ReportMeta, panels: ReportPanels = {}): string {
  const ok = results.filter(r => r.status === 'ok');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>tfjs-addons demo: MNIST</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
.na{color:#a33;font-style:italic}.meta{color:#555;font-size:13px}
.grid{display:flex;flex-wrap:wrap;gap:8px}figure{margin:4px}figcaption{font-size:12px;color:#555;text-align:center}
svg{max-width:100%;height:auto}
</style></head><body>
<h1>tfjs-addons demo: MNIST (real digits from the <code>mnist</code> package)</h1>
<p class="meta">backend <b>${esc(meta.backend)}</b>; ${meta.trainSize} train / ${meta.testSize} test images; ${meta.epochs} epochs, batch ${meta.batchSize}, seed ${meta.seed}${meta.quick ? ' (--quick)' : ''}; DSE probe ${meta.probeSize} test images; ${esc(meta.cpu)}, Node ${esc(meta.node)}; total ${meta.totalSec.toFixed(0)} s.</p>
${meta.missing.length ? `<p class="na">Not available in this build: ${esc(meta.missing.join(', '))}</p>` : ''}
<h2>Results</h2>
${htmlTable(tableRows(results))}
<p class="meta">test acc: accuracy on the held-out test split after the last epoch. train s/epoch: wall time of the training batches; train cpu s/epoch: the process's CPU time for them (a fairer comparison when other work shares the machine); epoch s adds validation and the dseMonitor/weightSpectrumMonitor callbacks. DSE: diffusion spectral entropy of the hidden representation on the probe (dseMonitor). alpha: mean power-law exponent of the Dense kernels (weightSpectrumMonitor).</p>
<h2>Accuracy</h2>
${curves(
  ok,
  [
    ['acc', 'train accuracy'],
    ['val_acc', 'test accuracy'],
  ],
  'Accuracy per epoch',
)}
<h2>Diffusion spectral entropy of the hidden layer</h2>
${curves(ok, [['dse', 'dse (bits)']], 'DSE per epoch')}
${curves(ok, [['alpha_mean', 'alpha_mean']], 'Mean power-law alpha of the Dense kernels')}
<h2>Weight spectra of the hidden kernel, with power-law fits</h2>
${spectra(ok)}
<h2>Per-layer spectra (tfa.spectral.analyze): power-law fit and Marchenko–Pastur bulk</h2>
${ok.map(r => (r.layerReportSvg ? `<figure>${r.layerReportSvg}<figcaption>${esc(r.name)}</figcaption></figure>` : '')).join('') || notAvailable('tfa.plots.layerReport')}
<h2>Learned KAN functions</h2>
${kanFunctions(ok)}
${panels.kanFormula != null ? `<h2>From data to formula (KAN)</h2>\n${panels.kanFormula}` : ''}
<h2>Runs</h2>
<ul>${results.map(r => `<li><b>${esc(r.name)}</b>: ${esc(r.title)}; ${esc(r.optimizer)}${r.reason ? ` — ${esc(r.reason)}` : ''}</li>`).join('')}</ul>
</body></html>
`;
}
