import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {bsplineKAN} from '../../src/layers/kan/bspline';
import {analyze, jensenShannonDistance, summary, type LayerReport} from '../../src/spectral/analyze';
import {modelMatrices} from '../../src/spectral/model_matrices';
import {expectNoLeak} from '../helpers/leaks';
import {detXLambdaMin, seededNormal, seededUniform} from '../reference/spectral';
import {
  jensenShannonRef,
  matrixEsd,
  mpFitRef,
  mulberry32Ref,
  normMetricsRef,
  shuffleRef,
  wwFitRef,
} from '../reference/weightwatcher';

type Gen = (r: number, c: number, seed: number) => Float32Array;

const gaussian: Gen = (r, c, seed) => {
  const n = seededNormal(seed);
  return Float32Array.from({length: r * c}, () => n());
};
/** Student-t with 3 degrees of freedom: z / √(χ²₃/3). */
const studentT: Gen = (r, c, seed) => {
  const n = seededNormal(seed);
  return Float32Array.from({length: r * c}, () => n() / Math.sqrt((n() ** 2 + n() ** 2 + n() ** 2) / 3));
};
/** Symmetric Pareto (tail index 1.5): ±u^(−1/1.5). */
const pareto: Gen = (r, c, seed) => {
  const u = seededUniform(seed);
  return Float32Array.from({length: r * c}, () => (u() < 0.5 ? -1 : 1) * Math.max(u(), 1e-6) ** (-1 / 1.5));
};
/** Rank-3 signal (scale 3) plus 0.1·Gaussian noise. */
const lowRankNoise: Gen = (r, c, seed) => {
  const n = seededNormal(seed);
  const u = Array.from({length: r * 3}, () => n());
  const v = Array.from({length: c * 3}, () => n());
  return Float32Array.from({length: r * c}, (_, k) => {
    const i = Math.floor(k / c);
    const j = k % c;
    let s = 0;
    for (let q = 0; q < 3; q++) s += u[i * 3 + q] * v[j * 3 + q];
    return s + 0.1 * n();
  });
};

function denseModel(r: number, c: number, w: Float32Array): tf.Sequential {
  const model = tf.sequential({layers: [tf.layers.dense({units: c, inputShape: [r], name: 'fc'})]});
  model.layers[0].setWeights([tf.tensor2d(w, [r, c]), tf.zeros([c])]);
  return model;
}

/** WeightWatcher's row for a list of row-major slices (float64 transcription). */
function reference(slices: Array<{x: ArrayLike<number>; r: number; c: number}>, scale: number): Record<string, number> {
  const evals = slices.flatMap(s => matrixEsd(s.x, s.r, s.c).map(e => e * scale)).sort((a, b) => a - b);
  const N = Math.max(slices[0].r, slices[0].c);
  const M = Math.min(slices[0].r, slices[0].c);
  const fit = wwFitRef(evals);
  return {
    ...fit,
    ...normMetricsRef(evals, N, fit.alpha),
    ...mpFitRef(evals, N, M),
    erg: fit.xmin - detXLambdaMin(evals),
    N,
    M,
    Q: N / M,
    numEvals: evals.length,
  };
}

const INTEGER_KEYS = ['numPlSpikes', 'matrixRank', 'numSpikes', 'N', 'M', 'numEvals'];
const KEYS = [
  'alpha',
  'xmin',
  'D',
  'sigma',
  'alphaWeighted',
  'logAlphaNorm',
  'logNorm',
  'logSpectralNorm',
  'stableRank',
  'matrixEntropy',
  'mpSoftrank',
  'sigmaMp',
  'bulkMax',
  'bulkMin',
  'lambdaMax',
  'norm',
  'Q',
  'erg',
];

function expectRow(row: LayerReport, ref: Record<string, number>): void {
  for (const k of INTEGER_KEYS) expect(row[k as keyof LayerReport], k).to.equal(ref[k]);
  for (const k of KEYS) {
    const got = row[k as keyof LayerReport] as number;
    const want = ref[k];
    // 1e-6 relative (float64 on both sides; two different eigensolvers agree to ~1e-13 relative).
    // erg is a difference of eigenvalues: relative to λ_max.
    const scale = k === 'erg' ? ref.lambdaMax : Math.abs(want);
    expect(Math.abs(got - want), `${k}: ${got} vs ${want}`).to.be.at.most(1e-6 * scale + 1e-300);
  }
  const alpha = ref.alpha;
  expect(row.warning).to.equal(alpha < 2 ? 'over-trained' : alpha > 6 ? 'under-trained' : '');
}

