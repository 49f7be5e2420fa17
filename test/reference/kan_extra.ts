/**
 * Float64 reference implementations of ReLU-KAN, AF-KAN and SelectableKAN,
 * written from the papers' reference code (quiqi/relu_kan `torch_relu_kan.py`,
 * hoangthangta/All-KAN `models/af_kan.py`) and from the SelectableKAN doc
 * comment's formula. Plain loops over JS numbers; never imports src/.
 *
 * Arrays are flat row-major (Float64Array or number[]), shapes as commented.
 */

type Arr = ArrayLike<number>;

const relu = (v: number) => (v > 0 ? v : 0);

/** erf to ~1e-15 (Taylor series for |x| < 3, continued fraction beyond). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) (Lentz-free backward evaluation)
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

/** torch.nn.functional activations used by All-KAN, by our hyphenated names. */
export function activation64(name: string, v: number): number {
  switch (name) {
    case 'softplus':
      return v > 20 ? v : Math.log1p(Math.exp(v)); // torch threshold 20
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'silu':
      return v / (1 + Math.exp(-v));
    case 'relu':
      return relu(v);
    case 'leaky-relu':
      return v > 0 ? v : 0.01 * v;
    case 'elu':
      return v > 0 ? v : Math.expm1(v);
    case 'gelu':
      return 0.5 * v * (1 + erf(v / Math.SQRT2));
    case 'selu': {
      const alpha = 1.6732632423543772;
      const scale = 1.0507009873554805;
      return scale * (v > 0 ? v : alpha * Math.expm1(v));
    }
    case 'tanh':
      return Math.tanh(v);
    case 'linear':
      return v;
    default:
      throw new Error(`activation64: unknown ${name}`);
  }
}

/** All-KAN `cal_output` func_dict. */
export function combine64(func: string, x1: number, x2: number): number {
  switch (func) {
    case 'quad1':
      return (x1 * x2) ** 2;
    case 'quad2':
      return x1 * x2 + x1 * x1 + x2 * x2;
    case 'sum':
      return x1 + x2;
    case 'prod':
      return x1 * x2;
    case 'sum-prod':
      return x1 + x2 + x1 * x2;
    case 'cubic1':
      return (x1 + x2) * (x1 * x1 + x2 * x2);
    case 'cubic2':
      return (x1 * x2) ** 3;
    default:
      throw new Error(`combine64: unknown ${func}`);
  }
}

/**
 * ReLU-KAN forward (torch_relu_kan.py `ReLUKANLayer.forward`, with the conv
 * written as the equivalent dense sum over features (i, j)).
 * x [N, I], low/high [I, n], kernel [I, n, O], bias [O] → [N, O].
 */
export function reluKan64(
  x: Arr,
  N: number,
  I: number,
  O: number,
  g: number,
  k: number,
  low: Arr,
  high: Arr,
  kernel: Arr,
  bias: Arr,
): Float64Array {
  const n = g + k;
  const r = (4 * g * g) / ((k + 1) * (k + 1));
  const y = new Float64Array(N * O);
  for (let b = 0; b < N; b++) {
    for (let o = 0; o < O; o++) {
      let s = bias[o];
      for (let i = 0; i < I; i++) {
        const xi = x[b * I + i];
        for (let j = 0; j < n; j++) {
          const v = relu(xi - low[i * n + j]) * relu(high[i * n + j] - xi) * r;
          s += v * v * kernel[(i * n + j) * O + o];
        }
      }
      y[b * O + o] = s;
    }
  }
  return y;
}

export interface AFKan64Params {
  low: Arr; // [n]
  high: Arr; // [n]
  reduceKernel?: Arr; // [n]
  reduceBias?: Arr; // [1]
  convKernel?: Arr; // [3, n]
  convBias?: Arr; // [n]
  temperature?: number;
  lnGamma?: Arr; // [I]
  lnBeta?: Arr; // [I]
  kernel: Arr; // [I, O]
}

/**
 * AF-KAN forward (af_kan.py `extract_features` → `cal_output` (func_norm off)
 * → `global_attn` / `spatial_attn` / `multistep` → LayerNorm → σ → linear).
 * x [N, I] → [N, O].
 */
