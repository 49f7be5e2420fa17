/**
 * Float64 references for CRReLU, DeltaActivation, SingleScaleRMSNorm and
 * NestedDropout, written from the papers and reference code named in each
 * function (never from src/). Tensors are flat row-major arrays plus a shape.
 */

/** CRReLU (EAFO re-implementations): `relu(x) + ε·x·exp(−x²/2)` and its partials. */
export function crreluRef(x: number, eps: number): {y: number; dx: number; deps: number} {
  const g = Math.exp((-x * x) / 2);
  return {
    y: Math.max(x, 0) + eps * x * g,
    dx: (x > 0 ? 1 : 0) + eps * (1 - x * x) * g,
    deps: x * g,
  };
}

/**
 * Single-scale RMSNorm (OSP; torchtitan `scale * F.rms_norm(x, eps)`), rows of
 * length `d`: y = γ·x/√(mean(x²)+ε).
 */
export function ssRmsNormRef(x: ArrayLike<number>, d: number, gamma: number, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let ms = 0;
    for (let i = 0; i < d; i++) ms += x[r * d + i] ** 2;
    ms /= d;
    const inv = 1 / Math.sqrt(ms + eps);
    for (let i = 0; i < d; i++) y[r * d + i] = gamma * x[r * d + i] * inv;
  }
  return y;
}

/** Nested dropout p(k), k = 1..n (index k−1): Nested-Co-teaching `GaussianDist(mu, std, N)`. */
export function halfGaussianPmf(n: number, sigma: number, mu = 0): Float64Array {
  const w = Float64Array.from({length: n}, (_, i) => Math.exp(-(((i + 1 - mu) / sigma) ** 2)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map(v => v / total);
}

/** Truncated geometric p(k) ∝ (1−p)^(k−1), k = 1..n (Rippel et al. 2014 with stop probability p). */
export function geometricPmf(n: number, p: number): Float64Array {
  const w = Float64Array.from({length: n}, (_, i) => Math.pow(1 - p, i));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map(v => v / total);
}

export interface DeltaRefOptions {
  /** Input shape [B, T, ...F]. */
  shape: number[];
  /** θ values, raw (the layer takes |θ|). */
  threshold: ArrayLike<number>;
  level: 'channel' | 'neuron' | 'layer';
  bias?: ArrayLike<number> | null;
  activation?: 'relu' | 'softmax' | null;
  integrate?: boolean;
  output?: 'value' | 'delta' | 'delta-no-background';
  sparsityRate?: number;
  nOutputs?: number;
}

export interface DeltaRefResult {
  /** Quantised activations y, [B, T, ...F]. */
  y: Float64Array;
  /** Layer output for the chosen `output` mode, [B, T, ...F]. */
  out: Float64Array;
  /** `sparsityRate·nOutputs·Σ|y_t − y_{t+1}|/numel` (reference `add_loss`). */
  loss: number;
  /** count_nonzero(y_t − y_{t+1}) / numel. */
  density: number;
  /** Pre-quantisation states s (after integrate, bias and activation). */
  s: Float64Array;
  /** Pre-activation states (after integrate and bias). */
  pre: Float64Array;
}

/** θ index of flat feature p for a given level (C = last axis, P = features per frame). */
function thetaIndex(level: DeltaRefOptions['level'], p: number, c: number): number {
  if (level === 'layer') return 0;
  return level === 'channel' ? p % c : p;
}

/** Python/numpy-free `round` with TF semantics (half to even), as `tf.round`. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Forward of msifalakis/delta_activation_layer `custom_layers.py`
 * `delta_activation.call` (delta_level 0/1/2 = 'value'/'delta'/'delta-no-background',
 * the last with the sign of 'delta', see DeltaActivation's deviations).
 */
export function deltaForwardRef(x: ArrayLike<number>, o: DeltaRefOptions): DeltaRefResult {
  const [B, T, ...F] = o.shape;
  const P = F.reduce((a, b) => a * b, 1);
  const C = F[F.length - 1];
  const at = (b: number, t: number, p: number) => (b * T + t) * P + p;
  const pre = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < P; p++) {
      let acc = 0;
      for (let t = 0; t < T; t++) {
        const v = x[at(b, t, p)];
        acc = o.integrate ? acc + v : v;
        pre[at(b, t, p)] = acc + (o.bias ? o.bias[p % C] : 0);
      }
    }
  }
  const s = new Float64Array(pre.length);
  if (o.activation === 'softmax') {
    for (let r = 0; r < pre.length / C; r++) {
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, pre[r * C + c]);
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(pre[r * C + c] - m);
      for (let c = 0; c < C; c++) s[r * C + c] = Math.exp(pre[r * C + c] - m) / z;
    }
  } else {
    for (let i = 0; i < pre.length; i++) s[i] = o.activation === 'relu' ? Math.max(pre[i], 0) : pre[i];
  }
  const y = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const th = Math.abs(o.threshold[thetaIndex(o.level, i % P, C)]);
    y[i] = roundHalfEven(s[i] / th) * th;
  }
  let l1 = 0;
  let nz = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) {
      for (let p = 0; p < P; p++) {
        const d = y[at(b, t, p)] - y[at(b, t + 1, p)];
        l1 += Math.abs(d);
        if (d !== 0) nz++;
      }
    }
  }
  const numel = B * (T - 1) * P;
  const out = new Float64Array(y.length);
  const mode = o.output ?? 'value';
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let p = 0; p < P; p++) {
        const i = at(b, t, p);
        if (mode === 'value') out[i] = y[i];
        else if (mode === 'delta') out[i] = y[i] - (t > 0 ? y[at(b, t - 1, p)] : 0);
        else {
          const tt = Math.max(t, 1); // delta-no-background: the first delta repeated at t = 0
          out[i] = y[at(b, tt, p)] - y[at(b, tt - 1, p)];
        }
      }
    }
  }
  return {
    y,
    out,
    loss: ((o.sparsityRate ?? 1) * (o.nOutputs ?? 1) * l1) / numel,
    density: nz / numel,
    s,
    pre,
  };
}

