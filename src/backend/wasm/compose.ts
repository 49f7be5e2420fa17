/**
 * Kernel composition for the wasm patch: a scope that runs other registered
 * wasm kernels (their `kernelFunc`, no engine, no tape) and frees every
 * intermediate it made, keeping only the result.
 *
 * Inside a kernel the engine hands us `TensorInfo`s and the backend; running
 * `tf.*` ops there would open nested engine scopes and record tape entries,
 * so the patch composes kernels instead. Each `TensorInfo` a kernel returns
 * owns one reference on its data (wasm counts references per `dataId`, and
 * `Reshape` only adds one), so disposing each intermediate once with
 * `backend.disposeData` frees exactly what was made.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's `BackendWasm` the patch uses. */
export interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: tf.backend_util.BackendValues,
  ): tf.TensorInfo;
}

/** Runs registered wasm kernels and frees their outputs at {@link KernelScope.dispose}, except those kept. */
export class KernelScope {
  private readonly temps: tf.TensorInfo[] = [];

  constructor(readonly backend: WasmBackendLike) {}

  /** Runs wasm kernel `name`; its output is freed when the scope ends unless kept. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel == null) throw new Error(`patchWasm: kernel '${name}' is not registered for backend 'wasm'.`);
    const out = kernel.kernelFunc({inputs, backend: this.backend, attrs});
    if (Array.isArray(out)) {
      this.temps.push(...out);
      throw new Error(`patchWasm: kernel '${name}' returned ${out.length} outputs where one was expected.`);
    }
    this.temps.push(out);
    return out;
  }

  /** A constant tensor owned by this scope. */
  constant(shape: number[], dtype: 'float32' | 'int32', values: Float32Array | Int32Array): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, dtype, undefined, values);
    this.temps.push(out);
    return out;
  }

  /**
   * Takes `t` out of the scope: the caller (usually the engine) owns it. A
   * tensor the scope did not make (a kernel input) is copied first, so the
   * engine never receives a second owner of its input's data.
   */
  keep(t: tf.TensorInfo): tf.TensorInfo {
    const out = this.temps.includes(t) ? t : this.run('Identity', {x: t});
    this.temps.splice(this.temps.indexOf(out), 1);
    return out;
  }

  /** Frees every output not kept. */
  dispose(): void {
    for (const t of this.temps.splice(0)) this.backend.disposeData(t.dataId);
  }

  // ---- thin wrappers over wasm kernels ----

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', {x}, {shape});
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', {x}, {perm});
  }

  /** `a @ b` with no transpose flags (rank >= 2, batch dims broadcast). */
  matMul(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.run('BatchMatMul', {a, b}, {transposeA: false, transposeB: false});
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    return this.run('Slice', {x}, {begin, size});
  }

  stridedSlice(x: tf.TensorInfo, begin: number[], end: number[], strides: number[]): tf.TensorInfo {
    return this.run(
      'StridedSlice',
      {x},
      {
        begin,
        end,
        strides,
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      },
    );
  }

  pad(x: tf.TensorInfo, paddings: Array<[number, number]>): tf.TensorInfo {
    return this.run('PadV2', {x}, {paddings, constantValue: 0});
  }

  /**
   * Pads (positive amounts) or crops (negative amounts) each axis at both
   * ends. Crops run one axis at a time on a 3-d view [outer, axis, inner], so
   * wasm's (JS) Slice copies runs of `inner` elements, not single elements.
   */
  padOrCrop(x: tf.TensorInfo, amounts: Array<[number, number]>): tf.TensorInfo {
    let y = x;
    amounts.forEach(([before, after], axis) => {
      if (before >= 0 && after >= 0) return;
      const shape = y.shape;
      const outer = shape.slice(0, axis).reduce((p, n) => p * n, 1);
      const inner = shape.slice(axis + 1).reduce((p, n) => p * n, 1);
      const b = Math.max(0, -before);
      const size = shape[axis] - b - Math.max(0, -after);
      const cut = this.slice(this.reshape(y, [outer, shape[axis], inner]), [0, b, 0], [outer, size, inner]);
      y = this.reshape(
        cut,
        shape.map((n, i) => (i === axis ? size : n)),
      );
    });
    if (amounts.some(([b, a]) => b > 0 || a > 0)) {
      y = this.pad(
        y,
        amounts.map(([b, a]) => [Math.max(0, b), Math.max(0, a)] as [number, number]),
      );
    }
    return y;
  }

  concat(xs: tf.TensorInfo[], axis: number): tf.TensorInfo {
    // The engine passes Concat its inputs as an array.
    return xs.length === 1 ? xs[0] : this.run('Concat', xs as unknown as tf.NamedTensorInfoMap, {axis});
  }

  add(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.run('Add', {a, b});
  }

  multiply(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.run('Multiply', {a, b});
  }

  sum(x: tf.TensorInfo, axis: number[], keepDims = false): tf.TensorInfo {
    return this.run('Sum', {x}, {axis, keepDims});
  }

  cast(x: tf.TensorInfo, dtype: tf.DataType): tf.TensorInfo {
    return this.run('Cast', {x}, {dtype});
  }
}

/** Runs `body` in a fresh scope and returns its result, freeing everything else it made. */
export function composed(backend: WasmBackendLike, body: (s: KernelScope) => tf.TensorInfo): tf.TensorInfo {
  const scope = new KernelScope(backend);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}
