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
import {expectNoLeak} from '../helpers/leaks';
import {roundTrip} from '../helpers/roundtrip';
import * as ref from '../reference/conv';

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

  describe('added gradient kernels, kernel by kernel', () => {
    const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor =>
      tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
    type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
    const pads: Array<{pad: Pad; label: string}> = [
      {pad: 'same', label: 'same'},
      {pad: 'valid', label: 'valid'},
      {pad: 1, label: 'pad 1'},
      {
        pad: [
          [0, 0],
          [2, 0],
          [0, 1],
          [0, 0],
        ],
        label: 'explicit [[0,0],[2,0],[0,1],[0,0]]',
      },
    ];
    const outShape = (
      xShape: number[],
      f: number[],
      strides: number | [number, number],
      pad: Pad,
      depthwise: boolean,
    ) =>
      tf.backend_util.computeConv2DInfo(
        xShape as [number, number, number, number],
        f as [number, number, number, number],
        strides,
        1,
        pad,
        undefined,
        depthwise,
      ).outShape;

    for (const strides of [1, 2, [2, 1]] as Array<number | [number, number]>) {
      for (const {pad, label} of pads) {
        it(`Conv2DBackpropFilter strides ${strides} ${label} equals cpu @wasm`, async () => {
          const xShape = [2, 7, 6, 3];
          const filterShape = [3, 2, 3, 4];
          const dyShape = outShape(xShape, filterShape, strides, pad, false);
          await expectWasmEqualsCpu('dW', () =>
            run(
              'Conv2DBackpropFilter',
              {x: input(xShape, 11), dy: input(dyShape, 12)},
              {strides, pad, dataFormat: 'NHWC', filterShape},
            ),
          );
        });
        for (const mult of [1, 2]) {
          it(`DepthwiseConv2dNative backprop filter+input strides ${strides} ${label} multiplier ${mult} equal cpu @wasm`, async () => {
            const xShape = [2, 7, 6, 3];
            const filterShape = [3, 2, 3, mult];
            const dyShape = outShape(xShape, filterShape, strides, pad, true);
            const attrs = {strides, pad, dilations: 1};
            await expectWasmEqualsCpu('depthwise dW', () =>
              run(
                'DepthwiseConv2dNativeBackpropFilter',
                {x: input(xShape, 13), dy: input(dyShape, 14)},
                {...attrs, filterShape},
              ),
            );
            await expectWasmEqualsCpu('depthwise dx', () =>
              run(
                'DepthwiseConv2dNativeBackpropInput',
                {dy: input(dyShape, 14), filter: input(filterShape, 15)},
                {...attrs, inputShape: xShape},
              ),
            );
          });
        }
      }
    }

    it('Conv2DBackpropFilter NCHW equals cpu @wasm', async () => {
      const xShape = [2, 3, 7, 6];
      const filterShape = [3, 3, 3, 4];
      for (const strides of [1, 2]) {
        const info = tf.backend_util.computeConv2DInfo(
          xShape as [number, number, number, number],
          filterShape as [number, number, number, number],
          strides,
          1,
          'same',
          undefined,
          false,
          'channelsFirst',
        );
        await expectWasmEqualsCpu('dW NCHW', () =>
          run(
            'Conv2DBackpropFilter',
            {x: input(xShape, 16), dy: input(info.outShape, 17)},
            {strides, pad: 'same', dataFormat: 'NCHW', filterShape},
          ),
        );
      }
    });

    it('the float64 reference agrees with cpu at dilation 1 (so it can judge dilation 2) @wasm', async () => {
      const xShape = [2, 7, 6, 3];
      const g = ref.geometry(xShape, 3, 2, [2, 1], [1, 1], 'same');
      const x = values(2 * 7 * 6 * 3, 21);
      const dy = values(2 * g.outH * g.outW * 6, 22);
      const w = values(3 * 2 * 3 * 2, 23);
      const cpu = await withBackend('cpu', () => {
        const xT = tf.tensor(x, xShape);
        const dyT = tf.tensor(dy, [2, g.outH, g.outW, 6]);
        return [
          run(
            'Conv2DBackpropFilter',
            {x: xT, dy: dyT},
            {strides: [2, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 2, 3, 6]},
          ),
          run(
            'DepthwiseConv2dNativeBackpropFilter',
            {x: xT, dy: dyT},
            {strides: [2, 1], pad: 'same', dilations: 1, filterShape: [3, 2, 3, 2]},
          ),
          run(
            'DepthwiseConv2dNativeBackpropInput',
            {dy: dyT, filter: tf.tensor(w, [3, 2, 3, 2])},
            {strides: [2, 1], pad: 'same', dilations: 1, inputShape: xShape},
          ),
        ].map(t => t.dataSync());
      });
      const refs = [
        ref.conv2dFilterGrad(g, x, dy, 6),
        ref.depthwiseFilterGrad(g, x, dy, 2),
        ref.depthwiseInputGrad(g, w, dy, 2),
      ];
      refs.forEach((r, k) =>
        r.forEach((v, i) => expect(cpu[k][i], `output ${k} [${i}]`).to.be.closeTo(v, 1e-4 * (1 + Math.abs(v)))),
      );
    });

    for (const strides of [
      [1, 1],
      [2, 2],
    ] as Array<[number, number]>) {
      for (const pad of ['same', 'valid'] as const) {
        it(`dilation 2, strides ${strides}, ${pad}: all three kernels equal the float64 reference @wasm`, async () => {
          const xShape = [2, 9, 8, 3];
          const g = ref.geometry(xShape, 3, 2, strides, [2, 2], pad);
          const x = values(2 * 9 * 8 * 3, 31);
          const dy4 = values(2 * g.outH * g.outW * 4, 32);
          const dy6 = values(2 * g.outH * g.outW * 6, 33);
          const w = values(3 * 2 * 3 * 2, 34);
          const attrs = {strides, pad, dilations: [2, 2]};
          const out = await withBackend('wasm', () => {
            const xT = tf.tensor(x, xShape);
            return tf.tidy(() =>
              [
                run(
                  'Conv2DBackpropFilter',
                  {x: xT, dy: tf.tensor(dy4, [2, g.outH, g.outW, 4])},
                  {...attrs, dataFormat: 'NHWC', filterShape: [3, 2, 3, 4]},
                ),
                run(
                  'DepthwiseConv2dNativeBackpropFilter',
                  {x: xT, dy: tf.tensor(dy6, [2, g.outH, g.outW, 6])},
                  {...attrs, filterShape: [3, 2, 3, 2]},
                ),
                run(
                  'DepthwiseConv2dNativeBackpropInput',
                  {dy: tf.tensor(dy6, [2, g.outH, g.outW, 6]), filter: tf.tensor(w, [3, 2, 3, 2])},
                  {...attrs, inputShape: xShape},
                ),
              ].map(t => ({shape: t.shape, data: Float32Array.from(t.dataSync())})),
            );
          });
          const expected = [
            {shape: [3, 2, 3, 4], data: Float32Array.from(ref.conv2dFilterGrad(g, x, dy4, 4))},
            {shape: [3, 2, 3, 2], data: Float32Array.from(ref.depthwiseFilterGrad(g, x, dy6, 2))},
            {shape: xShape, data: Float32Array.from(ref.depthwiseInputGrad(g, w, dy6, 2))},
          ];
          expectSameAsCpu(out, expected, 'dilated vs reference');
        });
      }
    }

    it('UnsortedSegmentSum with repeated, absent and out-of-range ids equals cpu @wasm', async () => {
      // ids: 2 repeated, 1 and 4 absent, -1 and 7 out of range (dropped, as on cpu).
      const ids = [0, 2, 2, -1, 7, 3, 2, 0];
      await expectWasmEqualsCpu('segment sum 2-d', () =>
        tf.unsortedSegmentSum(input([8, 5], 41), tf.tensor1d(ids, 'int32'), 6),
      );
      await expectWasmEqualsCpu('segment sum 3-d', () =>
        tf.unsortedSegmentSum(input([8, 2, 3], 42), tf.tensor1d(ids, 'int32'), 4),
      );
      await expectWasmEqualsCpu('segment sum 1-d', () =>
        tf.unsortedSegmentSum(input([8], 43), tf.tensor1d(ids, 'int32'), 5),
      );
      await expectWasmEqualsCpu('gather gradient', () =>
        tf.grad((p: tf.Tensor) => tf.sum(tf.square(tf.gather(p, tf.tensor1d([3, 1, 3, 0, 3], 'int32')))))(
          input([6, 4], 44),
        ),
      );
      // The absent segment is exactly zero, repeated rows add up.
      await withBackend('wasm', () => {
        const x = tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
        ]);
        const out = tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2], 'int32'), 3);
        expect(Array.from(out.dataSync())).to.deep.equal([3, 4, 0, 0, 6, 8]);
        tf.dispose([x, out]);
      });
    });

    it('uncovered cases throw naming the kernel and the attribute @wasm', async () => {
      await withBackend('wasm', () => {
        const x = tf.zeros([1, 4, 4, 2]);
        const dy = tf.zeros([1, 4, 4, 2]);
        expect(() =>
          run(
            'DepthwiseConv2dNativeBackpropFilter',
            {x, dy},
            {strides: 1, pad: 'same', dilations: 1, dataFormat: 'NCHW', filterShape: [3, 3, 2, 1]},
          ),
        ).to.throw(/DepthwiseConv2dNativeBackpropFilter: dataFormat must be 'NHWC', got "NCHW"/);
        expect(() =>
          run(
            'Conv2DBackpropFilter',
            {x, dy: tf.zeros([1, 3, 3, 2])},
            {strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 2]},
          ),
        ).to.throw(/Conv2DBackpropFilter: dy shape must be \[1, 4, 4, 2\]/);
        expect(() =>
          tf.unsortedSegmentSum(tf.zeros([2, 2]), tf.zeros([2, 2], 'int32') as unknown as tf.Tensor1D, 3),
        ).to.throw(/UnsortedSegmentSum: segmentIds rank must be 1/);
        tf.dispose([x, dy]);
      });
    });

    it('kernels free every temporary (wasm data buffers and tensors constant) @wasm', async () => {
      await withBackend('wasm', async () => {
        const x = input([2, 7, 6, 3], 51);
        const dy = input([2, 4, 3, 4], 52);
        const dy6 = input([2, 4, 3, 6], 53);
        const w = input([3, 3, 3, 2], 54);
        const ids = tf.tensor1d([1, 0], 'int32');
        const step = () => {
          tf.dispose([
            run(
              'Conv2DBackpropFilter',
              {x, dy},
              {strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4]},
            ),
            run(
              'DepthwiseConv2dNativeBackpropFilter',
              {x, dy: dy6},
              {strides: 2, pad: 'same', dilations: 1, filterShape: [3, 3, 3, 2]},
            ),
            run(
              'DepthwiseConv2dNativeBackpropInput',
              {dy: dy6, filter: w},
              {strides: 2, pad: 'same', dilations: 1, inputShape: [2, 7, 6, 3]},
            ),
            tf.unsortedSegmentSum(x, ids, 3),
          ]);
        };
        step();
        const before = wasmDataIds();
        await expectNoLeak(step, 5);
        expect(wasmDataIds()).to.equal(before);
        tf.dispose([x, dy, dy6, w, ids]);
      });
    });
  });

  describe('models', () => {
    /** Builds the model, sets deterministic weights, returns the loss gradients of every trainable weight. */
    function modelGrads(build: () => tf.LayersModel, x: () => tf.Tensor, y: () => tf.Tensor): tf.Tensor[] {
      const model = build();
      model.setWeights(model.getWeights().map((w, i) => tf.mul(input(w.shape, 100 + i), 0.5)));
      const xs = x();
      const ys = y();
      const {grads} = tf.variableGrads(
        () => tf.losses.meanSquaredError(ys, model.apply(xs) as tf.Tensor) as tf.Scalar,
        model.trainableWeights.map(w => (w as unknown as {val: tf.Variable}).val),
      );
      const out = model.trainableWeights.map(w => grads[(w as unknown as {val: tf.Variable}).val.name]);
      model.dispose();
      return out;
    }
    const image = () => input([2, 8, 8, 3], 61);
    const cases: Array<{name: string; build: () => tf.LayersModel; x: () => tf.Tensor; y: () => tf.Tensor}> = [
      {
        name: 'Conv2D (strides 2, same) + Conv2D (valid)',
        build: () =>
          tf.sequential({
            layers: [
              tf.layers.conv2d({
                inputShape: [8, 8, 3],
                filters: 4,
                kernelSize: 3,
                strides: 2,
                padding: 'same',
                activation: 'relu',
              }),
              tf.layers.conv2d({filters: 2, kernelSize: 2, padding: 'valid'}),
            ],
          }),
        x: image,
        y: () => input([2, 3, 3, 2], 62),
      },
      {
        name: 'DepthwiseConv2D (multiplier 2)',
        build: () =>
          tf.sequential({
            layers: [
              tf.layers.depthwiseConv2d({
                inputShape: [8, 8, 3],
                kernelSize: 3,
                depthMultiplier: 2,
                padding: 'same',
                activation: 'tanh',
              }),
            ],
          }),
        x: image,
        y: () => input([2, 8, 8, 6], 63),
      },
      {
        name: 'SeparableConv2D (strides 2)',
        build: () =>
          tf.sequential({
            layers: [
              tf.layers.separableConv2d({
                inputShape: [8, 8, 3],
                filters: 5,
                kernelSize: 3,
                strides: 2,
                depthMultiplier: 2,
                padding: 'valid',
              }),
            ],
          }),
        x: image,
        y: () => input([2, 3, 3, 5], 64),
      },
      {
        name: 'Embedding + LSTM (repeated ids)',
        build: () =>
          tf.sequential({
            layers: [tf.layers.embedding({inputDim: 9, outputDim: 4, inputLength: 5}), tf.layers.lstm({units: 3})],
          }),
        x: () =>
          tf.tensor2d(
            [
              [1, 2, 2, 8, 0],
              [3, 3, 3, 1, 7],
            ],
            [2, 5],
            'int32',
          ),
        y: () => input([2, 3], 65),
      },
    ];
    for (const c of cases) {
      it(`${c.name}: gradients on wasm equal cpu @wasm`, async () => {
        await expectWasmEqualsCpu(`${c.name} grads`, () => modelGrads(c.build, c.x, c.y));
      });
    }

    /** Mean loss of the first and last epoch of `fit` on `backend`. */
    async function trainTwoEpochs(
      build: () => tf.LayersModel,
      x: tf.Tensor,
      y: tf.Tensor,
      loss: string,
    ): Promise<number[]> {
      const model = build();
      model.compile({optimizer: tf.train.adam(0.01), loss});
      const h = await model.fit(x, y, {epochs: 2, batchSize: 16, shuffle: false, verbose: 0});
      model.dispose();
      return h.history.loss as number[];
    }

    it('a CNN trains for 2 epochs on wasm, loss decreasing, no leak, save/load round trip @wasm', async () => {
      await withBackend('wasm', async () => {
        // Label: is the bright square in the left half of the image?
        const n = 64;
        const xs = tf.tidy(() => {
          const v = values(n * 8 * 8, 71).map(a => 0.1 * a);
          for (let i = 0; i < n; i++) {
            const col = i % 2 === 0 ? 1 : 5;
            const row = (i * 3) % 6;
            for (const [dr, dc] of [
              [0, 0],
              [0, 1],
              [1, 0],
              [1, 1],
            ])
              v[i * 64 + (row + dr) * 8 + col + dc] = 1;
          }
          return tf.tensor4d(v, [n, 8, 8, 1]);
        });
        const ys = tf.tensor2d(
          Array.from({length: n}, (_, i) => (i % 2 === 0 ? [1, 0] : [0, 1])),
          [n, 2],
        );
        const build = () =>
          tf.sequential({
            layers: [
              tf.layers.conv2d({inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu'}),
              tf.layers.depthwiseConv2d({kernelSize: 3, strides: 2, padding: 'same', activation: 'relu'}),
              tf.layers.flatten(),
              tf.layers.dense({units: 2, activation: 'softmax'}),
            ],
          });
        const losses = await trainTwoEpochs(build, xs, ys, 'categoricalCrossentropy');
        expect(losses[1], `losses ${losses}`).to.be.lessThan(losses[0]);

        const model = build();
        model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
        const before = wasmDataIds();
        await expectNoLeak(() => model.trainOnBatch(xs, ys), 5);
        const growth = wasmDataIds() - before;
        expect(growth, 'wasm buffers after the first steps').to.be.at.most(model.trainableWeights.length);
        (await roundTrip(model, xs.slice(0, 4))).dispose();
        model.dispose();
        tf.dispose([xs, ys]);
      });
    });

    it('an Embedding + LSTM model trains for 2 epochs on wasm, loss decreasing @wasm', async () => {
      await withBackend('wasm', async () => {
        // Label: does token 1 occur in the sequence?
        const n = 48;
        const seqs = Array.from({length: n}, (_, i) =>
          Array.from({length: 6}, (_, t) => (i % 2 === 0 && t === i % 6 ? 1 : 2 + ((i * 7 + t * 3) % 8))),
        );
        const xs = tf.tensor2d(seqs, [n, 6], 'int32');
        const ys = tf.tensor2d(
          seqs.map(s => [s.includes(1) ? 1 : 0]),
          [n, 1],
        );
        const losses = await trainTwoEpochs(
          () =>
            tf.sequential({
              layers: [
                tf.layers.embedding({inputDim: 10, outputDim: 8, inputLength: 6}),
                tf.layers.lstm({units: 8}),
                tf.layers.dense({units: 1, activation: 'sigmoid'}),
              ],
            }),
          xs,
          ys,
          'binaryCrossentropy',
        );
        expect(losses[1], `losses ${losses}`).to.be.lessThan(losses[0]);
        tf.dispose([xs, ys]);
      });
    });
  });
});
