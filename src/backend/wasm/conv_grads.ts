/**
 * Convolution gradient kernels tfjs-backend-wasm 4.22 lacks, composed from
 * wasm's own kernels (StridedSlice, PadV2, Transpose, BatchMatMul, Multiply,
 * Sum, DepthwiseConv2dNative, Reverse); no JS loop touches tensor elements.
 *
 * Notation (NHWC): x [N, H, W, C], filter [fh, fw, C, D], dy [N, oH, oW, D];
 * tap (kh, kw) reads x at row `oh·sh + kh·dh − top`, column `ow·sw + kw·dw − left`
 * (s = strides, d = dilations, top/left from `backend_util.computeConv2DInfo`,
 * as the cpu kernels use it). The gradients follow from
 * `y[n,oh,ow,:] = Σ_{kh,kw} x[n, oh·sh + kh·dh − top, ow·sw + kw·dw − left, :] · W[kh,kw]`.
 *
 * Deviation from the cpu kernels: those ignore `dilations` inside their loops
 * (tfjs refuses dilated conv gradients before reaching them); these honour it,
 * so a dilated call is the true gradient (tested against a float64 reference).
 */
import * as tf from '@tensorflow/tfjs-core';

import {composed, KernelScope, WasmBackendLike} from './compose';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface ConvAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
}

function fail(kernel: string, attr: string, rule: string, got: unknown): never {
  throw new Error(`patchWasm ${kernel}: ${attr} must be ${rule}, got ${JSON.stringify(got)}.`);
}

function checkDy(kernel: string, dy: tf.TensorInfo, expected: number[]): void {
  if (dy.shape.length !== 4 || dy.shape.some((n, i) => n !== expected[i])) {
    fail(kernel, 'dy shape', `[${expected.join(', ')}] (the conv output shape)`, dy.shape);
  }
}

function checkFloat(kernel: string, name: string, t: tf.TensorInfo): void {
  if (t.dtype !== 'float32') fail(kernel, `${name} dtype`, "'float32'", t.dtype);
}

/**
 * The input window every tap needs, from x (NHWC) transposed to [H, W, N, C]
 * and padded/cropped to rows [-top, -top + (fh-1)·dh + (oH-1)·sh] and the
 * same for columns. In this layout a stride-1 tap is oH contiguous runs of
 * oW·N·C values (wasm's Slice is JS and copies runs, so runs must be long).
 */
function paddedWindow(
  s: KernelScope,
  x: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  toHWNC: number[] = [1, 2, 0, 3],
): tf.TensorInfo {
  const needH = (info.filterHeight - 1) * info.dilationHeight + (info.outHeight - 1) * info.strideHeight + 1;
  const needW = (info.filterWidth - 1) * info.dilationWidth + (info.outWidth - 1) * info.strideWidth + 1;
  const {top, left} = info.padInfo;
  return s.padOrCrop(s.transpose(x, toHWNC), [
    [top, needH - top - info.inHeight],
    [left, needW - left - info.inWidth],
    [0, 0],
    [0, 0],
  ]);
}

/** Tap (kh, kw) of the padded window [Hp, Wp, N, C]: [oH·oW·N, C] (positions in (oh, ow, n) order). */
function tap(
  s: KernelScope,
  xp: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  kh: number,
  kw: number,
): tf.TensorInfo {
  const [Hp, Wp, N, C] = xp.shape;
  const {outHeight: oH, outWidth: oW, strideHeight: sh, strideWidth: sw} = info;
  const r0 = kh * info.dilationHeight;
  const c0 = kw * info.dilationWidth;
  let t: tf.TensorInfo;
  if (sh === 1 && sw === 1) {
    t = s.slice(s.reshape(xp, [Hp, Wp * N * C]), [r0, c0 * N * C], [oH, oW * N * C]);
  } else {
    // Strided: wasm's StridedSlice kernel (C++).
    t = s.stridedSlice(xp, [r0, c0, 0, 0], [r0 + (oH - 1) * sh + 1, c0 + (oW - 1) * sw + 1, N, C], [sh, sw, 1, 1]);
  }
  return s.reshape(t, [oH * oW * N, C]);
}

