/**
 * Same numbers in the browser: headless Chromium runs scripts/browser/parity.html
 * (the ES module bundle through an import map) on every backend it offers
 * (cpu, wasm with tfa.backend.patchWasm(), webgl; webgpu when tfjs has a
 * webgpu backend and Chromium an adapter) and returns, per backend, every
 * layer's forward output and input/weight gradients, one optimizer step each,
 * newtonSchulz/softSpectralClip and DSE on fixed seeded inputs. Each backend is
 * compared with cpu under a tolerance stated per quantity; the table is printed
 * and saved to test-artifacts/browser-parity.{json,md}. A second run checks
 * webgl with WEBGL_PACK=false the same way. A third run forces
 * float16 textures on webgl (WEBGL_FORCE_F16_TEXTURES) and reports which
 * components survive (informative: f16 is a device limit, not our bug).
 * Needs `npm run build` output and /usr/bin/chromium.
 */
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import {chromium, type Browser} from 'playwright-core';

import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../../scripts/browser/chromium';
import {BUNDLES, serve, type Served} from '../../scripts/browser/server';

interface ParityResult {
  ok: boolean;
  error?: string;
  tfjsVersion: string;
  backends: Record<string, Record<string, number[]>>;
  errors: Record<string, Record<string, string>>;
  skipped: Record<string, string>;
  flags: Record<string, unknown>;
  ms: Record<string, number>;
  /** Tensors left behind per component and backend (none expected). */
  leaks: Record<string, Record<string, number>>;
}

/** How a quantity is compared with cpu. */
interface Tolerance {
  kind: 'rel' | 'abs';
  tol: number;
  why: string;
}

/**
 * Tolerance per quantity. 'rel': max|x − x_cpu| / max(max|x_cpu|, 1e-3) (relative
 * to the quantity's largest magnitude; the floor keeps exact zeros, e.g. the
 * gradient of a softmax-invariant bias, from dividing by ~0). 'abs': max|x − x_cpu|.
 */
export function toleranceOf(q: string): Tolerance {
  if (q.startsWith('dse.'))
    return {kind: 'abs', tol: 1e-2, why: 'entropy in bits, float64 eigensolver on a float32 kernel'};
  if (/^(adamw|muon|spectra)\./.test(q))
    return {kind: 'rel', tol: 1e-2, why: 'optimizer update (2 steps), Newton–Schulz/clip chains'};
  if (/\.d[A-Za-z]/.test(q)) return {kind: 'rel', tol: 1e-2, why: 'float32 gradient through the layer'};
  return {kind: 'rel', tol: 1e-3, why: 'float32 forward'};
}

export interface Row {
  quantity: string;
  backend: string;
  error: number | null;
  tol: number;
  kind: 'rel' | 'abs';
  ok: boolean;
  note?: string;
}

function maxErr(ref: number[], got: number[], kind: 'rel' | 'abs'): number {
  if (ref.length !== got.length) return Number.POSITIVE_INFINITY;
  let e = 0;
  let m = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ref[i] - got[i]);
    e = Number.isFinite(d) ? Math.max(e, d) : Number.POSITIVE_INFINITY;
    m = Math.max(m, Math.abs(ref[i]));
  }
  return kind === 'abs' ? e : e / Math.max(m, 1e-3);
}

/** Every quantity of every backend against cpu. */
export function compare(r: ParityResult): Row[] {
  const cpu = r.backends.cpu;
  const rows: Row[] = [];
  for (const [backend, values] of Object.entries(r.backends)) {
    if (backend === 'cpu') continue;
    for (const q of Object.keys(cpu)) {
      const t = toleranceOf(q);
      if (values[q] == null) {
        rows.push({
          quantity: q,
          backend,
          error: null,
          tol: t.tol,
          kind: t.kind,
          ok: false,
          note: r.errors[backend]?.[q.split('.')[0]] ?? 'missing',
        });
        continue;
      }
      const error = maxErr(cpu[q], values[q], t.kind);
      rows.push({quantity: q, backend, error, tol: t.tol, kind: t.kind, ok: error <= t.tol});
    }
  }
  return rows;
}

const fmt = (e: number | null) => (e == null ? 'n/a' : Number.isFinite(e) ? e.toExponential(1) : 'inf');

