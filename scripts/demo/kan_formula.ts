/**
 * The demo's KAN-formula panel: pykan's first tutorial in tfjs. A [2, 5, 1]
 * B-spline KAN learns f(x, y) = exp(sin(πx) + y²) from 1000 samples with the
 * sparsity penalty, is pruned, refined, made symbolic and printed as a
 * formula. The same recipe as docs/guide/kan_formula.md (whose snippet is
 * the test test/kan/tutorial.test.ts runs); --quick trains 400 + 150 steps
 * instead of 600 + 300.
 */
import * as tf from '@tensorflow/tfjs';

import {tfa} from './api';

export interface KanFormulaSettings {
  /** Adam steps: sparsity stage, then after pruning (the symbolic stage is refitSymbolic). */
  steps: [number, number];
  /** Sparsity weight λ of the first stage. */
  lambda: number;
  /** Minibatch size. */
  batch: number;
  seed: number;
}

export const KAN_FORMULA_FULL: KanFormulaSettings = {steps: [600, 300], lambda: 3e-2, batch: 200, seed: 0};
export const KAN_FORMULA_QUICK: KanFormulaSettings = {steps: [400, 150], lambda: 3e-2, batch: 200, seed: 0};

export interface KanFormulaResult {
  settings: KanFormulaSettings;
  widthAfterPrune: number[];
  rmse: {sparse: number; pruned: number; refined: number; symbolic: number};
  testR2: number;
  edges: Array<{layer: number; input: number; output: number; fn: string; r2: number}>;
  formula: string;
  latex: string;
  seconds: number;
  /** φ grid of the first layer before pruning, edge opacity = score. */
  svg?: string;
}

const target = ([x, y]: number[]) => Math.exp(Math.sin(Math.PI * x) + y * y);

function rmse(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => Math.sqrt(tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor).dataSync()[0]));
}

/** Refits every layer's grid to its input on x (pykan's grid updates during fit). */
function updateGrids(model: tf.LayersModel, x: tf.Tensor): void {
  let h = x;
  for (const layer of model.layers as Array<tf.layers.Layer & {updateGrid(x: tf.Tensor): void}>) {
    layer.updateGrid(h);
    const next = layer.apply(h) as tf.Tensor;
    if (h !== x) h.dispose();
    h = next;
  }
  if (h !== x) h.dispose();
}

/** Adam on minibatches; loss MSE (+ λ·sparsity penalty); grid updates every 10 steps for the first 80 %. */
function train(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  steps: number,
  lr: number,
  lambda: number,
  s: KanFormulaSettings,
  grids: boolean,
): void {
  const opt = tf.train.adam(lr);
  for (let step = 0; step < steps; step++) {
    if (grids && step % 10 === 0 && step < 0.8 * steps) updateGrids(model, x);
    tf.tidy(() => {
      const idx = tf.randomUniform([s.batch], 0, x.shape[0], 'int32', s.seed * 100000 + step);
      const xb = tf.gather(x, idx);
      const yb = tf.gather(y, idx);
      opt.minimize(() => {
        if (lambda === 0) return tf.losses.meanSquaredError(yb, model.apply(xb) as tf.Tensor) as tf.Scalar;
        const {output, penalty} = tfa.kan.sparsityForward(model, xb);
        return tf.add(tf.losses.meanSquaredError(yb, output), tf.mul(penalty, lambda)) as tf.Scalar;
      });
    });
  }
  opt.dispose();
}

