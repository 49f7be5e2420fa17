// From data to formula: pykan's first tutorial in tfjs. A [2, 5, 1] B-spline
// KAN learns f(x, y) = exp(sin(πx) + y²) from 1000 samples with the sparsity
// penalty, is pruned to [2, 1, 1], its grid refined, its edges replaced by
// formulas, and the formula printed.
// Run: node examples/kan_formula.mjs [--quick]   (--quick: 400 + 150 Adam steps instead of
// 600 + 300; the shorter training may leave two hidden nodes after pruning, a longer formula)
import * as tf from '@tensorflow/tfjs';
import * as tfa from 'tfjs-addons';

const quick = process.argv.includes('--quick');
const [sparseSteps, refineSteps] = quick ? [400, 150] : [600, 300];
const f = ([x, y]) => Math.exp(Math.sin(Math.PI * x) + y * y);
const x = tf.randomUniform([1000, 2], -1, 1, 'float32', 0);
const y = tf.tensor2d((await x.array()).map(r => [f(r)]));
const xTest = tf.randomUniform([1000, 2], -1, 1, 'float32', 1);
const yTest = tf.tensor2d((await xTest.array()).map(r => [f(r)]));

// Refit every layer's grid to its inputs, as pykan does during training.
function updateGrids(model) {
  let h = x;
  for (const layer of model.layers) {
    layer.updateGrid(h);
    h = layer.apply(h);
  }
}
// Adam on minibatches of 200; MSE + lambda·(pykan's sparsity penalty).
function train(model, steps, lambda) {
  const opt = tf.train.adam(1e-2);
  for (let s = 0; s < steps; s++) {
    if (s % 10 === 0 && s < 0.8 * steps) tf.tidy(() => updateGrids(model));
    tf.tidy(() => {
      const idx = tf.randomUniform([200], 0, 1000, 'int32', s);
      const xb = tf.gather(x, idx);
      const yb = tf.gather(y, idx);
      opt.minimize(() => {
        if (lambda === 0) return tf.losses.meanSquaredError(yb, model.apply(xb));
        const {output, penalty} = tfa.kan.sparsityForward(model, xb);
        return tf.add(tf.losses.meanSquaredError(yb, output), tf.mul(penalty, lambda));
      });
    });
  }
}

const model = tf.sequential({
  layers: [tfa.layers.bsplineKAN({units: 5, inputShape: [2], seed: 1}), tfa.layers.bsplineKAN({units: 1, seed: 2})],
});
train(model, sparseSteps, 3e-2); // 1. sparse training
const {model: small} = tfa.kan.prune(model, x); // 2. prune
console.log('width after pruning', [2, ...small.layers.map(l => l.units)].join(','));
tfa.kan.refine(small, x, 10); // 3. grid 5 → 10, then train
train(small, refineSteps, 0);
const library = ['x', 'x^2', 'x^3', 'x^4', 'exp', 'log', 'sqrt', 'tanh', 'sin', 'abs'];
for (const e of tfa.kan.autoSymbolic(small, x, {library})) {
  console.log(`edge ${e.layer}:${e.input}->${e.output} ${e.fit.name} (R2 ${e.fit.r2.toFixed(6)})`); // 4. symbolic edges
}
tfa.kan.refitSymbolic(small, x, y); // 5. fit the affine parameters (float64)
const r2 = tf.tidy(
  () =>
    1 -
    tf.sum(tf.square(tf.sub(yTest, small.predict(xTest)))).dataSync()[0] /
      tf.sum(tf.square(tf.sub(yTest, tf.mean(yTest)))).dataSync()[0],
);
console.log('test R2', r2.toFixed(6));
console.log('formula', tfa.kan.formula(small, {inputNames: ['x', 'y']}).text);