/** Markdown table: quantity × backend (max error, tolerance, ok). */
export function table(rows: Row[]): string {
  const backends = [...new Set(rows.map(r => r.backend))];
  const quantities = [...new Set(rows.map(r => r.quantity))];
  const lines = [
    `| quantity | tolerance | ${backends.map(b => `${b} max error`).join(' | ')} |`,
    `|---|---|${backends.map(() => '---').join('|')}|`,
  ];
  for (const q of quantities) {
    const t = toleranceOf(q);
    const cells = backends.map(b => {
      const r = rows.find(x => x.quantity === q && x.backend === b);
      return r == null ? '' : `${fmt(r.error)} ${r.ok ? 'ok' : '**FAIL**'}${r.note ? ` (${r.note})` : ''}`;
    });
    lines.push(`| ${q} | ${t.kind} ${t.tol} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Per component (the name before the first '.'): worst forward and gradient error, and whether all pass. */
export function survival(rows: Row[], backend: string): string {
  const comps = new Map<string, {fwd: number; grad: number; ok: boolean}>();
  for (const r of rows.filter(x => x.backend === backend)) {
    const c = r.quantity.replace(
      /\.(forward|d[A-Za-z_]+|kernelUpdate|biasUpdate|logits|targetMask|edges|nodes|exact|median\.lanczos|median\.exact)$/,
      '',
    );
    const s = comps.get(c) ?? {fwd: 0, grad: 0, ok: true};
    const e = r.error ?? Number.POSITIVE_INFINITY;
    if (/\.d[A-Za-z]/.test(r.quantity)) s.grad = Math.max(s.grad, e);
    else s.fwd = Math.max(s.fwd, e);
    s.ok = s.ok && r.ok;
    comps.set(c, s);
  }
  const lines = ['| component | max error (output) | max error (gradients) | within tolerance |', '|---|---|---|---|'];
  for (const [c, s] of comps)
    lines.push(`| ${c} | ${fmt(s.fwd)} | ${s.grad ? fmt(s.grad) : '–'} | ${s.ok ? 'yes' : 'no'} |`);
  return lines.join('\n');
}

// Flags that give headless Chromium a WebGPU adapter (SwiftShader) next to its WebGL.
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan'];
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');

describe('browser parity: every backend against cpu in headless Chromium', function () {
  this.timeout(110000);
  let server: Served;
  let browser: Browser;

  before(async () => {
    if (!fs.existsSync(BUNDLES.esm))
      throw new Error(`browser parity: ${BUNDLES.esm} is missing; run \`npm run build\` first`);
    if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`browser parity: no Chromium at ${CHROMIUM_PATH}`);
    server = await serve();
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** console.warn lines of the last run that say float16 is active. */
  let f16Warnings: string[] = [];

  async function run(query: string): Promise<ParityResult> {
    const tab = await browser.newPage();
    const pageErrors: string[] = [];
    f16Warnings = [];
    tab.on('pageerror', e => pageErrors.push(e.message));
    tab.on('console', m => {
      if (m.type() === 'warning' && /stores tensors as float16/.test(m.text())) f16Warnings.push(m.text());
    });
    await tab.goto(`${server.url}/parity.html${query}`);
    await tab.waitForFunction(() => (window as unknown as {tfaResult?: unknown}).tfaResult !== undefined, null, {
      timeout: 100000,
    });
    const r = (await tab.evaluate(
      () => (window as unknown as {tfaResult: Promise<unknown>}).tfaResult,
    )) as ParityResult;
    await tab.close();
    expect(pageErrors, 'page errors').to.deep.equal([]);
    if (!r.ok) throw new Error(`parity page failed: ${r.error}`);
    return r;
  }

  function save(name: string, data: unknown, md: string): void {
    fs.mkdirSync(ARTIFACTS, {recursive: true});
    fs.writeFileSync(path.join(ARTIFACTS, `${name}.json`), `${JSON.stringify(data, null, 1)}\n`);
    fs.writeFileSync(path.join(ARTIFACTS, `${name}.md`), `${md}\n`);
  }

  it('wasm and webgl (and webgpu when available) agree with cpu on every quantity within its tolerance', async () => {
    const r = await run('?backends=cpu,wasm,webgl,webgpu');
    for (const [b, why] of Object.entries(r.skipped)) console.log(`      [parity] ${b} skipped: ${why}`);
    // cpu is the reference; webgl is what headless Chromium offers (SwiftShader), wasm is served with the page.
    expect(Object.keys(r.backends)).to.include.members(['cpu', 'wasm', 'webgl']);
    expect(r.errors.cpu, 'cpu errors').to.deep.equal({});
    // The quantity set is complete: every KAN variant, the other layers, the optimizers, linalg and DSE.
    const names = Object.keys(r.backends.cpu);
    for (const c of [
      'bsplineKAN',
      'rbfKAN',
      'chebyshevKAN',
      'fourierKAN',
      'reluKAN',
      'afKAN',
      'selectableKAN',
      'crrelu',
      'deltaActivation',
      'deltaActivation.streaming',
      'ftwtGate',
      'singleScaleRMSNorm',
      'nestedDropout',
    ]) {
      expect(names, c).to.include(`${c}.forward`);
    }
    for (const c of [
      'bsplineKAN',
      'rbfKAN',
      'chebyshevKAN',
      'fourierKAN',
      'reluKAN',
      'afKAN',
      'selectableKAN',
      'crrelu',
      'deltaActivation',
      'singleScaleRMSNorm',
    ]) {
      expect(names.filter(n => n.startsWith(`${c}.d`) && n !== `${c}.dx`).length, `${c} weight gradients`).to.be.above(
        0,
      );
      expect(names, c).to.include(`${c}.dx`);
    }
    for (const q of [
      'adamw.kernelUpdate',
      'muon.kernelUpdate',
      'spectra.kernelUpdate',
      'newtonSchulz',
      'softSpectralClip',
      'dse.exact',
      'dse.median.lanczos',
      'kan.extendGrid.forward',
      'kan.edgeScores.edges',
    ]) {
      expect(names).to.include(q);
    }
    // The Lanczos estimate really ran (not the exact fallback for small N): near the exact value, not equal to it.
    const [exact, slq] = [r.backends.cpu['dse.median.exact'][0], r.backends.cpu['dse.median.lanczos'][0]];
    expect(slq).to.not.equal(exact);
    expect(Math.abs(slq - exact), `lanczos ${slq} vs exact ${exact} bits`).to.be.below(0.5);
    // No quantity is trivially zero on cpu (a comparison of zeros with zeros checks nothing), bar the inference-time identities.
    for (const q of names.filter(n => !/afKAN\.dreduce_bias/.test(n))) {
      expect(
        r.backends.cpu[q].some(v => v !== 0),
        `${q} is all zeros`,
      ).to.equal(true);
      expect(r.backends.cpu[q].every(Number.isFinite), `${q} finite on cpu`).to.equal(true);
    }
    const rows = compare(r);
    const md = [
      `tfjs ${r.tfjsVersion}; flags ${JSON.stringify(r.flags)}; time per backend (ms) ${JSON.stringify(r.ms)}`,
      ...Object.entries(r.skipped).map(([b, why]) => `skipped ${b}: ${why}`),
      '',
      table(rows),
    ].join('\n');
    save('browser-parity', {skipped: r.skipped, flags: r.flags, ms: r.ms, rows}, md);
    console.log(md.replace(/^/gm, '      '));
    // float32 textures: no component warns about float16.
    expect(f16Warnings, 'float16 warnings on float32 webgl').to.deep.equal([]);
    // Nothing leaks on any backend: every component's tensors are freed after use.
    for (const b of Object.keys(r.backends)) expect(r.leaks[b], `tensors left on ${b}`).to.deep.equal({});
    const bad = rows
      .filter(x => !x.ok)
      .map(x => `${x.backend}:${x.quantity} error ${fmt(x.error)} > ${x.tol}${x.note ? ` (${x.note})` : ''}`);
    expect(bad, 'quantities beyond tolerance').to.deep.equal([]);
  });

  it('webgl without packed kernels (WEBGL_PACK=false) agrees with cpu as well', async () => {
    const r = await run('?backends=cpu,webgl&pack=0');
    expect(r.flags.WEBGL_PACK, 'packing off').to.equal(false);
    const rows = compare(r);
    save(
      'browser-parity-unpacked',
      {flags: r.flags, ms: r.ms, errors: r.errors, rows},
      ['webgl with WEBGL_PACK=false', '', table(rows)].join('\n'),
    );
    const worst = rows.reduce(
      (m, x) => ((x.error ?? Infinity) / x.tol > (m.error ?? Infinity) / m.tol ? x : m),
      rows[0],
    );
    console.log(
      `      [parity] webgl unpacked: ${rows.length} quantities, worst ${worst.quantity} ${fmt(worst.error)} (tolerance ${worst.tol})`,
    );
    expect(r.leaks.webgl, 'tensors left on unpacked webgl').to.deep.equal({});
    const bad = rows
      .filter(x => !x.ok)
      .map(x => `${x.quantity} error ${fmt(x.error)} > ${x.tol}${x.note ? ` (${x.note})` : ''}`);
    expect(bad, 'quantities beyond tolerance on unpacked webgl').to.deep.equal([]);
  });

  it('reports which components survive float16 textures on webgl (WEBGL_FORCE_F16_TEXTURES)', async () => {
    const r = await run('?backends=cpu,webgl&f16=1');
    expect(r.flags.WEBGL_FORCE_F16_TEXTURES, 'f16 forced').to.equal(true);
    const rows = compare(r);
    const md = [
      `webgl with WEBGL_FORCE_F16_TEXTURES=true, WEBGL_PACK=${String(r.flags.WEBGL_PACK)}`,
      '',
      survival(rows, 'webgl'),
      '',
      table(rows),
    ].join('\n');
    save('browser-parity-f16', {flags: r.flags, ms: r.ms, errors: r.errors, rows}, md);
    console.log(survival(rows, 'webgl').replace(/^/gm, '      '));
    // Informative, except: f16 really is in effect (forward outputs move off the f32 result).
    expect(
      rows.some(x => x.quantity.endsWith('.forward') && (x.error ?? 0) > 1e-4),
      'f16 changes the numbers',
    ).to.equal(true);
    // The components measured beyond float32 tolerance under f16 warn once each, at build/construction/call.
    const warned = f16Warnings.map(w => w.split(':')[0]).sort();
    expect(warned).to.deep.equal([
      'AFKAN',
      'adamw',
      'extendGrid',
      'muon',
      'newtonSchulz',
      'spectra',
      'spectral.diffusionSpectralEntropy',
    ]);
  });
});

