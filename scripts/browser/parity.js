/* Backend parity: computes a fixed, seeded set of quantities (every layer's
 * forward output and input/weight gradients, one optimizer step each, the
 * linalg and DSE numbers) on each requested backend and returns them as
 * {backends: {name: {quantity: number[]}}, errors, skipped}. Node compares
 * every backend with cpu (test/browser/parity.test.ts). Plain browser JS, no
 * build step; loaded by parity.html. Everything random comes from a seeded
 * mulberry32 generator in JS, so every backend gets identical inputs and
 * weights. */
/* global window, document, navigator */

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** n uniform numbers in [lo, hi) from the stream named `name`. */
function uniform(name, n, lo = -1, hi = 1) {
  const r = mulberry32(hash(name));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

const size = shape => shape.reduce((a, b) => a * b, 1);

// Weights whose built values are deterministic and carry structure (sorted
// grids and knots, positive thresholds/scales, norm gains): kept as built.
const KEEP = /^(grid|phase_low|phase_high|threshold|epsilon|ln_gamma|scale|temperature)$/;
/** A weight's own name without the (counter-numbered) layer scope. */
const short = w => (w.originalName || w.name).split('/').pop().replace(/_\d+$/, '');

async function tfaParity(tf, tfa, opts) {
  const out = document.getElementById('out');
  const result = {
    ok: true,
    tfjsVersion: tf.version.tfjs,
    f16: opts.f16,
    pack: opts.pack,
    backends: {},
    errors: {},
    skipped: {},
    flags: {},
    ms: {},
    leaks: {},
  };
  try {
    if (opts.f16) tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
    if (opts.pack != null) tf.env().set('WEBGL_PACK', opts.pack);
    if (tf.wasm && tf.wasm.setWasmPaths) tf.wasm.setWasmPaths('/');
    for (const backend of opts.backends) {
      if (backend === 'webgpu') {
        const adapter = navigator.gpu ? await navigator.gpu.requestAdapter().catch(() => null) : null;
        if (tf.findBackendFactory('webgpu') == null) {
          result.skipped.webgpu = `tfjs has no 'webgpu' backend on this page (@tensorflow/tfjs-backend-webgpu is not a dependency); navigator.gpu ${navigator.gpu ? 'present' : 'absent'}, adapter ${adapter ? 'available' : 'none'}`;
          continue;
        }
      }
      let okSet = false;
      try {
        okSet = await tf.setBackend(backend);
        await tf.ready();
      } catch (e) {
        result.skipped[backend] = `setBackend failed: ${e && e.message}`;
        continue;
      }
      if (!okSet || tf.getBackend() !== backend) {
        result.skipped[backend] = `setBackend('${backend}') returned false`;
        continue;
      }
      if (backend === 'wasm') result.flags.patchWasm = tfa.backend.patchWasm();
      if (backend === 'webgl') {
        for (const f of [
          'WEBGL_VERSION',
          'WEBGL_PACK',
          'WEBGL_FORCE_F16_TEXTURES',
          'WEBGL_RENDER_FLOAT32_ENABLED',
          'WEBGL_RENDER_FLOAT32_CAPABLE',
        ]) {
          result.flags[f] = tf.env().get(f);
        }
      }
      const t0 = performance.now();
      const before = tf.memory().numTensors;
      const {values, errors, leaks} = await quantities(tf, tfa);
      result.leaks[backend] = leaks;
      result.backends[backend] = values;
      result.errors[backend] = errors;
      result.ms[backend] = Math.round(performance.now() - t0);
      result.flags[`${backend}.leaked`] = tf.memory().numTensors - before;
    }
  } catch (e) {
    result.ok = false;
    result.error = String((e && e.stack) || e);
  }
  out.textContent = JSON.stringify(
    {ok: result.ok, error: result.error, skipped: result.skipped, ms: result.ms},
    null,
    2,
  );
  return result;
}

/** Every quantity on the current backend: {values: {name: number[]}, errors: {name: message}}. */
async function quantities(tf, tfa) {
  const values = {};
  const errors = {};
  const put = async (name, t) => {
    values[name] = Array.from(await t.data());
    tf.dispose(t);
  };
  const leaks = {};
  const run = async (name, fn) => {
    const before = tf.memory().numTensors;
    try {
      await fn();
    } catch (e) {
      errors[name] = String((e && e.message) || e);
    }
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) leaks[name] = leaked;
  };
  const tensor = (name, shape, lo = -1, hi = 1) => tf.tensor(uniform(name, size(shape), lo, hi), shape);

  /** Sets every weight of `layer` from the stream `name` (KEEP weights stay as built). */
  const seedWeights = (layer, name) => {
    // Structural weights and integer state (nestedDropout's stream_state) stay as built.
    const keep = w => KEEP.test(short(w)) || w.dtype !== 'float32';
    const ws = layer.weights.map((w, i) => {
      if (keep(w)) return w.read();
      return tensor(`${name}/w${i}`, w.shape, -0.5, 0.5);
    });
    layer.setWeights(ws);
    ws.forEach((w, i) => {
      if (!keep(layer.weights[i])) w.dispose();
    });
  };

  /** Forward output, d/dx and d/dw of sum(out · R) for a layer on input x. */
  const layerQuantities = async (name, make, xShape, {lo = -0.9, hi = 0.9, prep} = {}) => {
    const layer = make();
    const x = tensor(`${name}/x`, xShape, lo, hi);
    try {
      tf.dispose(layer.apply(x)); // builds
      seedWeights(layer, name);
      if (prep) prep(layer);
      if (layer.resetStates && layer.stateful) layer.resetStates();
      const y = layer.apply(x, {training: false});
      const r = tensor(`${name}/R`, y.shape);
      await put(`${name}.forward`, y);
      if (layer.resetStates && layer.stateful) layer.resetStates();
      const dx = tf.grad(xi => tf.sum(tf.mul(layer.apply(xi, {training: false}), r)))(x);
      await put(`${name}.dx`, dx);
      const vars = layer.trainableWeights.map(w => w.read());
      if (vars.length > 0) {
        if (layer.resetStates && layer.stateful) layer.resetStates();
        const {value, grads} = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, {training: false}), r)), vars);
        for (const v of layer.trainableWeights) {
          const g = grads[v.read().name];
          if (g != null) values[`${name}.d${short(v)}`] = Array.from(await g.data());
        }
        tf.dispose([value, grads]);
      }
      r.dispose();
    } finally {
      x.dispose();
      layer.dispose();
    }
  };

  const L = tfa.layers;
  const kans = {
    bsplineKAN: () => L.bsplineKAN({units: 5}),
    rbfKAN: () => L.rbfKAN({units: 5}),
    chebyshevKAN: () => L.chebyshevKAN({units: 5}),
    fourierKAN: () => L.fourierKAN({units: 5}),
    reluKAN: () => L.reluKAN({units: 5}),
    afKAN: () => L.afKAN({units: 5}),
    selectableKAN: () => L.selectableKAN({units: 5}),
  };
  for (const [name, make] of Object.entries(kans)) await run(name, () => layerQuantities(name, make, [6, 4]));
  await run('crrelu', () => layerQuantities('crrelu', () => L.crrelu({}), [6, 5]));
  await run('singleScaleRMSNorm', () => layerQuantities('singleScaleRMSNorm', () => L.singleScaleRMSNorm({}), [6, 5]));
  await run('nestedDropout', () => layerQuantities('nestedDropout', () => L.nestedDropout({}), [6, 5]));
  await run('deltaActivation', () => layerQuantities('deltaActivation', () => L.deltaActivation({}), [2, 5, 3]));
  await run('deltaActivation.integrate', () =>
    layerQuantities(
      'deltaActivation.integrate',
      () => L.deltaActivation({integrate: true, output: 'delta', activation: 'relu'}),
      [2, 5, 3],
    ),
  );

  // Streaming: the same sequence fed one frame at a time (stateful), outputs concatenated.
  await run('deltaActivation.streaming', async () => {
    const layer = L.deltaActivation({integrate: true, output: 'delta', stateful: true});
    const x = tensor('deltaActivation.streaming/x', [2, 5, 3], -0.9, 0.9);
    try {
      const first = tf.slice(x, [0, 0, 0], [2, 1, 3]);
      tf.dispose([layer.apply(first), first]); // builds
      layer.resetStates();
      const frames = [];
      for (let t = 0; t < 5; t++) {
        const f = tf.slice(x, [0, t, 0], [2, 1, 3]);
        frames.push(layer.apply(f));
        f.dispose();
      }
      await put('deltaActivation.streaming.forward', tf.concat(frames, 1));
      tf.dispose(frames);
    } finally {
      x.dispose();
      layer.dispose();
    }
  });

  // FTWT gate on [B, C] inputs: the gated convOutput, and its gradients.
  await run('ftwtGate', async () => {
    const gate = L.ftwtGate({});
    const xin = tensor('ftwtGate/xin', [6, 4], 0, 1);
    const xout = tensor('ftwtGate/xout', [6, 5], 0, 1);
    try {
      tf.dispose(gate.apply([xin, xout]));
      seedWeights(gate, 'ftwtGate');
      const y = gate.apply([xin, xout], {training: false});
      const r = tensor('ftwtGate/R', y.shape);
      await put('ftwtGate.forward', y);
      // The mask is a hard 0/1 of the predictor's logits (no gradient into convInput), so the
      // logits and the self-supervised target mask are compared, and d/d(convOutput).
      const g = tf.grad(b => tf.sum(tf.mul(gate.apply([xin, b], {training: false}), r)))(xout);
      await put('ftwtGate.dconvOutput', g);
      await put('ftwtGate.logits', gate.logits(xin));
      await put('ftwtGate.targetMask', gate.targetMask(xout));
      r.dispose();
    } finally {
      tf.dispose([xin, xout]);
      gate.dispose();
    }
  });

  // tfa.kan pieces (symbolic-KAN tooling): B-spline grid extension (float64 refit from
  // backend-computed bases) and pykan's edge attribution scores on a [4, 5, 2] chain.
  await run('kan.extendGrid', async () => {
    const layer = L.bsplineKAN({units: 5});
    const x = tensor('kan.extendGrid/x', [32, 4], -0.9, 0.9);
    const x2 = tensor('kan.extendGrid/x2', [6, 4], -0.9, 0.9);
    try {
      tf.dispose(layer.apply(x));
      seedWeights(layer, 'kan.extendGrid');
      layer.extendGrid(x, 10);
      await put('kan.extendGrid.forward', layer.apply(x2));
    } finally {
      tf.dispose([x, x2]);
      layer.dispose();
    }
  });
  await run('kan.edgeScores', async () => {
    const model = tf.sequential({layers: [L.bsplineKAN({units: 5, inputShape: [4]}), L.bsplineKAN({units: 2})]});
    const x = tensor('kan.edgeScores/x', [32, 4], -0.9, 0.9);
    try {
      model.layers.forEach((l, i) => seedWeights(l, `kan.edgeScores/${i}`));
      const sc = tfa.kan.edgeScores(model, x);
      values['kan.edgeScores.edges'] = sc.edges.flat(2);
      values['kan.edgeScores.nodes'] = sc.nodes.flat();
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  // One optimizer step (two, so moments/momentum are used) on a fixed tiny linear model.
  const optimizerStep = async (name, make) => {
    const x = tensor(`opt/x`, [8, 6]);
    const y = tensor(`opt/y`, [8, 4]);
    const w = tf.tidy(() => tf.variable(tensor(`opt/w`, [6, 4], -0.5, 0.5), true, `${name}_kernel`));
    const b = tf.tidy(() => tf.variable(tensor(`opt/b`, [4], -0.5, 0.5), true, `${name}_bias`));
    const opt = make();
    try {
      for (let s = 0; s < 2; s++) {
        const cost = opt.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))), true, [w, b]);
        tf.dispose(cost);
      }
      // The update (after − before), so the comparison is relative to the step, not to the weights.
      const w0 = uniform('opt/w', 24, -0.5, 0.5);
      const b0 = uniform('opt/b', 4, -0.5, 0.5);
      values[`${name}.kernelUpdate`] = Array.from(await w.data(), (v, i) => v - w0[i]);
      values[`${name}.biasUpdate`] = Array.from(await b.data(), (v, i) => v - b0[i]);
    } finally {
      tf.dispose([x, y, w, b]);
      opt.dispose();
    }
  };
  const O = tfa.optimizers;
  await run('adamw', () => optimizerStep('adamw', () => O.adamw({learningRate: 0.01})));
  await run('muon', () => optimizerStep('muon', () => O.muon({learningRate: 0.02})));
  await run('spectra', () => optimizerStep('spectra', () => O.spectra({learningRate: 0.01, clipThreshold: 0.5})));

  await run('newtonSchulz', async () => {
    const g = tensor('linalg/g', [6, 4]);
    await put('newtonSchulz', tfa.linalg.newtonSchulz(g));
    g.dispose();
  });
  await run('softSpectralClip', async () => {
    const g = tensor('linalg/g', [6, 4]);
    await put('softSpectralClip', tfa.linalg.softSpectralClip(g, 0.5));
    g.dispose();
  });

  await run('dse', async () => {
    const z = tensor('dse/z', [40, 8]);
    try {
      values['dse.exact'] = [await tfa.spectral.diffusionSpectralEntropy(z, {method: 'exact'})];
      // N = 40 > deflation + steps, so this really runs the deflated stochastic Lanczos quadrature (on the backend).
      values['dse.median.lanczos'] = [
        await tfa.spectral.diffusionSpectralEntropy(z, {
          sigma: 'median',
          method: 'lanczos',
          deflation: 8,
          steps: 12,
          probes: 10,
        }),
      ];
      values['dse.median.exact'] = [await tfa.spectral.diffusionSpectralEntropy(z, {sigma: 'median', method: 'exact'})];
    } finally {
      z.dispose();
    }
  });
  return {values, errors, leaks};
}
window.tfaParity = tfaParity;
