import * as tf from '@tensorflow/tfjs';
import {expect} from 'chai';

import {ftwtFlops} from '../../src/layers/ftwt_flops';
import {FTWTGate, ftwtGate} from '../../src/layers/ftwt_gate';
import {expectClose} from '../helpers/close';
import {expectNoLeak} from '../helpers/leaks';
import * as ref from '../reference/ftwt';

const sym = (t: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]) => t as tf.SymbolicTensor;

/** Gate whose mask comes from fixed logits `softmax(GAP(x))·kernel + bias`. */
function fixedGate(kernel: number[][], bias: number[], name: string): FTWTGate {
  const g = ftwtGate({name});
  g.build([
    [null, kernel.length],
    [null, bias.length],
  ]);
  g.setWeights([tf.tensor2d(kernel), tf.tensor1d(bias)]);
  return g;
}

/**
 * x [6,6,2] → convA (4 filters, 3×3, relu) → gateA → maxPool 2 → convB (3 filters, 2×2)
 * → gateB → flatten → dense C (2 units).
 */
function handModel(): tf.LayersModel {
  const x = tf.input({shape: [6, 6, 2]});
  const a = sym(tf.layers.conv2d({filters: 4, kernelSize: 3, activation: 'relu', name: 'conv_a'}).apply(x));
  // Logits 10·(s0 − s1) etc.: sample-dependent columns 0, 1, 3; column 2 always open.
  const gA = fixedGate(
    [
      [10, -10, 10, 10],
      [-10, 10, 10, -10],
    ],
    [0, 0, 0, 0],
    'gate_a',
  );
  const ga = sym(gA.apply([x, a]));
  const p = sym(tf.layers.maxPooling2d({poolSize: 2}).apply(ga));
  const b = sym(tf.layers.conv2d({filters: 3, kernelSize: 2, name: 'conv_b'}).apply(p));
  const gB = fixedGate(
    [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ],
    [5, 5, -5],
    'gate_b',
  );
  const gb = sym(gB.apply([p, b]));
  const out = sym(tf.layers.dense({units: 2, name: 'dense_c'}).apply(tf.layers.flatten().apply(gb)));
  return tf.model({inputs: x, outputs: out});
}

/** Two samples: sample 0 has channel 0 bright (s0 > s1), sample 1 channel 1. */
function twoSamples(): tf.Tensor4D {
  return tf.tidy(() => {
    const c0 = tf.ones([1, 6, 6, 1]);
    const c1 = tf.zeros([1, 6, 6, 1]);
    return tf.concat([tf.concat([c0, c1], 3), tf.concat([c1, c0], 3)], 0) as tf.Tensor4D;
  });
}