describe('spectral.analyze', () => {
  const cases: Array<[string, Gen, number, number, number]> = [
    ['Gaussian rectangular', gaussian, 60, 30, 1],
    ['Gaussian rectangular, transposed', gaussian, 30, 60, 2],
    ['Gaussian square (quarter-circle MP fit)', gaussian, 40, 40, 3],
    ['Student-t(3)', studentT, 80, 40, 4],
    ['Pareto(1.5)', pareto, 50, 70, 5],
    ['low-rank + noise', lowRankNoise, 64, 48, 6],
  ];
  for (const [label, gen, r, c, seed] of cases) {
    it(`matches WeightWatcher's formulas (float64 transcription) on a ${label} [${r}, ${c}] Dense kernel`, async () => {
      const w = gen(r, c, seed);
      const model = denseModel(r, c, w);
      const [row] = await analyze(model);
      expect(row.name).to.equal('fc');
      expectRow(row, reference([{x: w, r, c}], 1));
    });
  }

  it('matches WeightWatcher on a Conv2D kernel: 9 slices [8, 12] pooled, eigenvalues halved @wasm', async () => {
    const [kh, kw, cin, cout] = [3, 3, 8, 12];
    const w = studentT(kh * kw * cin, cout, 9);
    const model = tf.sequential({
      layers: [tf.layers.conv2d({filters: cout, kernelSize: 3, inputShape: [6, 6, cin], name: 'conv'})],
    });
    model.layers[0].setWeights([tf.tensor4d(w, [kh, kw, cin, cout]), tf.zeros([cout])]);
    const [row] = await analyze(model);
    expect([row.rf, row.numEvals]).to.deep.equal([9, 72]);
    const slices = Array.from({length: 9}, (_, s) => ({
      x: w.subarray(s * cin * cout, (s + 1) * cin * cout),
      r: cin,
      c: cout,
    }));
    expectRow(row, reference(slices, 0.5));
    // flattened view: one [72, 12] matrix, no conv2d_norm scaling
    const [flat] = await analyze(model, {convView: 'flatten'});
    expectRow(flat, reference([{x: w, r: 72, c: cout}], 1));
  });

  it('matches WeightWatcher on an Embedding [50, 16] and a DepthwiseConv2D [5, 5, 3, 4] kernel (25 slices [3, 4], halved)', async () => {
    const emb = studentT(50, 16, 13);
    const dw = gaussian(5 * 5 * 3, 4, 14);
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({inputDim: 50, outputDim: 16, inputLength: 6, name: 'emb'}),
        tf.layers.reshape({targetShape: [6, 16, 1]}),
        tf.layers.conv2d({filters: 3, kernelSize: 1, name: 'to3'}), // [1,1,1,3]: 1 eigenvalue, skipped
        tf.layers.depthwiseConv2d({kernelSize: 5, depthMultiplier: 4, padding: 'same', name: 'dw'}),
      ],
    });
    model.getLayer('emb').setWeights([tf.tensor2d(emb, [50, 16])]);
    model.getLayer('dw').setWeights([tf.tensor4d(dw, [5, 5, 3, 4]), tf.zeros([12])]);
    const rows = await analyze(model);
    expect(rows.map(r => r.name)).to.deep.equal(['emb', 'dw']);
    expectRow(rows[0], reference([{x: emb, r: 50, c: 16}], 1));
    const slices = Array.from({length: 25}, (_, k) => ({x: dw.subarray(k * 12, (k + 1) * 12), r: 3, c: 4}));
    expectRow(rows[1], reference(slices, 0.5));
  });

  it('matches WeightWatcher per gate on an LSTM kernel [16, 4·12] and recurrent kernel [12, 4·12]', async () => {
    const units = 12;
    const model = tf.sequential({layers: [tf.layers.lstm({units, inputShape: [5, 16], name: 'lstm'})]});
    const k = studentT(16, 4 * units, 10);
    const rk = gaussian(units, 4 * units, 11);
    model.layers[0].setWeights([tf.tensor2d(k, [16, 48]), tf.tensor2d(rk, [12, 48]), tf.zeros([48])]);
    const rows = await analyze(model);
    expect(rows.map(x => x.name)).to.deep.equal([
      ...[0, 1, 2, 3].map(g => `lstm/kernel[${g}]`),
      ...[0, 1, 2, 3].map(g => `lstm/recurrent_kernel[${g}]`),
    ]);
    const gate = (x: Float32Array, rowsN: number, g: number) =>
      Array.from({length: rowsN * units}, (_, i) => x[Math.floor(i / units) * 48 + g * units + (i % units)]);
    for (let g = 0; g < 4; g++) {
      expectRow(rows[g], reference([{x: gate(k, 16, g), r: 16, c: units}], 1));
      expectRow(rows[4 + g], reference([{x: gate(rk, units, g), r: units, c: units}], 1));
    }
  });

  it('randomize: randDistance is the Jensen-Shannon distance to the ESD of the seeded element shuffle', async () => {
    const [r, c] = [40, 30];
    const w = studentT(r, c, 12);
    const [row] = await analyze(denseModel(r, c, w), {randomize: true, seed: 7, mpFit: false});
    const u = mulberry32Ref(7);
    const evals = matrixEsd(w, r, c).sort((a, b) => a - b);
    const replicas: number[] = [];
    for (let k = 0; k < 5; k++) replicas.push(...matrixEsd(shuffleRef(Array.from(w), u), r, c)); // M = 30 < 100: 5 replicas
    const one = matrixEsd(shuffleRef(Array.from(w), u), r, c).sort((a, b) => a - b);
    expect(row.randDistance).to.be.closeTo(jensenShannonRef(evals, one), 1e-9);
    expect(row.maxRandEval).to.be.closeTo(Math.max(...replicas), 1e-9 * Math.max(...replicas));
    expect(row.randEigenvalues).to.have.length(150);
    // heavy-tailed entries: shuffling destroys correlations, but the ESDs still differ clearly from identical (0)
    expect(row.randDistance).to.be.greaterThan(0.01);
    expect(Number.isNaN(row.numSpikes)).to.equal(true); // mpFit: false
  });

  it('jensenShannonDistance: 0 for equal vectors, √ln2 for disjoint ones', () => {
    expect(jensenShannonDistance([1, 2, 3], [2, 4, 6])).to.be.closeTo(0, 1e-12);
    expect(jensenShannonDistance([1, 0], [0, 1])).to.be.closeTo(Math.sqrt(Math.log(2)), 1e-12);
  });

  it('summary averages the get_summary columns over rows', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 30,
          inputShape: [50],
          kernelInitializer: tf.initializers.randomNormal({seed: 1}),
          name: 'a',
        }),
        tf.layers.dense({units: 20, kernelInitializer: tf.initializers.randomNormal({seed: 2}), name: 'b'}),
      ],
    });
    const rows = await analyze(model);
    const s = summary(rows);
    for (const k of [
      'logNorm',
      'alpha',
      'alphaWeighted',
      'logAlphaNorm',
      'logSpectralNorm',
      'stableRank',
      'mpSoftrank',
    ] as const) {
      expect(s[k]).to.be.closeTo(((rows[0][k] as number) + (rows[1][k] as number)) / 2, 1e-12);
    }
    expect(Number.isNaN(summary([]).alpha)).to.equal(true);
  });

  it('skips matrices below minEvals by default, and throws for a named layer that cannot be analysed', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({units: 10, inputShape: [4], name: 'small'}), // M = 4 < 10
        tf.layers.dropout({rate: 0.1, name: 'drop'}),
        tf.layers.dense({units: 12, name: 'ok'}),
      ],
    });
    expect((await analyze(model)).map(r => r.name)).to.deep.equal(['ok']);
    expect((await analyze(model, {minEvals: 2})).map(r => r.name)).to.deep.equal(['small', 'ok']);
    const err = async (opts: object, re: RegExp) => {
      const e = await analyze(model, opts).then(
        () => null,
        x => x as Error,
      );
      expect(e?.message).to.match(re);
    };
    await err(
      {layers: ['small']},
      /layer 'small' has no matrix with enough eigenvalues: small: 4 eigenvalues < minEvals 10/,
    );
    await err({layers: ['drop']}, /layer 'drop' has no analysable weight matrix/);
    await err({layers: ['nope']}, /layer 'nope' is not in the model; available layers: 'small', 'drop', 'ok'/);
    await err({minEvals: 0}, /minEvals must be a positive integer, got 0/);
    await err({convView: 'x'}, /convView must be one of.*'x'/);
  });

  it('leaks no tensors', async () => {
    const model = denseModel(30, 20, gaussian(30, 20, 1));
    await expectNoLeak(() => analyze(model), 3);
  });
});

