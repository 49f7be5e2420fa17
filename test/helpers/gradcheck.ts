import * as tf from '@tensorflow/tfjs';

export interface GradCheckOptions {
  /** Finite-difference step. Default 1e-3 (float32: error ~ 1e-7·|f|/eps + eps²·f'''). */
  eps?: number;
  /** Tolerance: |analytic - numeric| <= atol + rtol·max(|analytic|, |numeric|). Defaults 2e-2 / 2e-3. */
  rtol?: number;
  atol?: number;
  /** At most this many entries of each tensor are probed (seeded choice). Default 24. */
  maxEntries?: number;
  /** Also check gradients with respect to the trainable weights. Default true. */
  weights?: boolean;
  /** Seed for the projection and entry choice. Default 1. */
  seed?: number;
  /** kwargs for layer.apply (e.g. {training: true}). */
  kwargs?: Record<string, unknown>;
}

export interface GradCheckReport {
  checked: number;
  worst: {what: string; index: number; analytic: number; numeric: number};
}

/** A seeded LCG in [0, 1), for picking entries. */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Compares tfjs gradients of `L = Σ f(xs)·R` (R a fixed random projection)
 * with central finite differences, for each tensor in `xs` and each variable
 * in `vars`. Throws on the first mismatch; returns the worst agreement.
 */
export function gradientCheckFn(
  f: (xs: tf.Tensor[]) => tf.Tensor,
  xs: tf.Tensor[],
  vars: tf.Variable[] = [],
  opts: GradCheckOptions = {},
): GradCheckReport {
  const eps = opts.eps ?? 1e-3;
  const rtol = opts.rtol ?? 2e-2;
  const atol = opts.atol ?? 2e-3;
  const maxEntries = opts.maxEntries ?? 24;
  const rand = lcg(opts.seed ?? 1);
  const probe = tf.tidy(() => f(xs));
  const projection = tf.tensor(
    Array.from({length: probe.size}, () => rand() * 2 - 1),
    probe.shape,
  );
  probe.dispose();
  const loss = (inputs: tf.Tensor[]) => tf.sum(tf.mul(f(inputs), projection)) as tf.Scalar;
  const report: GradCheckReport = {checked: 0, worst: {what: '', index: -1, analytic: 0, numeric: 0}};
  let worstExcess = -Infinity;
  const compare = (what: string, index: number, analytic: number, numeric: number) => {
    report.checked++;
    const excess = Math.abs(analytic - numeric) - (atol + rtol * Math.max(Math.abs(analytic), Math.abs(numeric)));
    if (excess > worstExcess || Number.isNaN(excess)) {
      worstExcess = excess;
      report.worst = {what, index, analytic, numeric};
    }
    if (!(excess <= 0)) {
      throw new Error(`gradient mismatch for ${what}[${index}]: analytic ${analytic}, numeric ${numeric}`);
    }
  };
  const pick = (size: number) => {
    const idx = Array.from({length: size}, (_, i) => i);
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, Math.min(size, maxEntries));
  };
  try {
    // Inputs.
    const inputGrads = tf.tidy(() => tf.grads((...ins: tf.Tensor[]) => loss(ins))(xs));
    xs.forEach((x, k) => {
      const g = inputGrads[k].dataSync();
      const base = x.dataSync().slice();
      for (const i of pick(x.size)) {
        const at = (delta: number) => {
          const d = base.slice();
          d[i] += delta;
          return tf.tidy(() => {
            const moved = xs.map((t, j) => (j === k ? tf.tensor(d, x.shape, x.dtype) : t));
            return loss(moved).dataSync()[0];
          });
        };
        compare(`input ${k}`, i, g[i], (at(eps) - at(-eps)) / (2 * eps));
      }
    });
    tf.dispose(inputGrads);
    // Variables.
    if (vars.length > 0) {
      const {grads} = tf.variableGrads(() => loss(xs), vars);
      for (const v of vars) {
        const g = grads[v.name].dataSync();
        const base = v.dataSync().slice();
        for (const i of pick(v.size)) {
          const at = (delta: number) => {
            const d = base.slice();
            d[i] += delta;
            v.assign(tf.tensor(d, v.shape, v.dtype));
            return tf.tidy(() => loss(xs).dataSync()[0]);
          };
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          v.assign(tf.tensor(base, v.shape, v.dtype));
          compare(v.name, i, g[i], numeric);
        }
      }
      tf.dispose(grads);
    }
  } finally {
    projection.dispose();
  }
  return report;
}

/**
 * Gradient check of a layer: inputs and (by default) every trainable weight.
 * The layer is built on `input` if it is not built yet.
 */
export function gradientCheck(
  layer: tf.layers.Layer,
  input: tf.Tensor | tf.Tensor[],
  opts: GradCheckOptions = {},
): GradCheckReport {
  const inputs = Array.isArray(input) ? input : [input];
  const apply = (xs: tf.Tensor[]) => layer.apply(Array.isArray(input) ? xs : xs[0], opts.kwargs ?? {}) as tf.Tensor;
  tf.tidy(() => apply(inputs));
  const vars = opts.weights === false ? [] : layer.trainableWeights.map(w => w.read() as tf.Variable);
  return gradientCheckFn(apply, inputs, vars, opts);
}
