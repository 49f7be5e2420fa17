/**
 * Row 1. "KAN or MLP: A Fairer Comparison" / the KAN critical assessment
 * (arXiv 2407.11075, 2407.16674): at equal parameters KANs beat MLPs only on
 * symbolic regression / function fitting, and are slower.
 */
import {
  beats,
  ClaimExperiment,
  SEEDS,
  SMOKE,
  Stat,
  disposeData,
  fashion,
  log,
  pct,
  pm,
  release,
  seedEverything,
  stat,
  tf,
  trainClassifier,
} from './common';
import {KanKind, fitRegression, kanLayer, kanModel, mlpModel, symbolicTask, widthFor} from './kan_common';

const KINDS: KanKind[] = ['bspline', 'rbf', 'chebyshev', 'fourier', 'relu'];
const TRAIN = SMOKE ? 300 : 5000,
  TEST = 2000,
  EPOCHS = 4,
  BUDGET = 50000,
  SYM_BUDGET = 160,
  SYM_STEPS = 600;

export const kanVsMlp: ClaimExperiment = {
  name: 'kan-vs-mlp',
  order: 1,
  title: 'KANs vs MLPs at equal parameters',
  claim:
    'At equal parameters, KANs outperform MLPs only on symbolic regression / function fitting, not on vision, and are 1.36–100× slower (KAN critical assessment, arXiv 2407.11075; KANbeFair, arXiv 2407.16674).',
  async run() {
    const metrics: Record<string, Stat> = {};
    const data = fashion(TRAIN, TEST, {symmetric: true});
    const kinds: Array<'mlp' | KanKind> = ['mlp', ...KINDS];
    const widths: Record<string, {width: number; params: number}> = {};
    const build = (k: 'mlp' | KanKind, h: number, seed: number) =>
      k === 'mlp' ? mlpModel(784, h, 10, {softmax: true, seed}) : kanModel(k, 784, h, 10, true);
    for (const k of kinds) widths[k] = widthFor(h => build(k, h, 1), BUDGET);
    for (const k of kinds) {
      const acc: number[] = [];
      const sec: number[] = [];
      for (const seed of SEEDS) {
        seedEverything(seed);
        const model = build(k, widths[k].width, seed);
        const opt = tf.train.adam(3e-3);
        const r = await trainClassifier(model, opt, data, {epochs: EPOCHS, batchSize: 64});
        acc.push(r.acc);
        sec.push(r.secPerEpoch);
        release(model, opt);
      }
      metrics[`fmnist_acc_${k}`] = stat(acc);
      metrics[`sec_per_epoch_${k}`] = stat(sec);
      log(
        `kan-vs-mlp ${k} (width ${widths[k].width}, ${widths[k].params} params): ${pm(metrics[`fmnist_acc_${k}`])}, ${stat(sec).mean.toFixed(1)} s/epoch`,
      );
    }
    disposeData(data);
    // Symbolic regression: f(x, y) = exp(sin(πx) + y²).
    const symWidths: Record<string, {width: number; params: number}> = {};
    const symBuild = (k: 'mlp' | KanKind, h: number, seed: number) => {
      if (k === 'mlp') return mlpModel(2, h, 1, {depth: 2, activation: 'tanh', softmax: false, seed});
      return tf.sequential({layers: [kanLayer(k, h, [2]), kanLayer(k, 1)]});
    };
    for (const k of kinds) symWidths[k] = widthFor(h => symBuild(k, h, 1), SYM_BUDGET, 64);
    for (const k of kinds) {
      const rmse: number[] = [];
      for (const seed of SEEDS) {
        seedEverything(seed);
        const task = symbolicTask(seed);
        const model = symBuild(k, symWidths[k].width, seed);
        rmse.push(await fitRegression(model, task, SYM_STEPS, 1e-2));
        model.dispose();
        tf.dispose(Object.values(task));
      }
      metrics[`symbolic_rmse_${k}`] = stat(rmse);
      log(
        `kan-vs-mlp symbolic ${k} (width ${symWidths[k].width}, ${symWidths[k].params} params): RMSE ${pm(metrics[`symbolic_rmse_${k}`])}`,
      );
    }
    const mlpAcc = metrics.fmnist_acc_mlp.mean;
    const bestKan = KINDS.reduce((a, k) => (metrics[`fmnist_acc_${k}`].mean > metrics[`fmnist_acc_${a}`].mean ? k : a));
    const bestSym = KINDS.reduce((a, k) =>
      metrics[`symbolic_rmse_${k}`].mean < metrics[`symbolic_rmse_${a}`].mean ? k : a,
    );
    const kanWinsSym = KINDS.filter(k => beats(metrics[`symbolic_rmse_${k}`], metrics.symbolic_rmse_mlp, true));
    const kanWinsVision = KINDS.filter(k => beats(metrics[`fmnist_acc_${k}`], metrics.fmnist_acc_mlp));
    const mlpWinsVision = kanWinsVision.length === 0;
    const slow = KINDS.map(k => metrics[`sec_per_epoch_${k}`].mean / metrics.sec_per_epoch_mlp.mean);
    const fm = kinds.map(k => `${k} ${pct(metrics[`fmnist_acc_${k}`])}`).join('; ');
    const sym = kinds.map(k => `${k} ${pm(metrics[`symbolic_rmse_${k}`], 3)}`).join('; ');
    const tt = kinds.map(k => `${k} ${metrics[`sec_per_epoch_${k}`].mean.toFixed(1)}`).join(', ');
    const verdict =
      mlpWinsVision && kanWinsSym.length > 0
        ? 'replicates'
        : mlpWinsVision || kanWinsSym.length > 0
          ? 'partially'
          : 'does not replicate at this scale';
    return {
      seeds: SEEDS,
      metrics,
      setup: `Fashion-MNIST subset (${TRAIN} train / ${TEST} test, pixels in [−1, 1]); two-layer KANs [784, h, 10] with a LayerNorm between (library defaults per variant) vs a ReLU MLP [784, h, 10], every model ≈${BUDGET / 1000}k params (widths ${kinds.map(k => `${k} ${widths[k].width}`).join(', ')}); Adam 3e-3, batch 64, ${EPOCHS} epochs. Symbolic regression exp(sin(πx)+y²) on [−1,1]², 1000 train / 1000 test points: KAN [2, h, 1] vs tanh MLP [2, h, h, 1] at ≈${SYM_BUDGET} params, full-batch Adam 1e-2, ${SYM_STEPS} steps. Seeds ${SEEDS.join(', ')} (init, batch order, symbolic sample).`,
      result: `Fashion-MNIST test accuracy: ${fm}. Symbolic test RMSE: ${sym}. Seconds per epoch: ${tt}.`,
      verdict,
      why: `${mlpWinsVision ? `No KAN beats the MLP on images by more than the seed sd (best KAN ${bestKan} ${(100 * metrics[`fmnist_acc_${bestKan}`].mean).toFixed(1)} % vs MLP ${(100 * mlpAcc).toFixed(1)} %)` : `${kanWinsVision.join(', ')} beat${kanWinsVision.length === 1 ? 's' : ''} the MLP on images by more than the seed sd (best ${bestKan} ${(100 * metrics[`fmnist_acc_${bestKan}`].mean).toFixed(1)} % vs ${(100 * mlpAcc).toFixed(1)} %)`}, ${kanWinsSym.length ? `while ${kanWinsSym.join(', ')} beat${kanWinsSym.length === 1 ? 's' : ''} it on symbolic regression (best ${bestSym})` : 'and no KAN beats the MLP on symbolic regression by more than the seed sd'}; KAN epochs take ${Math.min(...slow).toFixed(1)}–${Math.max(...slow).toFixed(1)}× the MLP's.`,
    };
  },
};
