/**
 * Convolution gradient kernels tfjs-backend-wasm 4.22 lacks, composed from
 * wasm's own kernels (Transpose, PadV2, BatchMatMul, Multiply, Sum,
 * DepthwiseConv2dNative, Reverse); the im2col is gathered by copying
 * contiguous runs between views of the wasm heap, never element by element.
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
 * The input window every tap needs, laid out so that each (tap, channel,
 * output row) is ONE contiguous run of oW·N values: x transposed to
 * [C, H, W, N], padded/cropped to rows [-top, -top + (fh-1)·dh + (oH-1)·sh]
 * (rounded up to a multiple of sh) and the same for columns, then split by
 * stride phase into [sw, sh, C, Hq, Wq, N] with row `r = q·sh + phase`
 * (only rank <= 4 transposes: wasm's rank-5 Transpose is ~20x slower and its
 * StridedSlice slow). Tap (kh, kw) reads rows kh·dh + oh·sh, i.e. phase
 * (kh·dh) mod sh and q = ⌊kh·dh/sh⌋ + oh, and likewise columns.
 */
interface Window {
  data: tf.TensorInfo;
  C: number;
  Hq: number;
  Wq: number;
  N: number;
}

function paddedWindow(
  s: KernelScope,
  x: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  toCHWN: number[] = [3, 1, 2, 0],
): Window {
  const {strideHeight: sh, strideWidth: sw} = info;
  const needH = (info.filterHeight - 1) * info.dilationHeight + (info.outHeight - 1) * sh + 1;
  const needW = (info.filterWidth - 1) * info.dilationWidth + (info.outWidth - 1) * sw + 1;
  const Hq = Math.ceil(needH / sh);
  const Wq = Math.ceil(needW / sw);
  const {top, left} = info.padInfo;
  const xp = s.padOrCrop(s.transpose(x, toCHWN), [
    [0, 0],
    [top, Hq * sh - top - info.inHeight],
    [left, Wq * sw - left - info.inWidth],
    [0, 0],
  ]);
  const [C, , , N] = xp.shape;
  let data = xp;
  // [C·Hq, sh, Wq·sw·N] → [sh, C·Hq, Wq·sw·N]; then [sh·C·Hq·Wq, sw, N] → [sw, sh·C·Hq·Wq, N].
  if (sh > 1) data = s.transpose(s.reshape(data, [C * Hq, sh, Wq * sw * N]), [1, 0, 2]);
  if (sw > 1) data = s.transpose(s.reshape(data, [sh * C * Hq * Wq, sw, N]), [1, 0, 2]);
  return {data, C, Hq, Wq, N};
}

/**
 * im2col, transposed: the taps `taps` of the window as [taps.length·C, M]
 * (row = (tap, channel), column = output position in (oh, ow, n) order),
 * copied run by run between views of the wasm heap (oH runs of oW·N values
 * per row; no per-element JS).
 */
function gatherTaps(
  s: KernelScope,
  w: Window,
  info: tf.backend_util.Conv2DInfo,
  taps: Array<[number, number]>,
): tf.TensorInfo {
  const {outHeight: oH, outWidth: oW, strideHeight: sh, strideWidth: sw} = info;
  const {C, Hq, Wq, N} = w;
  const run = oW * N;
  const M = oH * run;
  const out = s.empty([taps.length * C, M], 'float32');
  // Views taken after the allocation (which may grow the heap and detach older views).
  const src = s.backend.typedArrayFromHeap(w.data);
  const dst = s.backend.typedArrayFromHeap(out);
  taps.forEach(([kh, kw], t) => {
    const r = kh * info.dilationHeight;
    const c0 = kw * info.dilationWidth;
    const phase = (c0 % sw) * sh + (r % sh);
    const q0 = Math.floor(r / sh);
    const qw0 = Math.floor(c0 / sw);
    for (let c = 0; c < C; c++) {
      const rowBase = (phase * C + c) * Hq + q0;
      const dstBase = (t * C + c) * M;
      for (let oh = 0; oh < oH; oh++) {
        const from = ((rowBase + oh) * Wq + qw0) * N;
        dst.set(src.subarray(from, from + run), dstBase + oh * run);
      }
    }
  });
  return out;
}

