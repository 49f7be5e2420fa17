/**
 * Float64 reference of FTWT (Fire Together Wire Together), written from
 * selkerdawy/FTWT @ 83c1bd6: `utils/layers.py` (`get_fmap_criteria`,
 * `get_gt_mask_ratio`, `MaskPredictorNN` with `--embedding -1 --softmax 1`,
 * `BinarizerSTEStatic`, `ConvWithMask.forward` FLOPs) and `utils/utils.py`
 * (`compute_mask_loss_per_input`). Never imports src/.
 *
 * Tensors are plain arrays in channels-last layout: `x[b][s][c]` with the
 * spatial axes flattened into `s` (S = 1 for a `[B, C]` dense output).
 */

export type BSC = number[][][]; // [B][S][C]

/** Flat `[B, ...spatial, C]` data → `[B][S][C]`. */
export function toBSC(data: ArrayLike<number>, shape: number[]): BSC {
  const b = shape[0];
  const c = shape[shape.length - 1];
  const s = shape.slice(1, -1).reduce((u, v) => u * v, 1);
  const out: BSC = [];
  for (let i = 0; i < b; i++) {
    const rows: number[][] = [];
    for (let j = 0; j < s; j++) {
      const row: number[] = [];
      for (let k = 0; k < c; k++) row.push(Number(data[(i * s + j) * c + k]));
      rows.push(row);
    }
    out.push(rows);
  }
  return out;
}

/** `get_fmap_criteria`: per sample and filter, max over space of |y|. [B][C] */
export function fmapCriteria(y: BSC): number[][] {
  return y.map(rows => rows[0].map((_, c) => Math.max(...rows.map(r => Math.abs(r[c])))));
}

/**
 * `get_gt_mask_ratio(y, r)` line by line, in float64: normalise, then either
 * the `r == 1` special case (`p <= 1e-5` → 0) or sort descending, cumulative
 * sum, `cumsum − r > 1e-5` → 0. A zero-sum sample gives NaN shares, whose
 * comparisons are false, hence all ones (as torch). Ties keep the lower
 * channel index first (a stable descending sort). [B][C] of 0/1.
 */
export function gtMaskRatio(y: BSC, r: number): number[][] {
  const delta = 1e-5;
  return fmapCriteria(y).map(acts => {
    const total = acts.reduce((u, v) => u + v, 0);
    const p = acts.map(a => a / total);
    const mask = p.map(() => 1);
    if (r < 0) return mask;
    if (r === 1) {
      p.forEach((v, j) => {
        if (v <= delta) mask[j] = 0;
      });
      return mask;
    }
    const order = p.map((_, j) => j).sort((i, j) => p[j] - p[i] || i - j);
    let cum = 0;
    for (const j of order) {
      cum += p[j];
      if (cum - r > delta) mask[j] = 0;
    }
    return mask;
  });
}

/** `MaskPredictorNN` with dim 1: softmax(GAP(x))·W + b (`--softmax 1`) or GAP(x)·W + b. [B][C_out] */
export function predictorLogits(x: BSC, kernel: number[][], bias: number[], doSoftmax = true): number[][] {
  return x.map(rows => {
    const cIn = rows[0].length;
    const gap = rows[0].map((_, c) => rows.reduce((u, r) => u + r[c], 0) / rows.length);
    const m = Math.max(...gap);
    const e = gap.map(v => Math.exp(v - m));
    const z = e.reduce((u, v) => u + v, 0);
    const s = doSoftmax ? e.map(v => v / z) : gap;
    return bias.map((b, o) => {
      let acc = b;
      for (let i = 0; i < cIn; i++) acc += s[i] * kernel[i][o];
      return acc;
    });
  });
}

/** `BinarizerSTEStatic(0.5, sigmoid(l))`: 1 where sigmoid(l) > 0.5. */
export function binaryMask(logits: number[][]): number[][] {
  return logits.map(row => row.map(l => (1 / (1 + Math.exp(-l)) > 0.5 ? 1 : 0)));
}

/** `out * mask` with the mask broadcast over space. */
export function applyMask(y: BSC, mask: number[][]): BSC {
  return y.map((rows, b) => rows.map(r => r.map((v, c) => v * mask[b][c])));
}

/** `BCEWithLogitsLoss(reduction='none')(l, t).mean(0).sum() · w`, one layer. */
export function maskLoss(logits: number[][], target: number[][], weight: number): number {
  const bsz = logits.length;
  let total = 0;
  logits.forEach((row, b) =>
    row.forEach((l, c) => {
      const t = target[b][c];
      // −[t·log σ(l) + (1−t)·log(1−σ(l))], written with log1p for stability.
      total += Math.max(l, 0) - l * t + Math.log1p(Math.exp(-Math.abs(l)));
    }),
  );
  return (weight * total) / bsz;
}

/**
 * Analytic gradient of {@link maskLoss} w.r.t. the predictor's kernel and
 * bias (target fixed): dL/dl_bc = w·(σ(l_bc) − t_bc)/B; dL/dW_io = Σ_b s_bi·dL/dl_bo.
 */
export function maskLossGrads(
  x: BSC,
  kernel: number[][],
  bias: number[],
  target: number[][],
  weight: number,
): {kernel: number[][]; bias: number[]} {
  const logits = predictorLogits(x, kernel, bias);
  const bsz = x.length;
  const dl = logits.map((row, b) => row.map((l, c) => (weight * (1 / (1 + Math.exp(-l)) - target[b][c])) / bsz));
  const s = x.map(rows => {
    const gap = rows[0].map((_, c) => rows.reduce((u, r) => u + r[c], 0) / rows.length);
    const m = Math.max(...gap);
    const e = gap.map(v => Math.exp(v - m));
    const z = e.reduce((u, v) => u + v, 0);
    return e.map(v => v / z);
  });
  const gk = kernel.map((row, i) => row.map((_, o) => dl.reduce((u, d, b) => u + s[b][i] * d[o], 0)));
  const gb = bias.map((_, o) => dl.reduce((u, d) => u + d[o], 0));
  return {kernel: gk, bias: gb};
}

/**
 * `ConvWithMask.forward` FLOPs of one gated conv for one sample:
 * `active_out · H_out·W_out · (active_in // groups) · k²` (bias_ops = 0).
 */
export function gatedConvFlops(
  activeOut: number,
  outSpatial: number,
  activeIn: number,
  groups: number,
  kernelArea: number,
): number {
  return activeOut * outSpatial * Math.floor(activeIn / groups) * kernelArea;
}
