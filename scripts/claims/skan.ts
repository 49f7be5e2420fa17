/**
 * Row 3. S-KAN (Yang et al., arXiv 2408.08338): selecting the activation
 * space per node beats single-basis KANs on function fitting and images.
 * Ours: SelectableKAN (softmax mixture over B-spline, Chebyshev, RBF,
 * Fourier per edge, then harden() = argmax per edge and fine-tune) against
 * the same layer restricted to one basis.
 */
import {
  ClaimExperiment,
  SEEDS,
  SMOKE,
  Stat,
  accuracy,
  disposeData,
  fashion,
  log,
  paramCount,
  pct,
  pm,
  seedEverything,
  stat,
  tf,
  tfa,
} from './common';
import {SIN_EXP, symbolicTask} from './kan_common';

const TRAIN = SMOKE ? 300 : 3000,
  TEST = 2000,
  EPOCHS = 2,
  HARD_EPOCHS = 1,
  WIDTH = 16;
const FIT_STEPS = 300,
  FIT_HARD_STEPS = 150,
  FIT_WIDTH = 5;
type Pool = 'all' | 'bspline' | 'chebyshev' | 'rbf' | 'fourier';
const POOLS: Pool[] = ['all', 'bspline', 'chebyshev', 'rbf', 'fourier'];

function layer(pool: Pool, units: number, inputShape?: number[]): InstanceType<typeof tfa.layers.SelectableKAN> {
  const args = inputShape ? {units, inputShape} : {units};
  return tfa.layers.selectableKAN(pool === 'all' ? args : {...args, bases: [pool]});
}

async function harden(model: tf.LayersModel): Promise<void> {
  for (const l of model.layers) if (l instanceof tfa.layers.SelectableKAN) l.harden();
}