describe('browser parity: the comparison itself', () => {
  const result = (webgl: Record<string, number[]>): ParityResult => ({
    ok: true,
    tfjsVersion: 'x',
    backends: {cpu: {'k.forward': [1, -2, 0.5], 'k.dw': [0, 0], 'dse.exact': [3.2]}, webgl},
    errors: {webgl: {}},
    skipped: {},
    flags: {},
    ms: {},
    leaks: {},
  });

  it('flags an error beyond the tolerance by name, relative to the largest cpu magnitude', () => {
    const rows = compare(result({'k.forward': [1, -2.005, 0.5], 'k.dw': [0, 0], 'dse.exact': [3.2]}));
    const fwd = rows.find(r => r.quantity === 'k.forward')!;
    expect(fwd.error).to.be.closeTo(0.005 / 2, 1e-12);
    expect(fwd.ok).to.equal(false);
    expect(rows.filter(r => !r.ok).map(r => r.quantity)).to.deep.equal(['k.forward']);
  });

  it('an all-zero gradient is compared on the 1e-3 floor; DSE in absolute bits; missing and NaN fail', () => {
    const rows = compare(result({'k.forward': [1, -2, 0.5], 'k.dw': [2e-5, 0], 'dse.exact': [3.215]}));
    expect(rows.find(r => r.quantity === 'k.dw')!.error).to.be.closeTo(2e-2, 1e-12);
    expect(rows.find(r => r.quantity === 'k.dw')!.ok).to.equal(false);
    expect(rows.find(r => r.quantity === 'dse.exact')!.error).to.be.closeTo(0.015, 1e-9);
    const broken = compare(result({'k.forward': [1, NaN, 0.5], 'dse.exact': [3.2]}));
    expect(broken.filter(r => !r.ok).map(r => r.quantity)).to.deep.equal(['k.forward', 'k.dw']);
  });
});