/** dy [N, oH, oW, D] as [oH·oW·N, D] (the tap position order). */
function positionsFirst(s: KernelScope, dy: tf.TensorInfo): tf.TensorInfo {
  const [N, oH, oW, D] = dy.shape;
  return s.reshape(s.transpose(dy, [1, 2, 0, 3]), [oH * oW * N, D]);
}

/**
 * `Conv2DBackpropFilter`: dW[kh,kw] = tap(kh,kw)ᵀ · dy over all N·oH·oW
 * positions, as one plain matMul per tap against dy transposed once:
 * dyᵀ [D, M] · tap [M, C] → [D, C]; the taps are stacked and transposed to
 * [fh, fw, C, D]. NCHW is handled by the layout transposes (same cost).
 */
export const conv2DBackpropFilter: tf.KernelFunc = ({inputs, backend, attrs}) => {
  const K = 'Conv2DBackpropFilter';
  const {x, dy} = inputs as {x: tf.TensorInfo; dy: tf.TensorInfo};
  const a = attrs as unknown as ConvAttrs & {filterShape: [number, number, number, number]};
  const dataFormat = a.dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') fail(K, 'dataFormat', "'NHWC' or 'NCHW'", dataFormat);
  checkFloat(K, 'x', x);
  checkFloat(K, 'dy', dy);
  if (x.shape.length !== 4) fail(K, 'x rank', '4', x.shape.length);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  checkDy(K, dy, info.outShape);
  return composed(backend as WasmBackendLike, s => {
    const nchw = dataFormat === 'NCHW';
    const M = info.batchSize * info.outHeight * info.outWidth;
    const C = info.inChannels;
    const D = info.outChannels;
    // dy as [D, oH, oW, N]: positions in the taps' (oh, ow, n) order.
    const dyT = s.reshape(s.transpose(dy, nchw ? [1, 2, 3, 0] : [3, 1, 2, 0]), [D, M]);
    const xp = paddedWindow(s, x, info, nchw ? [2, 3, 0, 1] : [1, 2, 0, 3]);
    const taps: tf.TensorInfo[] = [];
    for (let kh = 0; kh < info.filterHeight; kh++) {
      for (let kw = 0; kw < info.filterWidth; kw++) {
        const cols = tap(s, xp, info, kh, kw); // [M, C]
        taps.push(s.reshape(s.matMul(dyT, cols), [1, D, C]));
      }
    }
    const stacked = s.concat(taps, 0); // [fh·fw, D, C]
    return s.reshape(s.transpose(stacked, [0, 2, 1]), [info.filterHeight, info.filterWidth, C, D]);
  });
};

