import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {muon, Muon} from '../../src/optimizers';
import {expectNoLeak} from '../helpers/leaks';
import {applySteps} from '../helpers/optimizer_steps';
import {muonSteps64, type MuonRefConfig, type Param64, randn} from '../reference/optimizers';

let uid = 0;

/** Fixed variables (tfjs layout) and 4 steps of fixed gradients. */
function problem(): {params: Param64[]; grads: Float64Array[][]} {
  const tag = `muontest${uid++}`;
  const specs: Array<[string, number[]]> = [
    [`${tag}/tall/kernel`, [7, 3]], // fanIn > fanOut: 'original' factor 1
    [`${tag}/wide/kernel`, [3, 7]], // fanOut > fanIn: 'original' factor √(7/3)
    [`${tag}/wide2/kernel`, [3, 7]], // same shape: batched with the previous one
    [`${tag}/conv/kernel`, [2, 2, 3, 4]], // flattened to [12, 4]
    [`${tag}/wide/bias`, [7]], // rank 1: AdamW
    [`${tag}/Out_Head/kernel`, [4, 2]], // excluded: AdamW
  ];
  const params = specs.map(([name, shape], k) => ({
    name,
    shape,
    w: randn(
      shape.reduce((a, b) => a * b, 1),
      100 + k,
      0.5,
    ),
  }));
  const grads = [0, 1, 2, 3].map(t => params.map((p, k) => randn(p.w.length, 1000 * t + k, 1 + k / 3)));
  return {params, grads};
}