describe('spectral.modelMatrices', () => {
  it('opens timeDistributed, bidirectional and nested models, names RNN gates, and skips weightless layers', () => {
    const inner = tf.sequential({
      name: 'encoder',
      layers: [tf.layers.dense({units: 14, inputShape: [12], name: 'enc_fc'})],
    });
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({inputDim: 30, outputDim: 12, inputLength: 4, name: 'emb'}),
        tf.layers.timeDistributed({layer: inner, name: 'td_enc'}),
        tf.layers.bidirectional({
          layer: tf.layers.gru({units: 10, returnSequences: true, name: 'gru'}) as tf.layers.RNN,
          name: 'bi',
        }),
        tf.layers.simpleRNN({units: 11, returnSequences: true, name: 'rnn'}),
        tf.layers.timeDistributed({layer: tf.layers.dense({units: 3, name: 'head'}), name: 'td'}),
      ],
    });
    const names = modelMatrices(model).map(m => m.name);
    expect(names).to.deep.equal([
      'emb',
      'td_enc/enc_fc',
      'bi/forward_gru/kernel[0]',
      'bi/forward_gru/kernel[1]',
      'bi/forward_gru/kernel[2]',
      'bi/forward_gru/recurrent_kernel[0]',
      'bi/forward_gru/recurrent_kernel[1]',
      'bi/forward_gru/recurrent_kernel[2]',
      'bi/backward_gru/kernel[0]',
      'bi/backward_gru/kernel[1]',
      'bi/backward_gru/kernel[2]',
      'bi/backward_gru/recurrent_kernel[0]',
      'bi/backward_gru/recurrent_kernel[1]',
      'bi/backward_gru/recurrent_kernel[2]',
      'rnn/kernel',
      'rnn/recurrent_kernel',
      'td',
    ]);
    const gru = modelMatrices(model).find(m => m.name === 'bi/backward_gru/recurrent_kernel[1]');
    expect([gru?.N, gru?.M, gru?.rf]).to.deep.equal([10, 10, 1]);
  });

  it('takes the views documented for conv, depthwise, Conv1D and KAN kernels', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv1d({filters: 6, kernelSize: 5, inputShape: [20, 4], name: 'c1'}),
        tf.layers.reshape({targetShape: [16, 6, 1]}),
        tf.layers.depthwiseConv2d({kernelSize: 3, depthMultiplier: 4, name: 'dw'}),
        tf.layers.flatten(),
        bsplineKAN({units: 7, gridSize: 5, splineOrder: 3, name: 'kan'}),
      ],
    });
    const m = Object.fromEntries(modelMatrices(model).map(x => [x.name, x]));
    expect(Object.keys(m)).to.deep.equal(['c1', 'dw', 'kan/base_kernel', 'kan/spline_kernel']);
    expect([m.c1.N, m.c1.M, m.c1.rf, m.c1.evalScale]).to.deep.equal([6, 4, 5, 1]);
    expect([m.dw.N, m.dw.M, m.dw.rf, m.dw.evalScale]).to.deep.equal([4, 1, 9, 0.5]);
    const flatIn = 14 * 4 * 4;
    expect([m['kan/spline_kernel'].N, m['kan/spline_kernel'].M, m['kan/spline_kernel'].rf]).to.deep.equal([
      flatIn * 8,
      7,
      1,
    ]);
    const perBasis = modelMatrices(model, {kanView: 'per-basis'}).find(x => x.name === 'kan/spline_kernel');
    expect([perBasis?.N, perBasis?.M, perBasis?.rf]).to.deep.equal([flatIn, 7, 8]);
  });

  it('uses spline_kernel · spline_scaler for the B-spline KAN (the weight the layer computes with)', async () => {
    const layer = bsplineKAN({units: 3, gridSize: 2, splineOrder: 1, inputShape: [4], name: 'kan'});
    const model = tf.sequential({layers: [layer]});
    const spline = tf.randomNormal([4, 3, 3], 0, 1, 'float32', 1);
    const scaler = tf.randomNormal([4, 3], 0, 1, 'float32', 2);
    const byName = (n: string) => layer.weights.findIndex(w => w.originalName.endsWith(`/${n}`));
    const ws = layer.getWeights();
    ws[byName('spline_kernel')] = spline;
    ws[byName('spline_scaler')] = scaler;
    layer.setWeights(ws);
    const m = modelMatrices(model).find(x => x.name === 'kan/spline_kernel');
    const vals = await Promise.all((m?.variables ?? []).map(async v => (await v.read().data()) as Float32Array));
    const [mat] = m?.slices(vals) ?? [];
    const want = await tf.reshape(tf.mul(spline, tf.expandDims(scaler, 1)), [12, 3]).data();
    expect(mat.rows * mat.cols).to.equal(36);
    mat.data.forEach((v, i) => expect(v).to.be.closeTo(want[i], 1e-6));
    tf.dispose([spline, scaler]);
  });
});