function depthwiseInfo(K: string, xShape: number[], filterShape: number[], a: ConvAttrs): tf.backend_util.Conv2DInfo {
  if (a.dataFormat != null && a.dataFormat !== 'NHWC') fail(K, 'dataFormat', "'NHWC'", a.dataFormat);
  if (xShape.length !== 4) fail(K, 'input rank', '4', xShape.length);
  if (filterShape.length !== 4 || filterShape[2] !== xShape[3]) {
    fail(K, 'filterShape', `[fh, fw, ${xShape[3]}, multiplier]`, filterShape);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

/**
 * `DepthwiseConv2dNativeBackpropFilter`: dW[kh,kw,c,m] = Σ_positions
 * tap(kh,kw)[.., c] · dy[.., c·mult + m], one Multiply (tap broadcast over
 * the multiplier) and one Sum over the N·oH·oW positions per tap.
 */
export const depthwiseConv2dNativeBackpropFilter: tf.KernelFunc = ({inputs, backend, attrs}) => {
  const K = 'DepthwiseConv2dNativeBackpropFilter';
  const {x, dy} = inputs as {x: tf.TensorInfo; dy: tf.TensorInfo};
  const a = attrs as unknown as ConvAttrs & {filterShape: [number, number, number, number]};
  checkFloat(K, 'x', x);
  checkFloat(K, 'dy', dy);
  const info = depthwiseInfo(K, x.shape, a.filterShape, a);
  checkDy(K, dy, info.outShape);
  const C = info.inChannels;
  const mult = info.outChannels / C;
  return composed(backend as WasmBackendLike, s => {
    const M = info.batchSize * info.outHeight * info.outWidth;
    const dyR = s.reshape(positionsFirst(s, dy), [M, C, mult]);
    const xp = paddedWindow(s, x, info);
    const taps: tf.TensorInfo[] = [];
    for (let kh = 0; kh < info.filterHeight; kh++) {
      for (let kw = 0; kw < info.filterWidth; kw++) {
        const cols = s.reshape(tap(s, xp, info, kh, kw), [M, C, 1]);
        taps.push(s.sum(s.multiply(cols, dyR), [0], true)); // [1, C, mult]
      }
    }
    return s.reshape(s.concat(taps, 0), [info.filterHeight, info.filterWidth, C, mult]);
  });
};

/**
 * `DepthwiseConv2dNativeBackpropInput` as a forward depthwise convolution
 * (wasm's `DepthwiseConv2dNative`, stride 1, same dilations, 'valid') of dy
 * with zeros inserted between its rows/columns (stride - 1 of them), padded
 * by `(f-1)·d − top` before, against the spatially flipped filter: dx[i] =
 * Σ_k U[i + top − k·d] · W[k] with U the zero-inserted dy. With a channel
 * multiplier, one such convolution per multiplier slice, summed.
 */
export const depthwiseConv2dNativeBackpropInput: tf.KernelFunc = ({inputs, backend, attrs}) => {
  const K = 'DepthwiseConv2dNativeBackpropInput';
  const {dy, filter} = inputs as {dy: tf.TensorInfo; filter: tf.TensorInfo};
  const a = attrs as unknown as ConvAttrs & {inputShape: [number, number, number, number]};
  checkFloat(K, 'dy', dy);
  checkFloat(K, 'filter', filter);
  const info = depthwiseInfo(K, a.inputShape, filter.shape, a);
  checkDy(K, dy, info.outShape);
  const C = info.inChannels;
  const mult = info.outChannels / C;
  const {strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw} = info;
  const {filterHeight: fh, filterWidth: fw, outHeight: oH, outWidth: oW, batchSize: N} = info;
  return composed(backend as WasmBackendLike, s => {
    // U: dy with stride-1 zeros after every row/column: [N, oH·sh, oW·sw, C·mult].
    let u = dy;
    if (sh > 1 || sw > 1) {
      const spread = s.pad(s.reshape(dy, [N, oH, 1, oW, 1, C * mult]), [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      u = s.reshape(spread, [N, oH * sh, oW * sw, C * mult]);
    }
    const beforeH = (fh - 1) * dh - info.padInfo.top;
    const beforeW = (fw - 1) * dw - info.padInfo.left;
    const v = s.padOrCrop(u, [
      [0, 0],
      [beforeH, info.inHeight + (fh - 1) * dh - beforeH - oH * sh],
      [beforeW, info.inWidth + (fw - 1) * dw - beforeW - oW * sw],
      [0, 0],
    ]);
    const flipped = s.run('Reverse', {x: filter}, {dims: [0, 1]}); // [fh, fw, C, mult]
    const conv = (input: tf.TensorInfo, w: tf.TensorInfo): tf.TensorInfo =>
      s.run(
        'DepthwiseConv2dNative',
        {x: input, filter: w},
        {
          strides: [1, 1],
          dilations: [dh, dw],
          pad: 'valid',
          dataFormat: 'NHWC',
        },
      );
    if (mult === 1) return conv(v, flipped);
    // Multiplier axis first, so each slice is one contiguous copy.
    const [, H2, W2] = v.shape;
    const vByM = s.transpose(s.reshape(v, [N, H2, W2, C, mult]), [4, 0, 1, 2, 3]); // [mult, N, H2, W2, C]
    const wByM = s.transpose(flipped, [3, 0, 1, 2]); // [mult, fh, fw, C]
    let dx: tf.TensorInfo | undefined;
    for (let m = 0; m < mult; m++) {
      const vm = s.reshape(s.slice(vByM, [m, 0, 0, 0, 0], [1, N, H2, W2, C]), [N, H2, W2, C]);
      const wm = s.reshape(s.slice(wByM, [m, 0, 0, 0], [1, fh, fw, C]), [fh, fw, C, 1]);
      const part = conv(vm, wm);
      dx = dx == null ? part : s.add(dx, part);
    }
    return dx as tf.TensorInfo;
  });
};