/** Size bound of one im2col chunk, in floats (~16 MB); tests lower it to exercise chunking. */
export const im2colLimit = {floats: 1 << 22};

/** Taps in filter order, in chunks whose im2col stays under {@link im2colLimit}. */
function tapChunks(info: tf.backend_util.Conv2DInfo, floatsPerTap: number): Array<Array<[number, number]>> {
  const all: Array<[number, number]> = [];
  for (let kh = 0; kh < info.filterHeight; kh++) for (let kw = 0; kw < info.filterWidth; kw++) all.push([kh, kw]);
  const per = Math.max(1, Math.floor(im2colLimit.floats / Math.max(1, floatsPerTap)));
  const chunks: Array<Array<[number, number]>> = [];
  for (let i = 0; i < all.length; i += per) chunks.push(all.slice(i, i + per));
  return chunks;
}

/**
 * `Conv2DBackpropFilter`: dW[kh,kw,c,:] = Σ_positions tap(kh,kw)[c, p] · dy[p, :],
 * i.e. one plain matMul of the transposed im2col [fh·fw·C, M] with dy
 * [M, D] (M = N·oH·oW positions), whose [fh·fw·C, D] result is already the
 * filter layout. Large inputs run in chunks of taps (bounded memory). NCHW is
 * handled by the layout transposes (same cost).
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
    // dy as [oH, oW, N, D]: positions in the im2col's (oh, ow, n) order.
    const dyP = s.reshape(s.transpose(dy, nchw ? [2, 3, 0, 1] : [1, 2, 0, 3]), [M, D]);
    const w = paddedWindow(s, x, info, nchw ? [1, 2, 3, 0] : [3, 1, 2, 0]);
    const parts = tapChunks(info, C * M).map(taps => s.matMul(gatherTaps(s, w, info, taps), dyP));
    return s.reshape(s.concatRows(parts), [info.filterHeight, info.filterWidth, C, D]);
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
 * tap(kh,kw)[c, p] · dy[p, c·mult + m]: the transposed im2col [taps, C, 1, M]
 * times dy as [C, mult, M] (broadcast Multiply), summed over the innermost
 * axis M; [taps, C, mult] is the filter layout. Chunks of taps bound memory.
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
    const {batchSize: N, outHeight: oH, outWidth: oW} = info;
    const M = N * oH * oW;
    // dy [N, oH·oW, C·mult] → [C·mult, oH·oW, N] = [C, mult, M] with M in (oh, ow, n) order.
    const dyT = s.reshape(s.transpose(s.reshape(dy, [N, oH * oW, C * mult]), [2, 1, 0]), [C, mult, M]);
    const w = paddedWindow(s, x, info);
    const parts = tapChunks(info, C * mult * M).map(taps => {
      const cols = s.reshape(gatherTaps(s, w, info, taps), [taps.length, C, 1, M]);
      return s.sum(s.multiply(cols, dyT), [3]); // [taps, C, mult]
    });
    return s.reshape(s.concatRows(parts), [info.filterHeight, info.filterWidth, C, mult]);
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
    // Multiplier axis first (rank-2 transposes), so each slice is one contiguous copy.
    const [, H2, W2] = v.shape;
    const vByM = s.transpose(s.reshape(v, [N * H2 * W2 * C, mult]), [1, 0]); // [mult, N·H2·W2·C]
    const wByM = s.transpose(s.reshape(flipped, [fh * fw * C, mult]), [1, 0]); // [mult, fh·fw·C]
    let dx: tf.TensorInfo | undefined;
    for (let m = 0; m < mult; m++) {
      const vm = s.reshape(s.slice(vByM, [m, 0], [1, N * H2 * W2 * C]), [N, H2, W2, C]);
      const wm = s.reshape(s.slice(wByM, [m, 0], [1, fh * fw * C]), [fh, fw, C, 1]);
      const part = conv(vm, wm);
      dx = dx == null ? part : s.add(dx, part);
    }
    return dx as tf.TensorInfo;
  });
};