describe('ftwtFlops', () => {
  it('counts dense and dynamic MACs of a hand-worked conv-pool-conv-dense model @wasm', async () => {
    const model = handModel();
    const x = twoSamples();
    const r = ftwtFlops(model, x);
    // Dense: A 4·4·4 outputs × 3·3·2 = 1152; B 1·1·3 × 2·2·4 = 48; C 2 × 3 = 6 → 1206.
    // Masks: gate A opens [1,0,1,1] for sample 0 (3 of 4) and [0,1,1,0] for sample 1 (2 of 4);
    // gate B opens [1,1,0] (2 of 3) for both.
    // A: 1152 · mean(3/4, 2/4) = 720 (its input, the image, is ungated).
    // B: per sample active_out · H·W · active_in · k² (the reference's formula).
    const bFlops = (ref.gatedConvFlops(2, 1, 3, 1, 4) + ref.gatedConvFlops(2, 1, 2, 1, 4)) / 2; // (24 + 16)/2 = 20
    // C (ungated, fed by gate B through Flatten): 6 · 2/3 = 4.
    expect(r.layers).to.deep.equal([
      {layer: 'conv_a', gate: 'gate_a', inputGate: null, dense: 1152, dynamic: 720},
      {layer: 'conv_b', gate: 'gate_b', inputGate: 'gate_a', dense: 48, dynamic: bFlops},
      {layer: 'dense_c', gate: null, inputGate: 'gate_b', dense: 6, dynamic: 4},
    ]);
    expect(bFlops).to.equal(20);
    expect(r.dense).to.equal(1206);
    expect(r.dynamic).to.equal(744);
    expectClose([r.reduction], [1 - 744 / 1206], {rtol: 1e-12}, 'reduction');
    model.dispose();
    x.dispose();
  });

  it('counts the target masks with masks: "target" (the estimate before training)', async () => {
    const model = handModel();
    const x = tf.randomUniform([3, 6, 6, 2], 0, 1, 'float32', 3);
    const r = ftwtFlops(model, x, {masks: 'target'});
    // Expected from the float64 target rule on the unmasked conv outputs.
    const aOut = tf
      .model({inputs: model.inputs, outputs: model.getLayer('conv_a').output as tf.SymbolicTensor})
      .predict(x) as tf.Tensor;
    const bOut = tf
      .model({inputs: model.inputs, outputs: model.getLayer('conv_b').output as tf.SymbolicTensor})
      .predict(x) as tf.Tensor;
    const tA = ref.gtMaskRatio(ref.toBSC(aOut.dataSync(), aOut.shape), 0.9).map(m => m.reduce((u, v) => u + v, 0));
    const tB = ref.gtMaskRatio(ref.toBSC(bOut.dataSync(), bOut.shape), 0.9).map(m => m.reduce((u, v) => u + v, 0));
    const mean = (f: (b: number) => number) => (f(0) + f(1) + f(2)) / 3;
    const expected = [
      mean(b => ref.gatedConvFlops(tA[b], 16, 2, 1, 9)),
      mean(b => ref.gatedConvFlops(tB[b], 1, tA[b], 1, 4)),
      mean(b => (6 * tB[b]) / 3),
    ];
    // float64 sums of at most 3 terms: rtol 1e-12.
    expectClose(
      r.layers.map(l => l.dynamic),
      expected,
      {rtol: 1e-12},
      'dynamic per layer',
    );
    model.dispose();
    tf.dispose([x, aOut, bOut]);
  });

  it('counts a depthwise conv by the channels open at both its input and output', async () => {
    const x = tf.input({shape: [4, 4, 2]});
    const p = sym(tf.layers.conv2d({filters: 2, kernelSize: 1, name: 'conv_p'}).apply(x));
    const gp = sym(
      fixedGate(
        [
          [0, 0],
          [0, 0],
        ],
        [5, -5],
        'gate_p',
      ).apply([x, p]),
    );
    const d = sym(tf.layers.depthwiseConv2d({kernelSize: 3, depthMultiplier: 2, name: 'dw'}).apply(gp));
    const gd = sym(
      fixedGate(
        [
          [0, 0, 0, 0],
          [0, 0, 0, 0],
        ],
        [5, 5, -5, 5],
        'gate_d',
      ).apply([gp, d]),
    );
    const model = tf.model({inputs: x, outputs: gd});
    const input = tf.ones([2, 4, 4, 2]);
    const r = ftwtFlops(model, input);
    // conv_p: 4·4·2 outputs × 1·1·2 = 64 dense, half the filters open → 32.
    // dw: 2·2·4 outputs × 3·3 = 144; output channel o reads input o // 2; open at output
    // [1,1,0,1], at input [1,0] → open pairs o = 0, 1 → 144 · 2/4 = 72.
    expect(r.layers.map(l => [l.layer, l.dense, l.dynamic])).to.deep.equal([
      ['conv_p', 64, 32],
      ['dw', 144, 72],
    ]);
    expect(r.reduction).to.equal(0.5);
    model.dispose();
    input.dispose();
  });

  it('handles [B, C] dense chains and leaves an ungated model at zero reduction', async () => {
    const x = tf.input({shape: [5]});
    const h = sym(tf.layers.dense({units: 4, activation: 'relu', name: 'd1'}).apply(x));
    const gh = sym(
      fixedGate(
        [
          [0, 0, 0, 0],
          [0, 0, 0, 0],
          [0, 0, 0, 0],
          [0, 0, 0, 0],
          [0, 0, 0, 0],
        ],
        [5, -5, -5, -5],
        'g1',
      ).apply([x, h]),
    );
    const y = sym(tf.layers.dense({units: 3, name: 'd2'}).apply(gh));
    const model = tf.model({inputs: x, outputs: y});
    const input = tf.ones([3, 5]);
    const r = ftwtFlops(model, input);
    // d1: 4·5 = 20 → 20·1/4 = 5; d2: 3·4 = 12 → 12·1/4 = 3.
    expect([r.dense, r.dynamic]).to.deep.equal([32, 8]);
    const plain = tf.sequential({layers: [tf.layers.dense({units: 4, inputShape: [5]})]});
    expect(ftwtFlops(plain, input)).to.deep.include({dense: 20, dynamic: 20, reduction: 0});
    model.dispose();
    plain.dispose();
    input.dispose();
  });

  it('handles two gates that read the same convInput (parallel branches)', async () => {
    const x = tf.input({shape: [3]});
    const a = sym(tf.layers.dense({units: 2, name: 'da'}).apply(x));
    const b = sym(tf.layers.dense({units: 4, name: 'db'}).apply(x));
    const ga = sym(
      fixedGate(
        [
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        [5, -5],
        'ga',
      ).apply([x, a]),
    );
    const gb = sym(
      fixedGate(
        [
          [0, 0, 0, 0],
          [0, 0, 0, 0],
          [0, 0, 0, 0],
        ],
        [5, 5, 5, -5],
        'gb',
      ).apply([x, b]),
    );
    const model = tf.model({inputs: x, outputs: [ga, gb]});
    const input = tf.ones([2, 3]);
    const r = ftwtFlops(model, input);
    // da: 2·3 = 6 → 6·1/2 = 3; db: 4·3 = 12 → 12·3/4 = 9.
    expect(r.layers.map(l => [l.layer, l.dense, l.dynamic])).to.deep.equal([
      ['da', 6, 3],
      ['db', 12, 9],
    ]);
    model.dispose();
    input.dispose();
  });

  it('leaves the tensor count unchanged', async () => {
    const model = handModel();
    const x = twoSamples();
    await expectNoLeak(() => ftwtFlops(model, x), 4);
    model.dispose();
    x.dispose();
  });

  it('rejects a gate not fed by a Conv/Dense layer, an unknown masks option and a non-model', async () => {
    const x = tf.input({shape: [3]});
    const d = sym(tf.layers.dense({units: 3}).apply(x));
    const sum = sym(tf.layers.add().apply([d, x]));
    const model = tf.model({inputs: x, outputs: sym(ftwtGate({name: 'g_add'}).apply([x, sum]))});
    const input = tf.ones([1, 3]);
    expect(() => ftwtFlops(model, input)).to.throw(/convOutput of gate 'g_add'.*'add/);
    expect(() => ftwtFlops(handModel(), input, {masks: 'mean' as 'target'})).to.throw(/masks.*'mean'/);
    expect(() => ftwtFlops({} as tf.LayersModel, input)).to.throw(/model must be a tf.LayersModel/);
    input.dispose();
  });
});
