/**
 * tfa.backend.patchWasm: every patched or added wasm kernel against the cpu
 * backend on the same inputs (error <= 1e-4 relative to the largest cpu
 * entry), gradients of whole models, training, leaks, save/load.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {expect} from 'chai';

import {patchWasm, unpatchWasm, wasmPatched} from '../../src/backend/patch_wasm';
import {withBackend} from '../helpers/backends';

/** Deterministic uniform(-1, 1) values (a small LCG, so both backends see the same numbers). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function input(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(
    values(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

/** Runs `fn` on `backend` and copies out its outputs (shape and values). */
async function outputsOn(
  backend: string,
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<Array<{shape: number[]; data: Float32Array}>> {
  return withBackend(backend, () =>
    tf.tidy(() => {
      const r = fn();
      return (Array.isArray(r) ? r : [r]).map(t => ({
        shape: t.shape,
        data: Float32Array.from(t.dataSync()),
      }));
    }),
  );
}

/** |wasm - cpu| <= rtol · max|cpu| entrywise, same shapes. */
function expectSameAsCpu(
  wasm: Array<{shape: number[]; data: Float32Array}>,
  cpu: Array<{shape: number[]; data: Float32Array}>,
  what: string,
  rtol = 1e-4,
): void {
  expect(wasm.length, `${what}: number of outputs`).to.equal(cpu.length);
  cpu.forEach((c, k) => {
    expect(wasm[k].shape, `${what}[${k}] shape`).to.deep.equal(c.shape);
    let scale = 0;
    for (const v of c.data) scale = Math.max(scale, Math.abs(v));
    expect(scale, `${what}[${k}]: cpu output is all zeros (test cannot fail)`).to.be.greaterThan(0);
    let worst = 0;
    let at = -1;
    c.data.forEach((v, i) => {
      const d = Math.abs(wasm[k].data[i] - v);
      if (!(d <= worst)) {
        worst = d;
        at = i;
      }
    });
    if (!(worst <= rtol * scale)) {
      throw new Error(
        `${what}[${k}][${at}]: wasm ${wasm[k].data[at]} vs cpu ${c.data[at]} ` +
          `(|diff| ${worst.toExponential(3)} > ${rtol}·${scale.toExponential(3)})`,
      );
    }
  });
}

async function expectWasmEqualsCpu(what: string, fn: () => tf.Tensor | tf.Tensor[], rtol = 1e-4): Promise<void> {
  const cpu = await outputsOn('cpu', fn);
  const wasm = await outputsOn('wasm', fn);
  expectSameAsCpu(wasm, cpu, what, rtol);
}

/** Data buffers held by the wasm backend itself (catches kernel temporaries the engine never sees). */
function wasmDataIds(): number {
  return tf.engine().findBackend('wasm').numDataIds();
}

describe('backend.patchWasm', () => {
  before(() => {
    patchWasm();
  });

  it('is idempotent and reversible @wasm', () => {
    expect(wasmPatched()).to.equal(true);
    expect(patchWasm(), 'second call').to.deep.equal([]);
    const original = tf.getKernel('BatchMatMul', 'wasm');
    const restored = unpatchWasm();
    try {
      expect(restored).to.include.members(['BatchMatMul', '_FusedMatMul']);
      expect(tf.getKernel('BatchMatMul', 'wasm')).to.not.equal(original);
      expect(wasmPatched()).to.equal(false);
    } finally {
      const again = patchWasm();
      expect(again).to.have.members(restored);
    }
    // Leaves the other backends alone.
    expect(tf.getKernel('BatchMatMul', 'cpu').backendName).to.equal('cpu');
  });

  describe('BatchMatMul / _FusedMatMul', () => {
    const shapes: Array<{a: number[]; b: number[]; name: string}> = [
      {a: [5, 7], b: [7, 3], name: '2d'},
      {a: [4, 6, 5], b: [4, 5, 3], name: 'batched'},
      {a: [4, 6, 5], b: [5, 3], name: 'broadcast b'},
      {a: [2, 1, 6, 5], b: [3, 5, 4], name: 'rank 4 broadcast'},
    ];
    for (const {a, b, name} of shapes) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          it(`matMul ${name} transposeA=${ta} transposeB=${tb} equals cpu @wasm`, async () => {
            const swap = (s: number[]): number[] => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
            await expectWasmEqualsCpu('matMul', () =>
              tf.matMul(input(ta ? swap(a) : a, 1), input(tb ? swap(b) : b, 2), ta, tb),
            );
          });
        }
      }
    }
    // Batch 1 runs the original fused kernel; batch 3 the unfused path (stock wasm misplaces the bias there).
    for (const activation of ['linear', 'relu', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        for (const batch of [1, 3]) {
          it(`fused matMul batch ${batch} + bias + ${activation} transposeA=${ta} transposeB=${tb} equals cpu @wasm`, async () => {
            await expectWasmEqualsCpu('fused', () =>
              tf.fused.matMul({
                a: input(ta ? [batch, 5, 4] : [batch, 4, 5], 3),
                b: input(tb ? [batch, 6, 5] : [batch, 5, 6], 4),
                transposeA: ta,
                transposeB: tb,
                bias: input([6], 5),
                activation,
                preluActivationWeights: activation === 'prelu' ? tf.mul(input([6], 6), 0.3) : undefined,
                leakyreluAlpha: 0.1,
              }),
            );
          });
        }
      }
    }
    it('matMul gradients (every flag combination) equal cpu and free their temporaries @wasm', async () => {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        await expectWasmEqualsCpu(`grad ta=${ta} tb=${tb}`, () =>
          tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([
            input(ta ? [2, 5, 4] : [2, 4, 5], 6),
            input(tb ? [2, 3, 5] : [2, 5, 3], 7),
          ]),
        );
      }
      await withBackend('wasm', () => {
        const a = input([8, 6], 8);
        const b = input([5, 6], 9);
        tf.matMul(a, b, false, true).dispose();
        const before = wasmDataIds();
        const tensors = tf.memory().numTensors;
        for (let i = 0; i < 5; i++) tf.matMul(a, b, false, true).dispose();
        expect(wasmDataIds()).to.equal(before);
        expect(tf.memory().numTensors).to.equal(tensors);
        a.dispose();
        b.dispose();
      });
    });
  });
});