export function afKan64(
  x: Arr,
  N: number,
  I: number,
  O: number,
  n: number,
  opts: {activation: string; func: string; reduction: string; layerNorm: boolean},
  p: AFKan64Params,
): Float64Array {
  const y = new Float64Array(N * O);
  const phi = new Float64Array(I * n);
  const z = new Float64Array(I);
  for (let b = 0; b < N; b++) {
    for (let i = 0; i < I; i++) {
      const xi = x[b * I + i];
      for (let j = 0; j < n; j++) {
        const x1 = activation64(opts.activation, xi - p.low[j]);
        const x2 = activation64(opts.activation, p.high[j] - xi);
        phi[i * n + j] = combine64(opts.func, x1, x2);
      }
    }
    const tau = Math.max(p.temperature ?? 1, 1); // temperature.clamp(min=1.0)
    if (opts.reduction === 'global-attn' || opts.reduction === 'multistep') {
      const a = new Float64Array(I);
      for (let i = 0; i < I; i++) {
        let s = p.reduceBias![0];
        for (let j = 0; j < n; j++) s += p.reduceKernel![j] * phi[i * n + j];
        a[i] = s;
      }
      if (opts.reduction === 'multistep') {
        z.set(a);
      } else {
        // softmax over the inputs (dim=-2 of (B, D, 1))
        let m = -Infinity;
        for (let i = 0; i < I; i++) m = Math.max(m, a[i] / tau);
        let den = 0;
        for (let i = 0; i < I; i++) den += Math.exp(a[i] / tau - m);
        for (let i = 0; i < I; i++) {
          let sum = 0;
          for (let j = 0; j < n; j++) sum += phi[i * n + j];
          z[i] = (Math.exp(a[i] / tau - m) / den) * sum;
        }
      }
    } else if (opts.reduction === 'spatial-attn') {
      // Conv1d(n, n, 3, padding=1, groups=n) over (B, n, D): cross-correlation along D.
      for (let i = 0; i < I; i++) {
        const c = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          let s = p.convBias![j];
          for (let t = 0; t < 3; t++) {
            const ii = i + t - 1;
            if (ii >= 0 && ii < I) s += p.convKernel![t * n + j] * phi[ii * n + j];
          }
          c[j] = s / tau;
        }
        let m = -Infinity;
        for (let j = 0; j < n; j++) m = Math.max(m, c[j]);
        let den = 0;
        for (let j = 0; j < n; j++) den += Math.exp(c[j] - m);
        let s = 0;
        for (let j = 0; j < n; j++) s += (Math.exp(c[j] - m) / den) * phi[i * n + j];
        z[i] = s;
      }
    } else {
      throw new Error(`afKan64: unknown reduction ${opts.reduction}`);
    }
    if (opts.layerNorm) {
      let mean = 0;
      for (let i = 0; i < I; i++) mean += z[i];
      mean /= I;
      let v = 0;
      for (let i = 0; i < I; i++) v += (z[i] - mean) ** 2;
      v /= I; // biased, as torch LayerNorm
      for (let i = 0; i < I; i++) z[i] = ((z[i] - mean) / Math.sqrt(v + 1e-5)) * p.lnGamma![i] + p.lnBeta![i];
    }
    for (let o = 0; o < O; o++) {
      let s = 0;
      for (let i = 0; i < I; i++) s += activation64(opts.activation, z[i]) * p.kernel[i * O + o];
      y[b * O + o] = s;
    }
  }
  return y;
}

/** Cox–de Boor B-splines of order k at x on knots t (length G+2k+1): G+k values, half-open intervals. */
export function bsplines64(xv: number, t: number[], k: number): number[] {
  let b: number[] = t.slice(0, -1).map((tm, m) => (xv >= tm && xv < t[m + 1] ? 1 : 0));
  for (let p = 1; p <= k; p++) {
    const next: number[] = [];
    for (let m = 0; m < b.length - 1; m++) {
      const left = t[m + p] - t[m] > 0 ? ((xv - t[m]) / (t[m + p] - t[m])) * b[m] : 0;
      const right = t[m + p + 1] - t[m + 1] > 0 ? ((t[m + p + 1] - xv) / (t[m + p + 1] - t[m + 1])) * b[m + 1] : 0;
      next.push(left + right);
    }
    b = next;
  }
  return b;
}

export interface SelectableCfg {
  bases: string[];
  temperature: number;
  gridSize: number;
  splineOrder: number;
  gridRange: [number, number];
  numCenters: number;
  degree: number;
  hard: boolean;
}