export const skanRow: ClaimExperiment = {
  name: 'skan',
  order: 3,
  title: 'S-KAN (SelectableKAN) vs single-basis KANs',
  claim:
    'Choosing the activation space per KAN node (S-KAN) beats single-basis KANs on 7 function-fitting tasks and gives leading image-classification results (S-KAN, arXiv 2408.08338, abstract).',
  async run() {
    const metrics: Record<string, Stat> = {};
    const params: Record<string, number> = {};
    const fitParams: Record<string, number> = {};
    // Function fitting: sin(πx)·exp(y), [2, 5, 1].
    for (const pool of POOLS) {
      const mse: number[] = [];
      for (const seed of SEEDS) {
        seedEverything(seed);
        const task = symbolicTask(seed, SIN_EXP, 512);
        const model = tf.sequential({layers: [layer(pool, FIT_WIDTH, [2]), layer(pool, 1)]});
        fitParams[pool] = paramCount(model);
        let opt = tf.train.adam(0.02);
        model.compile({optimizer: opt, loss: 'meanSquaredError'});
        const n = task.xTrain.shape[0];
        await model.fit(task.xTrain, task.yTrain, {epochs: FIT_STEPS, batchSize: n, shuffle: false, verbose: 0});
        if (pool === 'all') {
          // harden() changes the trainable list, so the fine-tuning gets a fresh optimizer (tfjs Adam keys its slots by position).
          await harden(model);
          opt.dispose();
          opt = tf.train.adam(0.02);
          model.compile({optimizer: opt, loss: 'meanSquaredError'});
        }
        await model.fit(task.xTrain, task.yTrain, {epochs: FIT_HARD_STEPS, batchSize: n, shuffle: false, verbose: 0});
        const e = tf.tidy(() => tf.mean(tf.square(tf.sub(model.predict(task.xTest) as tf.Tensor, task.yTest))));
        mse.push((await e.data())[0]);
        tf.dispose([e, ...Object.values(task)]);
        opt.dispose();
        model.dispose();
      }
      metrics[`fit_mse_${pool}`] = stat(mse);
      log(`skan fit ${pool}: ${pm(metrics[`fit_mse_${pool}`], 4)}`);
    }
    // Images: Fashion-MNIST pooled to 14×14, [196, 16, 10] with a LayerNorm between.
    const data = fashion(TRAIN, TEST, {symmetric: true, pool: true});
    for (const pool of POOLS) {
      const acc: number[] = [];
      const soft: number[] = [];
      for (const seed of SEEDS) {
        seedEverything(seed);
        const model = tf.sequential({
          layers: [
            layer(pool, WIDTH, [196]),
            tf.layers.layerNormalization(),
            layer(pool, 10),
            tf.layers.activation({activation: 'softmax'}),
          ],
        });
        params[pool] = paramCount(model);
        let opt = tf.train.adam(3e-3);
        model.compile({optimizer: opt, loss: 'categoricalCrossentropy'});
        await model.fit(data.xTrain, data.yTrain, {epochs: EPOCHS, batchSize: 64, shuffle: true, verbose: 0});
        if (pool === 'all') {
          soft.push(await accuracy(model, data.xTest, data.labelsTest));
          await harden(model);
          opt.dispose();
          opt = tf.train.adam(3e-3);
          model.compile({optimizer: opt, loss: 'categoricalCrossentropy'});
        }
        await model.fit(data.xTrain, data.yTrain, {epochs: HARD_EPOCHS, batchSize: 64, shuffle: true, verbose: 0});
        acc.push(await accuracy(model, data.xTest, data.labelsTest));
        opt.dispose();
        model.dispose();
      }
      metrics[`fmnist_acc_${pool}`] = stat(acc);
      if (soft.length) metrics.fmnist_acc_all_before_harden = stat(soft);
      log(`skan images ${pool}: ${pm(metrics[`fmnist_acc_${pool}`])}`);
    }
    disposeData(data);
    const singles = POOLS.slice(1);
    const bestFit = singles.reduce((a, p) => (metrics[`fit_mse_${p}`].mean < metrics[`fit_mse_${a}`].mean ? p : a));
    const bestImg = singles.reduce((a, p) =>
      metrics[`fmnist_acc_${p}`].mean > metrics[`fmnist_acc_${a}`].mean ? p : a,
    );
    const fitWin = metrics.fit_mse_all.mean < metrics[`fit_mse_${bestFit}`].mean;
    const imgWin = metrics.fmnist_acc_all.mean > metrics[`fmnist_acc_${bestImg}`].mean;
    const verdict =
      fitWin && imgWin ? 'replicates' : fitWin || imgWin ? 'partially' : 'does not replicate at this scale';
    return {
      seeds: SEEDS,
      metrics,
      setup: `SelectableKAN with the 4-basis pool (B-spline, Chebyshev, RBF, Fourier; softmax mixture per edge, τ = 1) trained, then harden() (argmax basis per edge) and fine-tuned, vs the same layer with one basis trained for the same total steps (same widths, so the pool has more parameters while training). Fitting sin(πx)·exp(y) on [−1,1]² (512 / 512 points): [2, ${FIT_WIDTH}, 1] (params ${POOLS.map(p => `${p} ${fitParams[p]}`).join(', ')}), full-batch Adam 0.02, ${FIT_STEPS} + ${FIT_HARD_STEPS} steps (fresh Adam after harden). Images: Fashion-MNIST subset pooled to 14×14 (${TRAIN} / ${TEST}, [−1, 1]), [196, ${WIDTH}, 10] with a LayerNorm between (params ${POOLS.map(p => `${p} ${params[p]}`).join(', ')}), Adam 3e-3, batch 64, ${EPOCHS} + ${HARD_EPOCHS} epochs. Seeds ${SEEDS.join(', ')}.`,
      result: `Fit test MSE: ${POOLS.map(p => `${p} ${pm(metrics[`fit_mse_${p}`], 4)}`).join('; ')}. Fashion-MNIST accuracy: ${POOLS.map(p => `${p} ${pct(metrics[`fmnist_acc_${p}`])}`).join('; ')} (pool before harden ${pct(metrics.fmnist_acc_all_before_harden)}).`,
      verdict,
      why: `The selectable pool ${fitWin ? 'beats' : 'does not beat'} the best single basis on fitting (${bestFit}) and ${imgWin ? 'beats' : 'does not beat'} the best single basis on images (${bestImg}); ${fitWin && imgWin ? 'selection pays off at equal width' : fitWin || imgWin ? 'the gain depends on the task, and the pool costs the sum of all bases during training' : 'one well-chosen basis does as well as learning the choice at this scale, while the pool costs the sum of all bases during training'}.`,
    };
  },
};
