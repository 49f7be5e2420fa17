/**
 * Float64 references for the optimizers tests, written from the papers and
 * reference code (never importing src/):
 * - Newton–Schulz as KellerJordan/Muon `zeropower_via_newtonschulz5` @857d1ad;
 * - the exact soft spectral clip `U·diag(cσ/√(c²+σ²))·Vᵀ` through a one-sided
 *   Jacobi SVD;
 * - Muon steps as KellerJordan's `muon_update` (EMA momentum, `lerp`) in
 *   torch's `[out, in]` layout with `max(1, rows/cols)**0.5`, Moonlight's
 *   `0.2·√max(A, B)`, and KellerJordan's `adam_update`;
 * - SPECTRA post-clip steps as `spectra.py`: `X⁺ = (1 − lr·wd)X − lr·α·H_c(U)`.
 * Matrices are row-major `Float64Array`s with explicit shapes.
 */

export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): Mat {
  return {rows, cols, data: data == null ? new Float64Array(rows * cols) : Float64Array.from(data)};
}

export function transpose(a: Mat): Mat {
  const out = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j];
  return out;
}

export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}x${a.cols} · ${b.rows}x${b.cols}`);
  const out = mat(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const v = a.data[i * a.cols + k];
      if (v === 0) continue;
      for (let j = 0; j < b.cols; j++) out.data[i * b.cols + j] += v * b.data[k * b.cols + j];
    }
  }
  return out;
}

function axpby(alpha: number, a: Mat, beta: number, b: Mat): Mat {
  const out = mat(a.rows, a.cols);
  for (let i = 0; i < a.data.length; i++) out.data[i] = alpha * a.data[i] + beta * b.data[i];
  return out;
}

export function frobenius(a: Mat): number {
  let s = 0;
  for (const v of a.data) s += v * v;
  return Math.sqrt(s);
}

/** KellerJordan `zeropower_via_newtonschulz5`, in float64. */
export function newtonSchulz64(g: Mat, steps = 5, eps = 1e-7): Mat {
  const [a, b, c] = [3.4445, -4.775, 2.0315];
  const tall = g.rows > g.cols;
  let x = tall ? transpose(g) : mat(g.rows, g.cols, g.data);
  const norm = frobenius(x);
  x = mat(
    x.rows,
    x.cols,
    x.data.map(v => v / (norm + eps)),
  );
  for (let t = 0; t < steps; t++) {
    const A = matmul(x, transpose(x));
    const B = axpby(b, A, c, matmul(A, A));
    x = axpby(a, x, 1, matmul(B, x));
  }
  return tall ? transpose(x) : x;
}

/**
 * One-sided Jacobi SVD (Hestenes): `a = u·diag(s)·vᵀ`, s descending,
 * u `[m, k]`, v `[n, k]`, k = min(m, n). Converges to float64 precision.
 */
export function svd64(a: Mat): {u: Mat; s: Float64Array; v: Mat} {
  const wide = a.rows < a.cols;
  const w = wide ? transpose(a) : mat(a.rows, a.cols, a.data); // m ≥ n
  const m = w.rows;
  const n = w.cols;
  const U = w.data; // columns get orthogonalised in place
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const up = U[i * n + p];
          const uq = U[i * n + q];
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        off = Math.max(off, Math.abs(gamma) / Math.sqrt(alpha * beta));
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let i = 0; i < m; i++) {
          const up = U[i * n + p];
          const uq = U[i * n + q];
          U[i * n + p] = cs * up - sn * uq;
          U[i * n + q] = sn * up + cs * uq;
        }
        for (let i = 0; i < n; i++) {
          const vp = V[i * n + p];
          const vq = V[i * n + q];
          V[i * n + p] = cs * vp - sn * vq;
          V[i * n + q] = sn * vp + cs * vq;
        }
      }
    }
    if (off < 1e-14) break;
  }
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let t = 0;
    for (let i = 0; i < m; i++) t += U[i * n + j] ** 2;
    s[j] = Math.sqrt(t);
  }
  const order = Array.from({length: n}, (_, j) => j).sort((x, y) => s[y] - s[x]);
  const u = mat(m, n);
  const v = mat(n, n);
  const sOut = new Float64Array(n);
  order.forEach((j, k) => {
    sOut[k] = s[j];
    for (let i = 0; i < m; i++) u.data[i * n + k] = s[j] > 0 ? U[i * n + j] / s[j] : 0;
    for (let i = 0; i < n; i++) v.data[i * n + k] = V[i * n + j];
  });
  return wide ? {u: v, s: sOut, v: u} : {u, s: sOut, v};
}

/** Singular values, descending. */
export function singularValues64(a: Mat): Float64Array {
  return svd64(a).s;
}

/** Exact soft spectral clip `U·diag(cσ/√(c²+σ²))·Vᵀ` (SPECTRA's H_c). */
export function softClipExact64(a: Mat, c: number): Mat {
  const {u, s, v} = svd64(a);
  const k = s.length;
  const us = mat(u.rows, k);
  for (let i = 0; i < u.rows; i++)
    for (let j = 0; j < k; j++) us.data[i * k + j] = u.data[i * k + j] * ((c * s[j]) / Math.sqrt(c * c + s[j] * s[j]));
  return matmul(us, transpose(v));
}

/** The reference's 1-D rule: g if ‖g‖ ≤ c, else g/√(1 + (‖g‖/c)²). */
export function softClipVector64(g: Float64Array, c: number): Float64Array {
  const n = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
  return n <= c ? Float64Array.from(g) : g.map(v => v / Math.sqrt(1 + (n / c) ** 2));
}

/** A variable in the simulations: tfjs layout `[fanIn, fanOut]` for matrices, or a vector. */
export interface Param64 {
  name: string;
  shape: number[]; // tfjs shape
  w: Float64Array;
}

interface AdamState {
  m: Float64Array;
  v: Float64Array;
}

/** KellerJordan `adam_update` + decoupled decay: p·(1 − lr·wd) − lr·m̂/(√v̂+eps). */
function adamStep(
  p: Param64,
  g: Float64Array,
  st: AdamState,
  step: number,
  h: {lr: number; beta1: number; beta2: number; eps: number; wd: number},
): Float64Array {
  const dir = new Float64Array(g.length);
  for (let i = 0; i < g.length; i++) {
    st.m[i] = st.m[i] + (g[i] - st.m[i]) * (1 - h.beta1); // lerp
    st.v[i] = st.v[i] + (g[i] * g[i] - st.v[i]) * (1 - h.beta2);
    const mh = st.m[i] / (1 - h.beta1 ** step);
    const vh = st.v[i] / (1 - h.beta2 ** step);
    dir[i] = mh / (Math.sqrt(vh) + h.eps);
  }
  return dir;
}

export interface MuonRefConfig {
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  scaleMode: 'original' | 'match-adamw' | 'none';
  nsSteps: number;
  adam: {lr: number; beta1: number; beta2: number; eps: number; wd: number};
  /** Names routed to Adam although rank 2. */
  adamNames: string[];
  /**
   * Fused-gate matrices: name → g. Such a `[in, g·u]` matrix is cut into g
   * column blocks `[in, u]`, each block is orthogonalised and scaled as a
   * matrix of its own, and the blocks are put back side by side.
   */
  gates?: Record<string, number>;
}

/**
 * Muon steps in float64, KellerJordan style, in torch layout: each tfjs
 * `[in, out]` matrix is handled as its transpose `[out, in]` and scaled by
 * `max(1, rows/cols)**0.5` ('original') or `0.2·√max(rows, cols)` ('match-adamw').
 * `grads[t][k]` is the gradient of `params[k]` at step t (tfjs layout). Mutates params.
 */
export function muonSteps64(params: Param64[], grads: Float64Array[][], cfg: MuonRefConfig): void {
  const mom = params.map(p => new Float64Array(p.w.length));
  const adam = params.map(p => ({m: new Float64Array(p.w.length), v: new Float64Array(p.w.length)}));
  grads.forEach((gs, t) => {
    params.forEach((p, k) => {
      const g = gs[k];
      if (p.shape.length < 2 || cfg.adamNames.includes(p.name)) {
        const dir = adamStep(p, g, adam[k], t + 1, cfg.adam);
        for (let i = 0; i < g.length; i++) p.w[i] = p.w[i] * (1 - cfg.adam.lr * cfg.adam.wd) - cfg.adam.lr * dir[i];
        return;
      }
      const fanOut = p.shape[p.shape.length - 1];
      const fanIn = p.w.length / fanOut;
      const m = mom[k];
      const u = new Float64Array(g.length);
      for (let i = 0; i < g.length; i++) {
        m[i] = m[i] + (g[i] - m[i]) * (1 - cfg.momentum); // momentum.lerp_(grad, 1 - beta)
        u[i] = cfg.nesterov ? g[i] + (m[i] - g[i]) * cfg.momentum : m[i]; // grad.lerp_(momentum, beta)
      }
      const nGates = cfg.gates?.[p.name] ?? 1;
      const width = fanOut / nGates;
      const upd = new Float64Array(g.length); // [in, out]
      for (let blk = 0; blk < nGates; blk++) {
        const block = mat(fanIn, width);
        for (let r = 0; r < fanIn; r++)
          for (let c = 0; c < width; c++) block.data[r * width + c] = u[r * fanOut + blk * width + c];
        const o = newtonSchulz64(transpose(block), cfg.nsSteps); // torch layout [out, in]
        const rows = o.rows;
        const cols = o.cols;
        const scale =
          cfg.scaleMode === 'original'
            ? Math.max(1, rows / cols) ** 0.5
            : cfg.scaleMode === 'match-adamw'
              ? 0.2 * Math.sqrt(Math.max(rows, cols))
              : 1;
        const back = transpose(o); // [in, width]
        for (let r = 0; r < fanIn; r++)
          for (let c = 0; c < width; c++) upd[r * fanOut + blk * width + c] = scale * back.data[r * width + c];
      }
      for (let i = 0; i < g.length; i++) p.w[i] = p.w[i] * (1 - cfg.lr * cfg.weightDecay) - cfg.lr * upd[i];
    });
  });
}

export interface SpectraRefConfig {
  /** Learning rate per step (already scheduled). */
  lrs: number[];
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  c: number;
  applyTo: 'matrices' | 'all';
  preClip: number | null;
  warmupSteps: number;
  /** lr at the end of warmup (the reference's base lr). */
  lrBase: number;
  /**
   * 'absolute' (default): the threshold is c. 'sqrt-fan': c·(√fanIn + √fanOut)
   * for a tfjs `[fanIn, fanOut]` matrix (torch `[out, in]`: √rows + √cols),
   * c·(1 + √n) for a vector of length n.
   */
  clipScale?: 'absolute' | 'sqrt-fan';
}

/**
 * SPECTRA post-clip steps in float64 with the exact SVD clip, in torch layout
 * (α = max(1, rows/cols)**0.5 on `[out, in]`). Mutates params.
 */
export function spectraSteps64(params: Param64[], grads: Float64Array[][], cfg: SpectraRefConfig): void {
  const adam = params.map(p => ({m: new Float64Array(p.w.length), v: new Float64Array(p.w.length)}));
  grads.forEach((gs, t) => {
    const lr = cfg.lrs[t];
    const ck = t < cfg.warmupSteps ? (cfg.c * cfg.lrBase) / lr : cfg.c;
    const cpk = cfg.preClip == null ? null : t < cfg.warmupSteps ? (cfg.preClip * cfg.lrBase) / lr : cfg.preClip;
    params.forEach((p, k) => {
      const isMat = p.shape.length >= 2;
      const fanOut = p.shape[p.shape.length - 1];
      const fanIn = p.w.length / fanOut;
      let g = gs[k];
      if (cpk != null && isMat) g = transpose(softClipExact64(transpose(mat(fanIn, fanOut, g)), cpk)).data;
      const dir = adamStep(p, g, adam[k], t + 1, {
        lr,
        beta1: cfg.beta1,
        beta2: cfg.beta2,
        eps: cfg.eps,
        wd: cfg.weightDecay,
      });
      let upd: Float64Array;
      const rel = cfg.clipScale === 'sqrt-fan';
      if (isMat) {
        const torchU = transpose(mat(fanIn, fanOut, dir)); // [out, in]
        const alpha = Math.max(1, torchU.rows / torchU.cols) ** 0.5;
        const c = rel ? ck * (Math.sqrt(torchU.rows) + Math.sqrt(torchU.cols)) : ck;
        upd = transpose(softClipExact64(torchU, c)).data.map(v => v * alpha);
      } else {
        const c = rel ? ck * (1 + Math.sqrt(dir.length)) : ck;
        upd = cfg.applyTo === 'all' ? softClipVector64(dir, c) : dir;
      }
      for (let i = 0; i < p.w.length; i++) p.w[i] = p.w[i] * (1 - lr * cfg.weightDecay) - lr * upd[i];
    });
  });
}

/** Seeded normal samples (mulberry32 + Box–Muller). */
export function randn(n: number, seed: number, scale = 1): Float64Array {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}