describe('Muon', () => {
  const modes = ['original', 'match-adamw', 'none'] as const;
  for (const scaleMode of modes) {
    for (const weightDecay of [0, 0.1]) {
      for (const nesterov of [true, false]) {
        const smoke = scaleMode === 'original' && weightDecay === 0.1 && nesterov ? ' @wasm' : '';
        it(`matches 4 float64 KellerJordan-style steps (scaleMode '${scaleMode}', weightDecay ${weightDecay}, nesterov ${nesterov})${smoke}`, () => {
          const {params, grads} = problem();
          const excl = params[5].name;
          const cfg: MuonRefConfig = {
            lr: 0.05,
            momentum: 0.9,
            nesterov,
            weightDecay,
            scaleMode,
            nsSteps: 5,
            adam: {lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-7, wd: 0.05},
            adamNames: [excl],
          };
          const opt = muon({
            learningRate: cfg.lr,
            momentum: cfg.momentum,
            nesterov,
            weightDecay,
            scaleMode,
            adamw: {learningRate: 0.01, beta1: 0.9, beta2: 0.99, weightDecay: 0.05},
            exclude: [excl],
          });
          const got = applySteps(params, grads, opt);
          muonSteps64(params, grads, cfg); // mutates params to the expected values
          // Tolerance: float32 Newton–Schulz (~1e-6 relative) times lr·scale ≤ 0.1,
          // plus float32 rounding of weights of size ~1: atol 2e-6, rtol 1e-5.
          params.forEach((p, k) => {
            for (let i = 0; i < p.w.length; i++) {
              const err = Math.abs(got[k][i] - p.w[i]);
              expect(err, `${p.name}[${i}]: got ${got[k][i]}, expected ${p.w[i]}`).to.be.at.most(
                2e-6 + 1e-5 * Math.abs(p.w[i]),
              );
            }
          });
          expect(opt.iterations).to.equal(4);
          opt.dispose();
        });
      }
    }
  }

  it('uses √max(1, fanOut/fanIn) in the tfjs [in, out] layout: a [3, 7] kernel moves √(7/3)× more than a [7, 3] one', () => {
    // One step from zero momentum: update = lr·s·NS(g); NS(g) has the same
    // Frobenius norm for g and gᵀ, so the step norms differ by exactly s.
    const a = tf.variable(tf.zeros([3, 7]), true, `muonlayout${uid}/a`);
    const b = tf.variable(tf.zeros([7, 3]), true, `muonlayout${uid++}/b`);
    const g = tf.randomNormal([3, 7], 0, 1, 'float32', 3);
    const opt = muon({learningRate: 1, nesterov: false});
    opt.applyGradients([
      {name: a.name, tensor: g},
      {name: b.name, tensor: tf.transpose(g)},
    ]);
    const na = tf.norm(a).dataSync()[0];
    const nb = tf.norm(b).dataSync()[0];
    expect(na / nb).to.be.closeTo(Math.sqrt(7 / 3), 1e-4);
    tf.dispose([a, b, g]);
    opt.dispose();
  });

  it('keeps weights finite and unchanged (without decay) for a zero gradient', () => {
    const w = tf.variable(tf.ones([4, 6]), true, `muonzero${uid++}/kernel`);
    const bias = tf.variable(tf.ones([6]), true, `muonzero${uid++}/bias`);
    const opt = muon();
    opt.applyGradients([
      {name: w.name, tensor: tf.zeros([4, 6])},
      {name: bias.name, tensor: tf.zeros([6])},
    ]);
    expect(Array.from(w.dataSync()).every(v => v === 1)).to.equal(true);
    expect(Array.from(bias.dataSync()).every(v => v === 1)).to.equal(true);
    tf.dispose([w, bias]);
    opt.dispose();
  });

  it('trains a model through compile/fit and leaks no tensors across steps @wasm', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 8,
          activation: 'relu',
          inputShape: [5],
          kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
        }),
        tf.layers.dense({units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
        tf.layers.dense({units: 1, kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
      ],
    });
    const opt = muon({learningRate: 0.02});
    model.compile({optimizer: opt, loss: 'meanSquaredError'});
    const x = tf.randomNormal([16, 5], 0, 1, 'float32', 4);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 5);
    const l0 = model.evaluate(x, y) as tf.Scalar;
    const loss0 = l0.dataSync()[0];
    l0.dispose();
    await expectNoLeak(() => model.trainOnBatch(x, y), 8);
    const l1 = model.evaluate(x, y) as tf.Scalar;
    expect(l1.dataSync()[0]).to.be.lessThan(loss0);
    l1.dispose();
    // Slots: momentum for the 3 kernels... except none excluded here, m and v for the 3 biases.
    const names = (await opt.getWeights()).map(w => w.name);
    expect(names.filter(n => n.endsWith('/momentum'))).to.have.length(3);
    expect(names.filter(n => n.endsWith('/m'))).to.have.length(3);
    tf.dispose([x, y]);
    model.dispose();
    opt.dispose();
  });

  it('trains through fitDataset (which calls the optimizer outside any tidy) without leaking', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          units: 6,
          activation: 'relu',
          inputShape: [4],
          kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
        }),
        tf.layers.dense({units: 2, kernelInitializer: tf.initializers.glorotUniform({seed: 2})}),
      ],
    });
    const opt = muon();
    model.compile({optimizer: opt, loss: 'meanSquaredError'});
    const xs = tf.randomNormal([12, 4], 0, 1, 'float32', 7);
    const ys = tf.randomNormal([12, 2], 0, 1, 'float32', 8);
    const ds = tf.data.zip({xs: tf.data.array(tf.unstack(xs)), ys: tf.data.array(tf.unstack(ys))}).batch(4);
    await expectNoLeak(() => model.fitDataset(ds, {epochs: 1, verbose: 0}), 4);
    expect(opt.iterations).to.equal(12);
    tf.dispose([xs, ys]);
    model.dispose();
    opt.dispose();
  });

  // LSTM-like [in, 4u] kernel and [u, 4u] recurrent kernel, a GRU-like pair,
  // a SimpleRNN-like [u, u] recurrent kernel (never split) and a plain kernel.
  function gateProblem(): {params: Param64[]; grads: Float64Array[][]} {
    const tag = `muongates${uid++}`;
    const specs: Array<[string, number[]]> = [
      [`${tag}/lstm/kernel`, [5, 12]],
      [`${tag}/lstm/recurrent_kernel`, [3, 12]],
      [`${tag}/gru/kernel_1`, [7, 6]],
      [`${tag}/gru/recurrent_kernel_1`, [2, 6]], // a reload suffix: still found
      [`${tag}/rnn/recurrent_kernel`, [4, 4]],
      [`${tag}/dense/kernel`, [6, 8]],
    ];
    const params = specs.map(([name, shape], k) => ({
      name,
      shape,
      w: randn(
        shape.reduce((a, b) => a * b, 1),
        300 + k,
        0.5,
      ),
    }));
    const grads = [0, 1, 2].map(t => params.map((p, k) => randn(p.w.length, 3000 * t + k, 1)));
    return {params, grads};
  }
  const refCfg = (gates: Record<string, number>): MuonRefConfig => ({
    lr: 0.05,
    momentum: 0.9,
    nesterov: true,
    weightDecay: 0.1,
    scaleMode: 'original',
    nsSteps: 5,
    adam: {lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-7, wd: 0},
    adamNames: [],
    gates,
  });
  const expectClose = (got: Float32Array[], params: Param64[]) =>
    params.forEach((p, k) => {
      for (let i = 0; i < p.w.length; i++) {
        expect(Math.abs(got[k][i] - p.w[i]), `${p.name}[${i}]: got ${got[k][i]}, expected ${p.w[i]}`).to.be.at.most(
          2e-6 + 1e-5 * Math.abs(p.w[i]),
        );
      }
    });

  it('splitFusedGates: true gives each LSTM/GRU gate block its own Newton–Schulz and shape factor, as float64 NS of each block @wasm', () => {
    const {params, grads} = gateProblem();
    const opt = muon({learningRate: 0.05, momentum: 0.9, weightDecay: 0.1, splitFusedGates: true});
    const got = applySteps(params, grads, opt);
    const n = params.map(p => p.name);
    const fused = params.map(p => ({...p, w: Float64Array.from(p.w)}));
    muonSteps64(params, grads, refCfg({[n[0]]: 4, [n[1]]: 4, [n[2]]: 3, [n[3]]: 3}));
    expectClose(got, params);
    // Orthogonalising the fused matrices instead gives different weights.
    muonSteps64(fused, grads, refCfg({}));
    const diff = Math.max(...[0, 1, 2, 3].flatMap(k => Array.from(fused[k].w, (v, i) => Math.abs(v - params[k].w[i]))));
    expect(diff).to.be.greaterThan(1e-3);
    opt.dispose();
  });

  it('by default (splitFusedGates false) orthogonalises fused matrices whole; fusedGates lists splits explicitly', () => {
    const {params, grads} = gateProblem();
    const n = params.map(p => p.name);
    const whole = params.map(p => ({...p, w: Float64Array.from(p.w)}));
    const opt = muon({learningRate: 0.05, momentum: 0.9, weightDecay: 0.1});
    expect(opt.splitFusedGates).to.equal(false);
    expectClose(applySteps(whole, grads, opt), (muonSteps64(whole, grads, refCfg({})), whole));
    // Explicit list: split the dense kernel in 2 (a user's own fused layer), leave the LSTM whole.
    const explicit = params.map(p => ({...p, w: Float64Array.from(p.w)}));
    const opt2 = muon({
      learningRate: 0.05,
      momentum: 0.9,
      weightDecay: 0.1,
      splitFusedGates: false,
      fusedGates: [{name: n[5], gates: 2}],
    });
    const got2 = applySteps(explicit, grads, opt2);
    muonSteps64(explicit, grads, refCfg({[n[5]]: 2}));
    expectClose(got2, explicit);
    expect(() => muon({fusedGates: [{name: n[5], gates: 3}]}).gatesOf([{name: n[5], shape: [6, 8]}])).to.throw(
      /fusedGates.*3 gates/,
    );
    opt.dispose();
    opt2.dispose();
  });

  it('trains an Embedding+GRU model with split gates and leaks no tensors across steps', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({inputDim: 8, outputDim: 4, inputLength: 5}),
        tf.layers.gru({
          units: 3,
          kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
          recurrentInitializer: tf.initializers.glorotUniform({seed: 2}),
        }),
        tf.layers.dense({units: 1, kernelInitializer: tf.initializers.glorotUniform({seed: 3})}),
      ],
    });
    const opt = muon({learningRate: 0.02, splitFusedGates: true});
    model.compile({optimizer: opt, loss: 'meanSquaredError'});
    const x = tf.floor(tf.randomUniform([8, 5], 0, 8, 'float32', 1));
    const y = tf.randomNormal([8, 1], 0, 1, 'float32', 2);
    await expectNoLeak(() => model.trainOnBatch(x, y), 6);
    const gru = model.layers[1].trainableWeights.map(w => w.name);
    expect(opt.gatesOf(gru.slice(0, 2).map(name => ({name, shape: [2, 9]})))).to.deep.equal([3, 3]);
    tf.dispose([x, y]);
    model.dispose();
    opt.dispose();
  });

  it('excludeEmbeddings (default): "embedding" anywhere in the name (any case) goes to AdamW, as Keras 3', () => {
    const opt = muon();
    expect(opt.routeOf('Tok/embeddings', [50, 8])).to.equal('adamw');
    expect(opt.routeOf('pos_Embedding_proj/kernel', [8, 8])).to.equal('adamw');
    expect(opt.routeOf('dense_Dense1/kernel', [8, 8])).to.equal('muon');
    expect(muon({excludeEmbeddings: false}).routeOf('Tok/embeddings', [50, 8])).to.equal('muon');
  });

  it('round-trips its config, including exclude patterns with _ and capitals and a schedule', () => {
    const opt = new Muon({
      learningRate: 0.03,
      momentum: 0.9,
      nesterov: false,
      nsSteps: 3,
      weightDecay: 0.01,
      scaleMode: 'match-adamw',
      adamw: {learningRate: 3e-4, beta2: 0.95, weightDecay: 0.02},
      exclude: ['My_Head/kernel', /^Embed_Layer\/embeddings(_\d+)?$/i],
      excludeEmbeddings: false,
      splitFusedGates: false,
      fusedGates: [{name: 'My_LSTM/recurrent_kernel', gates: 4}],
    });
    const config = opt.getConfig();
    // What tfjs does on load: snake→camel on every string except under `name`.
    const reloaded = Muon.fromConfig(Muon, JSON.parse(JSON.stringify(config))) as Muon;
    expect(reloaded.getConfig()).to.deep.equal(config);
    expect(reloaded.exclude[0]).to.equal('My_Head/kernel');
    expect(reloaded.routeOf('My_Head/kernel_1', [4, 2])).to.equal('adamw');
    expect(reloaded.routeOf('embed_layer/embeddings', [4, 2])).to.equal('adamw');
    expect(reloaded.routeOf('dense_Dense1/kernel', [4, 2])).to.equal('muon');
    expect(reloaded.routeOf('tok_embedding/kernel', [4, 2])).to.equal('muon'); // excludeEmbeddings false survived
    expect(reloaded.fusedGates).to.deep.equal([{name: 'My_LSTM/recurrent_kernel', gates: 4}]);
    expect(reloaded.gatesOf([{name: 'My_LSTM/recurrent_kernel_1', shape: [2, 8]}])).to.deep.equal([4]);
    expect(new Muon().getConfig()).to.include({excludeEmbeddings: true, splitFusedGates: false});
  });

  it('rejects bad hyperparameters with errors naming them', () => {
    expect(() => muon({learningRate: -0.1})).to.throw(/learningRate.*-0\.1/);
    expect(() => muon({momentum: 1})).to.throw(/momentum.*1/);
    expect(() => muon({momentum: -0.5})).to.throw(/momentum.*-0\.5/);
    expect(() => muon({nsSteps: 0})).to.throw(/nsSteps.*0/);
    expect(() => muon({nsSteps: 2.5})).to.throw(/nsSteps.*2\.5/);
    expect(() => muon({weightDecay: -1})).to.throw(/weightDecay.*-1/);
    expect(() => muon({scaleMode: 'matchAdamW' as 'none'})).to.throw(/scaleMode.*'matchAdamW'/);
    expect(() => muon({adamw: {beta1: 1}})).to.throw(/adamw\.beta1.*1/);
    expect(() => muon({exclude: [3 as unknown as string]})).to.throw(/exclude.*\[3\]/);
    expect(() => muon({nesterov: 'yes' as unknown as boolean})).to.throw(/nesterov.*'yes'/);
    expect(() => muon({excludeEmbeddings: 1 as unknown as boolean})).to.throw(/excludeEmbeddings.*1/);
    expect(() => muon({splitFusedGates: 'yes' as unknown as boolean})).to.throw(/splitFusedGates.*'yes'/);
    expect(() => muon({fusedGates: [{name: 'a/kernel', gates: 0}]})).to.throw(/fusedGates/);
  });
});
