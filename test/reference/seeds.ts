/**
 * Float64 references for the issue-16 pieces (surrogate sign, SIREN/WINNER,
 * mixture of experts, Hessians), written from the papers' formulas (never
 * from src/). Tensors are flat row-major arrays plus their sizes.
 */

/** Surrogate derivatives of sign as stated in the SurrogateSign docs (float64). */
export function surrogateRef(x: number, kind: 'sigmoid' | 'erf' | 'triangle', beta: number): number {
  if (kind === 'sigmoid') {
    const s = 1 / (1 + Math.exp(-beta * x));
    return 2 * beta * s * (1 - s);
  }
  if (kind === 'erf') return ((2 * beta) / Math.sqrt(Math.PI)) * Math.exp(-beta * beta * x * x);
  return beta * Math.max(0, 1 - (beta * Math.abs(x)) / 2);
}

/** ∫ f over [lo, hi] by the composite Simpson rule with n (even) panels. */
export function simpson(f: (x: number) => number, lo: number, hi: number, n = 20000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}

/** Eigenvalues (descending) of a symmetric n×n row-major float64 matrix by cyclic Jacobi rotations. */
export function jacobiEigenvalues(a: ArrayLike<number>, n: number): number[] {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i * n + j] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({length: n}, (_, i) => m[i * n + i]).sort((x, y) => y - x);
}

/**
 * A one-hidden-layer tanh MLP `ŷ = tanh(x·W1 + b1)·W2 + b2` (one output) with
 * the mean squared error over N rows; params flattened as [W1 (I×H), b1 (H),
 * W2 (H), b2]. Returns the float64 gradient of the loss (hand back-propagation).
 */
export function mlpMseGrad(
  params: Float64Array,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  nIn: number,
  nHid: number,
): Float64Array {
  const nRows = y.length;
  const w1 = 0;
  const b1 = nIn * nHid;
  const w2 = b1 + nHid;
  const b2 = w2 + nHid;
  const g = new Float64Array(params.length);
  const a = new Float64Array(nHid);
  for (let r = 0; r < nRows; r++) {
    let out = params[b2];
    for (let j = 0; j < nHid; j++) {
      let z = params[b1 + j];
      for (let i = 0; i < nIn; i++) z += x[r * nIn + i] * params[w1 + i * nHid + j];
      a[j] = Math.tanh(z);
      out += a[j] * params[w2 + j];
    }
    const d = (2 * (out - y[r])) / nRows; // ∂L/∂ŷ_r
    g[b2] += d;
    for (let j = 0; j < nHid; j++) {
      g[w2 + j] += d * a[j];
      const dz = d * params[w2 + j] * (1 - a[j] * a[j]);
      g[b1 + j] += dz;
      for (let i = 0; i < nIn; i++) g[w1 + i * nHid + j] += dz * x[r * nIn + i];
    }
  }
  return g;
}

/** Full Hessian by central differences of a float64 gradient (step h), symmetrised. */
export function fdHessian(grad: (p: Float64Array) => Float64Array, p0: Float64Array, h = 1e-5): Float64Array {
  const n = p0.length;
  const hm = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const pp = Float64Array.from(p0);
    const pm = Float64Array.from(p0);
    pp[c] += h;
    pm[c] -= h;
    const gp = grad(pp);
    const gm = grad(pm);
    for (let r = 0; r < n; r++) hm[r * n + c] = (gp[r] - gm[r]) / (2 * h);
  }
  for (let r = 0; r < n; r++)
    for (let c = 0; c < r; c++) hm[r * n + c] = hm[c * n + r] = (hm[r * n + c] + hm[c * n + r]) / 2;
  return hm;
}

/**
 * Mixture of experts forward in float64 (MoE docs): x [N, I]; gate kernel
 * Wg [I, E], bias bg [E]; experts K [E, I, H], c [E, H], optional V [E, H, O],
 * d [E, O]; σ and φ elementwise; τ; optional top-k renormalised gates.
 * Returns {y [N, O], gates [N, E]}.
 */
export function moeRef(
  x: ArrayLike<number>,
  n: number,
  nIn: number,
  nE: number,
  h: number,
  nOut: number,
  w: {
    wg: ArrayLike<number>;
    bg: ArrayLike<number>;
    k: ArrayLike<number>;
    c: ArrayLike<number>;
    v?: ArrayLike<number>;
    d?: ArrayLike<number>;
  },
  opts: {tau: number; sigma?: (z: number) => number; phi: (z: number) => number; topK?: number},
): {y: Float64Array; gates: Float64Array} {
  const y = new Float64Array(n * nOut);
  const gates = new Float64Array(n * nE);
  for (let r = 0; r < n; r++) {
    const a = new Float64Array(nE);
    for (let e = 0; e < nE; e++) {
      let z = w.bg[e];
      for (let i = 0; i < nIn; i++) z += x[r * nIn + i] * w.wg[i * nE + e];
      a[e] = (opts.sigma ? opts.sigma(z) : z) / opts.tau;
    }
    const mx = Math.max(...a);
    let s = 0;
    const g = Array.from(a, v => Math.exp(v - mx));
    for (const v of g) s += v;
    for (let e = 0; e < nE; e++) g[e] /= s;
    for (let e = 0; e < nE; e++) gates[r * nE + e] = g[e];
    if (opts.topK != null) {
      const kth = [...g].sort((p, q) => q - p)[opts.topK - 1];
      let t = 0;
      for (let e = 0; e < nE; e++) {
        if (g[e] < kth) g[e] = 0;
        t += g[e];
      }
      for (let e = 0; e < nE; e++) g[e] /= t;
    }
    for (let e = 0; e < nE; e++) {
      const hid = new Float64Array(h);
      for (let j = 0; j < h; j++) {
        let z = w.c[e * h + j];
        for (let i = 0; i < nIn; i++) z += x[r * nIn + i] * w.k[(e * nIn + i) * h + j];
        hid[j] = opts.phi(z);
      }
      for (let o = 0; o < nOut; o++) {
        let out: number;
        if (w.v == null) out = hid[o];
        else {
          out = w.d![e * nOut + o];
          for (let j = 0; j < h; j++) out += hid[j] * w.v[(e * h + j) * nOut + o];
        }
        y[r * nOut + o] += g[e] * out;
      }
    }
  }
  return {y, gates};
}

/** Spectral centroid as the SIREN² code's `spectral_centroid` (float64 naive DFT); data row-major [..., n, C]. */
export function spectralCentroidRef(data: ArrayLike<number>, rows: number, n: number, c: number): number {
  let acc = 0;
  for (let ch = 0; ch < c; ch++) {
    let rowSum = 0;
    for (let r = 0; r < rows; r++) {
      let ws = 0;
      let s = 0;
      for (let k = 0; k <= Math.floor(n / 2); k++) {
        let re = 0;
        let im = 0;
        for (let t = 0; t < n; t++) {
          const v = data[(r * n + t) * c + ch];
          re += v * Math.cos((2 * Math.PI * k * t) / n);
          im -= v * Math.sin((2 * Math.PI * k * t) / n);
        }
        const mag = Math.hypot(re, im);
        ws += mag * (k / n);
        s += mag;
      }
      rowSum += s === 0 ? 0 : ws / s;
    }
    acc += rowSum / rows;
  }
  return (2 * (acc / c)) / c;
}