/** Candidate features of one scalar for a basis (SelectableKAN's doc comment). */
export function selectableFeatures64(basis: string, xv: number, c: SelectableCfg): number[] {
  const [a, b] = c.gridRange;
  switch (basis) {
    case 'bspline': {
      const G = c.gridSize;
      const k = c.splineOrder;
      const h = (b - a) / G;
      const t = Array.from({length: G + 2 * k + 1}, (_, m) => a + (m - k) * h);
      return bsplines64(xv, t, k);
    }
    case 'chebyshev': {
      const u = Math.tanh(xv);
      // cos(d·acos u) is exact for |u| < 1: an independent form of T_d.
      return Array.from({length: c.degree + 1}, (_, d) => Math.cos(d * Math.acos(u)));
    }
    case 'rbf': {
      const n = c.numCenters;
      const h = n === 1 ? b - a : (b - a) / (n - 1);
      return Array.from({length: n}, (_, j) => Math.exp(-(((xv - (a + j * h)) / h) ** 2)));
    }
    case 'fourier': {
      const G = c.gridSize;
      const cos = Array.from({length: G}, (_, j) => Math.cos((j + 1) * xv));
      const sin = Array.from({length: G}, (_, j) => Math.sin((j + 1) * xv));
      return [...cos, ...sin];
    }
    default:
      throw new Error(`selectableFeatures64: unknown basis ${basis}`);
  }
}

/**
 * SelectableKAN forward: per edge (i, o), Σ_c α_{i,o,c}·Σ_j K^c_{i,j,o} F^c_j(x_i),
 * α = softmax(logits/τ) (or one-hot argmax, first on ties, if `hard`), plus bias.
 * x [N, I]; kernels[c] [I, n_c, O]; logits [I, O, C]; bias [O] or null → [N, O].
 */
export function selectableKan64(
  x: Arr,
  N: number,
  I: number,
  O: number,
  cfg: SelectableCfg,
  kernels: Arr[],
  logits: Arr,
  bias: Arr | null,
): Float64Array {
  const C = cfg.bases.length;
  const alpha = new Float64Array(I * O * C);
  for (let e = 0; e < I * O; e++) {
    const l = Array.from({length: C}, (_, c) => logits[e * C + c]);
    if (cfg.hard) {
      let best = 0;
      for (let c = 1; c < C; c++) if (l[c] > l[best]) best = c;
      alpha[e * C + best] = 1;
    } else {
      const m = Math.max(...l.map(v => v / cfg.temperature));
      const ex = l.map(v => Math.exp(v / cfg.temperature - m));
      const den = ex.reduce((s, v) => s + v, 0);
      for (let c = 0; c < C; c++) alpha[e * C + c] = ex[c] / den;
    }
  }
  const y = new Float64Array(N * O);
  for (let b = 0; b < N; b++) {
    for (let i = 0; i < I; i++) {
      const xi = x[b * I + i];
      cfg.bases.forEach((basis, c) => {
        const f = selectableFeatures64(basis, xi, cfg);
        const nc = f.length;
        for (let o = 0; o < O; o++) {
          let s = 0;
          for (let j = 0; j < nc; j++) s += kernels[c][(i * nc + j) * O + o] * f[j];
          y[b * O + o] += alpha[(i * O + o) * C + c] * s;
        }
      });
    }
    if (bias != null) for (let o = 0; o < O; o++) y[b * O + o] += bias[o];
  }
  return y;
}

/**
 * ReLU-KAN exactly as torch_relu_kan.py computes it: features (N, I, n) →
 * `reshape((N, 1, n, I))` (row-major, no transpose) → `Conv2d(1, O, (n, I))`
 * with weight `conv [O, n, I]` (the single input channel dropped) and bias [O].
 */
export function reluKanConv64(
  x: Arr,
  N: number,
  I: number,
  O: number,
  g: number,
  k: number,
  low: Arr,
  high: Arr,
  conv: Arr,
  bias: Arr,
): Float64Array {
  const n = g + k;
  const r = (4 * g * g) / ((k + 1) * (k + 1));
  const y = new Float64Array(N * O);
  for (let b = 0; b < N; b++) {
    const feats = new Float64Array(I * n); // (I, n) row-major, the tensor before the reshape
    for (let i = 0; i < I; i++) {
      for (let j = 0; j < n; j++) {
        const v = relu(x[b * I + i] - low[i * n + j]) * relu(high[i * n + j] - x[b * I + i]) * r;
        feats[i * n + j] = v * v;
      }
    }
    for (let o = 0; o < O; o++) {
      let s = bias[o];
      // The (n, I) image after the reshape reads the same buffer: pixel (a, c) = feats[a·I + c].
      for (let a = 0; a < n; a++) for (let c = 0; c < I; c++) s += conv[(o * n + a) * I + c] * feats[a * I + c];
      y[b * O + o] = s;
    }
  }
  return y;
}
