/**
 * Float64 references for convolution gradients (NHWC), written from the
 * definition y[n,oh,ow,o] = Σ_{kh,kw,c} x[n, oh·sh + kh·dh − top, ow·sw + kw·dw − left, c] · W[kh,kw,c,o]
 * (out-of-range x reads are zero padding). Brute-force loops; independent of
 * src/ and of every tfjs backend, so they also check dilations, which the cpu
 * kernels ignore inside their gradient loops.
 */

export interface ConvGeometry {
  /** [N, H, W, C] */
  xShape: number[];
  fh: number;
  fw: number;
  strides: [number, number];
  dilations: [number, number];
  /** padding before rows / columns */
  top: number;
  left: number;
  outH: number;
  outW: number;
}

/** Output size and leading padding for 'same' / 'valid' (TensorFlow rules). */
export function geometry(
  xShape: number[],
  fh: number,
  fw: number,
  strides: [number, number],
  dilations: [number, number],
  pad: 'same' | 'valid',
): ConvGeometry {
  const [, H, W] = xShape;
  const eh = (fh - 1) * dilations[0] + 1;
  const ew = (fw - 1) * dilations[1] + 1;
  if (pad === 'valid') {
    return {
      xShape,
      fh,
      fw,
      strides,
      dilations,
      top: 0,
      left: 0,
      outH: Math.ceil((H - eh + 1) / strides[0]),
      outW: Math.ceil((W - ew + 1) / strides[1]),
    };
  }
  const outH = Math.ceil(H / strides[0]);
  const outW = Math.ceil(W / strides[1]);
  const padH = Math.max(0, (outH - 1) * strides[0] + eh - H);
  const padW = Math.max(0, (outW - 1) * strides[1] + ew - W);
  return {xShape, fh, fw, strides, dilations, top: Math.floor(padH / 2), left: Math.floor(padW / 2), outH, outW};
}

/** Calls f(n, oh, ow, kh, kw, xIndexBase) for every (output position, tap) that reads inside x. */
function forEachRead(
  g: ConvGeometry,
  f: (n: number, oh: number, ow: number, kh: number, kw: number, xr: number, xc: number) => void,
): void {
  const [N, H, W] = g.xShape;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let kh = 0; kh < g.fh; kh++)
          for (let kw = 0; kw < g.fw; kw++) {
            const xr = oh * g.strides[0] + kh * g.dilations[0] - g.top;
            const xc = ow * g.strides[1] + kw * g.dilations[1] - g.left;
            if (xr >= 0 && xr < H && xc >= 0 && xc < W) f(n, oh, ow, kh, kw, xr, xc);
          }
}

/** dL/dW of a (dense-channel) conv2d, W [fh, fw, C, D], dy [N, outH, outW, D]. */
export function conv2dFilterGrad(
  g: ConvGeometry,
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  D: number,
): Float64Array {
  const [, H, W, C] = g.xShape;
  const dW = new Float64Array(g.fh * g.fw * C * D);
  forEachRead(g, (n, oh, ow, kh, kw, xr, xc) => {
    for (let c = 0; c < C; c++) {
      const xv = x[((n * H + xr) * W + xc) * C + c];
      for (let o = 0; o < D; o++) {
        dW[((kh * g.fw + kw) * C + c) * D + o] += xv * dy[((n * g.outH + oh) * g.outW + ow) * D + o];
      }
    }
  });
  return dW;
}

/** dL/dW of a depthwise conv2d, W [fh, fw, C, mult], dy [N, outH, outW, C·mult]. */
export function depthwiseFilterGrad(
  g: ConvGeometry,
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  mult: number,
): Float64Array {
  const [, H, W, C] = g.xShape;
  const dW = new Float64Array(g.fh * g.fw * C * mult);
  forEachRead(g, (n, oh, ow, kh, kw, xr, xc) => {
    for (let c = 0; c < C; c++) {
      const xv = x[((n * H + xr) * W + xc) * C + c];
      for (let m = 0; m < mult; m++) {
        dW[((kh * g.fw + kw) * C + c) * mult + m] +=
          xv * dy[((n * g.outH + oh) * g.outW + ow) * C * mult + c * mult + m];
      }
    }
  });
  return dW;
}

/** dL/dx of a depthwise conv2d, W [fh, fw, C, mult], dy [N, outH, outW, C·mult]. */
export function depthwiseInputGrad(
  g: ConvGeometry,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
  mult: number,
): Float64Array {
  const [N, H, W, C] = g.xShape;
  const dx = new Float64Array(N * H * W * C);
  forEachRead(g, (n, oh, ow, kh, kw, xr, xc) => {
    for (let c = 0; c < C; c++) {
      for (let m = 0; m < mult; m++) {
        dx[((n * H + xr) * W + xc) * C + c] +=
          w[((kh * g.fw + kw) * C + c) * mult + m] * dy[((n * g.outH + oh) * g.outW + ow) * C * mult + c * mult + m];
      }
    }
  });
  return dx;
}