/**
 * The reference's custom backward for output 'value' and activation null or
 * 'relu': given dL/dy, returns dL/dx, dL/dθ_raw (θ = |θ_raw|) and dL/dbias,
 * with `round_custom` (identity), `no_grad_custom` on the divisor and
 * `neg_grad_custom` on the multiplier: ∂y/∂s = 1, ∂y/∂θ = −round(s/θ).
 */
export function deltaBackwardRef(
  x: ArrayLike<number>,
  o: DeltaRefOptions,
  dy: ArrayLike<number>,
): {dx: Float64Array; dThreshold: Float64Array; dBias: Float64Array | null} {
  const [B, T, ...F] = o.shape;
  const P = F.reduce((a, b) => a * b, 1);
  const C = F[F.length - 1];
  const {s, pre} = deltaForwardRef(x, o);
  const dTheta = new Float64Array(o.threshold.length);
  const dPre = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const j = thetaIndex(o.level, i % P, C);
    const raw = o.threshold[j];
    const th = Math.abs(raw);
    dTheta[j] += -dy[i] * roundHalfEven(s[i] / th) * Math.sign(raw);
    dPre[i] = o.activation === 'relu' ? (pre[i] > 0 ? dy[i] : 0) : dy[i];
  }
  const dBias = o.bias ? new Float64Array(C) : null;
  if (dBias) for (let i = 0; i < dPre.length; i++) dBias[(i % P) % C] += dPre[i];
  const dx = new Float64Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < P; p++) {
      let acc = 0;
      for (let t = T - 1; t >= 0; t--) {
        const i = (b * T + t) * P + p;
        acc = o.integrate ? acc + dPre[i] : dPre[i]; // cumsum's adjoint: reverse cumsum
        dx[i] = acc;
      }
    }
  }
  return {dx, dThreshold: dTheta, dBias};
}

/**
 * dL/dy of the sparsity loss `rate·n·Σ|y_t − y_{t+1}|/numel` (sign(0) = 0, as
 * the subgradient TF and tfjs use for |·|).
 */
export function deltaLossGradRef(y: ArrayLike<number>, shape: number[], rate: number, nOutputs: number): Float64Array {
  const [B, T, ...F] = shape;
  const P = F.reduce((a, b) => a * b, 1);
  const k = (rate * nOutputs) / (B * (T - 1) * P);
  const g = new Float64Array(y.length);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) {
      for (let p = 0; p < P; p++) {
        const i = (b * T + t) * P + p;
        const j = (b * T + t + 1) * P + p;
        const sgn = Math.sign(y[i] - y[j]);
        g[i] += k * sgn;
        g[j] -= k * sgn;
      }
    }
  }
  return g;
}