/** Runs the tutorial; disposes everything it creates. */
export async function runKanFormula(s: KanFormulaSettings, withPlot = true): Promise<KanFormulaResult> {
  const t0 = performance.now();
  const xTrain = tf.randomUniform([1000, 2], -1, 1, 'float32', s.seed);
  const xTest = tf.randomUniform([1000, 2], -1, 1, 'float32', s.seed + 1);
  const yTrain = tf.tensor2d((xTrain.arraySync() as number[][]).map(r => [target(r)]));
  const yTest = tf.tensor2d((xTest.arraySync() as number[][]).map(r => [target(r)]));
  const model = tf.sequential({
    layers: [
      tfa.layers.bsplineKAN({units: 5, inputShape: [2], seed: s.seed + 1}),
      tfa.layers.bsplineKAN({units: 1, seed: s.seed + 2}),
    ],
  });
  train(model, xTrain, yTrain, s.steps[0], 1e-2, s.lambda, s, true);
  const sparse = rmse(model, xTest, yTest);
  const scores = tfa.kan.edgeScores(model, xTrain);
  const svg = withPlot
    ? await tfa.plots.kanFunctions(model.layers[0], {
        scores: scores.edges[0],
        title: 'φ of the [2, 5, 1] KAN, opacity = edge score',
      })
    : undefined;
  const {model: small} = tfa.kan.prune(model, xTrain);
  const pruned = rmse(small, xTest, yTest);
  tfa.kan.refine(small, xTrain, 10);
  train(small, xTrain, yTrain, s.steps[1], 1e-2, 0, s, true);
  const refined = rmse(small, xTest, yTest);
  const done = tfa.kan.autoSymbolic(small, xTrain, {
    library: ['x', 'x^2', 'x^3', 'x^4', 'exp', 'log', 'sqrt', 'tanh', 'sin', 'abs'],
  });
  tfa.kan.refitSymbolic(small, xTrain, yTrain);
  const symbolic = rmse(small, xTest, yTest);
  const testR2 = tf.tidy(() => {
    const res = tf.sum(tf.square(tf.sub(yTest, small.predict(xTest) as tf.Tensor)));
    const tot = tf.sum(tf.square(tf.sub(yTest, tf.mean(yTest))));
    return 1 - res.dataSync()[0] / tot.dataSync()[0];
  });
  const f = tfa.kan.formula(small, {inputNames: ['x', 'y']});
  const result: KanFormulaResult = {
    settings: s,
    widthAfterPrune: [2, ...small.layers.map(l => (l as unknown as {units: number}).units)],
    rmse: {sparse, pruned, refined, symbolic},
    testR2,
    edges: done.map(e => ({layer: e.layer, input: e.input, output: e.output, fn: e.fit.name, r2: e.fit.r2})),
    formula: f.text,
    latex: f.latex,
    seconds: (performance.now() - t0) / 1000,
    svg,
  };
  small.dispose();
  model.dispose();
  tf.dispose([xTrain, xTest, yTrain, yTest]);
  return result;
}

const esc = (s: string): string =>
  s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c] ?? c);

/** The report's HTML section. */
export function kanFormulaPanel(r: KanFormulaResult | {error: string}): string {
  if ('error' in r) return `<p class="na">KAN formula run failed: ${esc(r.error)}</p>`;
  const n = (v: number) => v.toExponential(2);
  return `<p>pykan's first tutorial: a [2, 5, 1] BSplineKAN on f(x, y) = exp(sin(πx) + y²), 1000 samples in [−1, 1]²;
Adam with pykan's sparsity penalty (λ = ${r.settings.lambda}, ${r.settings.steps[0]} steps) → <code>tfa.kan.prune</code> → width [${r.widthAfterPrune.join(', ')}]
→ <code>tfa.kan.refine</code> to G = 10 (${r.settings.steps[1]} steps) → <code>tfa.kan.autoSymbolic</code> → <code>tfa.kan.refitSymbolic</code> (float64 Levenberg–Marquardt).</p>
<p><b>Formula:</b> <code>${esc(r.formula)}</code> (test R² ${r.testR2.toFixed(6)}; ${r.seconds.toFixed(1)} s)</p>
<p class="meta">test RMSE: sparse ${n(r.rmse.sparse)}, pruned ${n(r.rmse.pruned)}, refined ${n(r.rmse.refined)}, symbolic ${n(r.rmse.symbolic)}.
Edges: ${r.edges.map(e => `(${e.layer},${e.input},${e.output}) ${esc(e.fn)} R² ${e.r2.toFixed(5)}`).join('; ')}.</p>
${r.svg != null ? `<figure>${r.svg}</figure>` : ''}`;
}
