/**
 * Explicit Spectral Truncation of the representation feeding the final Dense
 * layer (The Malignant Tail), folded into that layer's weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {eigh} from '../linalg/eigh';
import {ValueError, bool, describe, oneOf, positiveInt, positiveNumber, tensorArg} from '../validate';
import {
  ActivationProbe,
  type CallbackLogs,
  type MetricRecord,
  RecordSink,
  type RecordSinkArgs,
  checkProbeAgainstModel,
  lastLayerInput,
  layerNameArg,
  layerOutputInModel,
  probeArg,
  probeSize,
  warnOnce,
} from './common';

/** Arguments of {@link SpectralTruncation}. */
export interface SpectralTruncationArgs extends RecordSinkArgs {
  /**
   * Name of the layer whose output feeds the final Dense layer (the head is
   * the Dense layer consuming it; a wrong name throws). Default: the model's
   * last layer is the head and its input is the representation; when that
   * layer is not a Dense with a bias on a `[batch, D]` input (e.g. a
   * `timeDistributed(dense)` or KAN head), `fit` warns once and leaves the
   * model untouched.
   */
  layer?: string;
  /** Training inputs whose features define the centre μ and covariance (e.g. 2000 samples). Never disposed. */
  trainProbe: tf.Tensor | tf.Tensor[];
  /** Labels of `trainProbe` (int `[n]` or one-hot `[n, C]`), needed only by {@link SpectralTruncation.probe}. */
  trainLabels?: tf.Tensor;
  /** Clean validation data `[x, y]` (y int `[m]` or one-hot `[m, C]`): required for `rank: 'auto'`. */
  validation?: [tf.Tensor | tf.Tensor[], tf.Tensor];
  /** Kept dimension d: a positive integer ≤ D, or `'auto'` (the d with the best validation accuracy). Default `'auto'`. */
  rank?: number | 'auto';
  /** `'train-end'`: truncate in onTrainEnd; `'manual'`: only when `apply()` is called. Default `'train-end'`. */
  at?: 'train-end' | 'manual';
  /** Ridge of the spectral linear probe, relative to the largest eigenvalue. Default 1e-6. */
  probeRidge?: number;
  /** Print the chosen rank and accuracies. Default false. */
  verbose?: boolean;
}

const DEFAULTS = {rank: 'auto', at: 'train-end', probeRidge: 1e-6, verbose: false} as const;
const WHO = 'spectralTruncation';

/** One point of the validation scan of `rank: 'auto'`. */
export interface TruncationPoint {
  /** Kept dimension d (d = D is the untruncated model). */
  rank: number;
  /** Validation accuracy of the model truncated to rank d. */
  accuracy: number;
}

/** One row of the spectral linear-probe curve ({@link SpectralTruncation.probe}). */
export interface SpectralProbeRow {
  /** Split index d: the head band is components 1..d, the tail band d+1..D (descending eigenvalues). */
  rank: number;
  /** Eigenvalue λ_d of the feature covariance. */
  eigenvalue: number;
  /** Accuracy of a least-squares linear probe on the head band, on the (noisy) training labels and on validation. */
  headTrain: number;
  headValidation: number;
  /** The same for the tail band (for d = D the tail is empty and the probe predicts the class prior). */
  tailTrain: number;
  tailValidation: number;
}

interface Spectrum {
  /** Centre μ `[D]` of the train-probe features (float64). */
  mean: Float64Array;
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** `[D, D]` columns = eigenvectors, descending order. Owned by apply/probe; disposed there. */
  vectors: tf.Tensor2D;
}

/**
 * Explicit Spectral Truncation: projects the representation feeding the final
 * Dense layer onto its top-d principal subspace and folds the projection into
 * that layer, so the model stays an ordinary tfjs model (save/load as usual).
 *
 * With Φ `[n, D]` the features of `trainProbe` at the head's input,
 * μ = mean(Φ), C = (Φ−μ)ᵀ(Φ−μ)/n = V Λ Vᵀ (eigenvalues descending),
 * V_d the top-d eigenvectors and P = V_d V_dᵀ, the truncated features are
 * φ' = μ + (φ−μ)P, and the head `φ'W + b` becomes
 * `W' = P·W`, `b' = b + μ(I − P)W` (exactly equal, up to float32 round-off).
 *
 * `rank: 'auto'` scans every d = 1..D on the clean `validation` set, keeps the
 * smallest d with the best accuracy, and logs the whole curve (JSONL records
 * `{metric: 'truncation_val_acc', rank: d, value}`, and the `scan` field).
 * `apply()` truncates on demand and returns d; `probe()` returns the spectral
 * linear-probe curve (least-squares probes on the head band 1..d and the tail
 * band d+1..D) without touching the model.
 *
 * Which head: by default the model's last layer (the layer producing its
 * first output), which must be a Dense layer with a bias on a `[batch, D]`
 * input. Any other last layer (`timeDistributed(dense)`, a KAN layer, a
 * nested model, a Dense followed by a separate Activation layer) cannot take
 * the fold: in `fit` the callback warns once (naming the `layer` argument)
 * and leaves the model unchanged; `apply()`/`probe()` called explicitly
 * throw the same reason. With `layer`, the head is the Dense consuming it.
 *
 * Cost: one forward pass of `trainProbe` (and of the validation set), a D×D
 * covariance on the backend and an exact float64 eigendecomposition in JS
 * (O(D³) with vectors: D = 512 takes about 1 s). Synchronous reads
 * (inside `linalg.eigh`) happen only in apply/probe, at train end.
 *
 * Paper: Wang, "The Malignant Tail" (short title; the full one was not retrieved), 2026, arXiv:2603.02293. Only the
 * abstract is public: this is *our formulation from the abstract*
 * ("post-hoc Explicit Spectral Truncation (d≪D) to surgically prune the
 * noise-dominated subspace"; "Spectral Linear Probe"), not the authors' code.
 * Follows: no reference code exists; the fold is plain linear algebra.
 * Deviations:
 * - The representation is truncated by feature-covariance PCA (the abstract
 *   speaks of the representation's noise-dominated subspace); a weight-SVD
 *   variant is not offered.
 * - The linear probe is a least-squares (ridge) probe in the eigenbasis, which
 *   decouples per component; the paper's probe type is unknown.
 * - d is chosen on a user-supplied clean validation set (the abstract does not
 *   say how d is chosen).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 8, activation: 'relu', inputShape: [4]}),
 *   tf.layers.dense({units: 3, activation: 'softmax'})]});
 * model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
 * const x = tf.randomNormal([30, 4], 0, 1, 'float32', 1);
 * const y = tf.oneHot(tf.tensor1d(Array.from({length: 30}, (_, i) => i % 3), 'int32'), 3);
 * const cut = new tfa.callbacks.SpectralTruncation({trainProbe: x, validation: [x, y]});
 * model.fit(x, y, {epochs: 1, verbose: 0, callbacks: [cut]})
 *   .then(() => console.log(cut.chosenRank, cut.scan.length)); // the chosen rank d, 8 ranks scanned
 * ```
 */
export class SpectralTruncation extends tfl.Callback {
  readonly rank: number | 'auto';
  readonly at: 'train-end' | 'manual';
  readonly probeRidge: number;
  readonly verbose: boolean;
  /** Rank chosen by the last `apply()` (null before). */
  chosenRank: number | null = null;
  /** Validation accuracy against d from the last `apply()` with validation (empty otherwise). */
  scan: TruncationPoint[] = [];
  private readonly trainX: tf.Tensor | tf.Tensor[];
  private readonly trainLabels: tf.Tensor | null;
  private readonly validation: [tf.Tensor | tf.Tensor[], tf.Tensor] | null;
  private readonly layerName: string | null;
  private readonly sink: RecordSink;
  private head: tfl.layers.Layer | null = null;
  private runner: ActivationProbe | null = null;
  private lastEpoch = -1;

  constructor(args: SpectralTruncationArgs) {
    super();
    if (args == null) throw new ValueError(`${WHO}: args must be an object with a trainProbe, got ${describe(args)}.`);
    this.trainX = probeArg(args.trainProbe, 'trainProbe', WHO, 2);
    const n = probeSize(this.trainX);
    this.trainLabels = args.trainLabels == null ? null : labelArg(args.trainLabels, n, 'trainLabels');
    if (args.validation != null) {
      if (!Array.isArray(args.validation) || args.validation.length !== 2) {
        throw new ValueError(`${WHO}: validation must be [x, y], got ${describe(args.validation)}.`);
      }
      const vx = probeArg(args.validation[0], 'validation x', WHO, 1);
      labelArg(args.validation[1], probeSize(vx), 'validation y');
      this.validation = [vx, args.validation[1]];
    } else {
      this.validation = null;
    }
    const rank = args.rank ?? DEFAULTS.rank;
    if (rank !== 'auto') positiveInt(rank, 'rank', WHO);
    if (rank === 'auto' && this.validation == null) {
      throw new ValueError(
        `${WHO}: rank 'auto' needs validation data [x, y] to choose d; pass validation or a number rank, got rank='auto' without validation.`,
      );
    }
    this.rank = rank;
    this.at = oneOf(args.at ?? DEFAULTS.at, ['train-end', 'manual'] as const, 'at', WHO);
    this.probeRidge = positiveNumber(args.probeRidge ?? DEFAULTS.probeRidge, 'probeRidge', WHO);
    this.verbose = bool(args.verbose ?? DEFAULTS.verbose, 'verbose', WHO);
    this.layerName = layerNameArg(args.layer, WHO);
    this.sink = new RecordSink(args, WHO);
  }

  override async onTrainBegin(): Promise<void> {
    this.lastEpoch = -1;
    this.head = null;
    this.runner = null;
    if (this.layerName != null) {
      this.resolve(this.model);
      return;
    }
    // Default head: a model it cannot fold into is skipped with a warning, never an aborted fit.
    checkProbeAgainstModel(this.model, this.trainX, 'trainProbe', WHO);
    const reason = this.defaultHeadProblem(this.model);
    if (reason != null) {
      warnOnce(
        this,
        'no-head',
        `${WHO}: nothing to truncate: ${reason}; set the 'layer' argument to the layer feeding a Dense head. The model is left unchanged.`,
      );
      return;
    }
    this.resolve(this.model);
  }

  override async onEpochEnd(epoch: number, _logs?: CallbackLogs): Promise<void> {
    this.lastEpoch = epoch;
  }

  override async onTrainEnd(): Promise<void> {
    if (this.at === 'train-end' && this.runner != null) await this.apply();
    this.runner = null;
  }

  /**
   * Truncates now: computes the spectrum on `trainProbe`, chooses d (scan on
   * validation for `'auto'`), rewrites the head's kernel and bias, and returns d.
   * Pass `model` to use it outside `fit` (otherwise the model of the last fit).
   */
  async apply(model?: tfl.LayersModel): Promise<number> {
    this.ensure(model);
    const head = this.head!;
    const spec = await this.spectrum();
    try {
      const dim = spec.values.length;
      let d: number;
      if (this.rank === 'auto') {
        this.scan = await this.scanValidation(spec);
        let best = this.scan[0];
        for (const p of this.scan) if (p.accuracy > best.accuracy) best = p; // first max: smallest d
        d = best.rank;
      } else {
        if (this.rank > dim) {
          throw new ValueError(`${WHO}: rank must be <= the feature dimension ${dim}, got ${this.rank}.`);
        }
        d = this.rank;
        this.scan = this.validation != null ? await this.scanValidation(spec) : [];
      }
      const [w, b] = head.getWeights(); // [D, C], [C]
      const [w2, b2] = tf.tidy(() => {
        const vd = tf.slice(spec.vectors, [0, 0], [dim, d]); // [D, d]
        const pw = tf.matMul(vd, tf.matMul(vd, w, true, false)); // [D, C]: P·W
        const mu = tf.tensor2d(Float32Array.from(spec.mean), [1, dim]); // [1, D]
        const b1 = tf.add(b, tf.reshape(tf.matMul(mu, tf.sub(w, pw)), [-1])); // [C]: b + μ(I−P)W
        return [pw, b1];
      });
      head.setWeights([w2, b2]);
      tf.dispose([w2, b2]);
      this.chosenRank = d;
      const records: MetricRecord[] = this.scan.map(p => ({
        epoch: this.lastEpoch,
        metric: 'truncation_val_acc',
        layer: head.name,
        value: p.accuracy,
        rank: p.rank,
      }));
      records.push({epoch: this.lastEpoch, metric: 'truncation_rank', layer: head.name, value: d});
      this.sink.emit(records);
      if (this.verbose) {
        const full = this.scan.find(p => p.rank === dim);
        const at = this.scan.find(p => p.rank === d);
        console.log(
          `${WHO}: kept d = ${d} of D = ${dim}` +
            (at != null && full != null
              ? ` (validation accuracy ${at.accuracy.toFixed(4)} vs ${full.accuracy.toFixed(4)} untruncated)`
              : ''),
        );
      }
      return d;
    } finally {
      spec.vectors.dispose();
    }
  }

  /**
   * The spectral linear-probe curve, for looking before cutting: for each
   * d = 1..D, least-squares linear probes (one-hot targets, ridge
   * `probeRidge·λ_max`) fitted on `trainProbe` with `trainLabels`, on the
   * head band (components 1..d) and on the tail band (d+1..D), with their
   * accuracy on the training labels and on `validation` (NaN without it).
   * A tail that fits noisy training labels but not clean validation is the
   * "malignant tail". Does not change the model.
   */
  async probe(model?: tfl.LayersModel): Promise<SpectralProbeRow[]> {
    if (this.trainLabels == null) {
      throw new ValueError(`${WHO}: probe() needs trainLabels (the labels of trainProbe), got none.`);
    }
    this.ensure(model);
    const spec = await this.spectrum();
    try {
      const dim = spec.values.length;
      const train = await this.coordinates(this.trainX, spec); // [n·D]
      const n = probeSize(this.trainX);
      const yTrain = await classIds(this.trainLabels);
      let classes = numClasses(this.trainLabels);
      for (const c of yTrain) classes = Math.max(classes, c + 1); // a loop: spreading n ids could overflow the stack
      // Targets: one-hot, centred; the eigen-coordinates are uncorrelated with
      // variance λ_k, so least squares decouples: β_k = z_kᵀ(Y − Ȳ)/(n(λ_k + ridge)).
      const prior = new Float64Array(classes);
      for (const c of yTrain) prior[c] += 1 / n;
      const ridge = this.probeRidge * Math.max(spec.values[0], 1e-30);
      const beta = new Float64Array(dim * classes); // [D, C]
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < dim; k++) {
          const z = train[i * dim + k];
          for (let c = 0; c < classes; c++) beta[k * classes + c] += z * ((yTrain[i] === c ? 1 : 0) - prior[c]);
        }
      }
      for (let k = 0; k < dim; k++) {
        const s = 1 / (n * (Math.max(spec.values[k], 0) + ridge));
        for (let c = 0; c < classes; c++) beta[k * classes + c] *= s;
      }
      const trainCurve = bandAccuracies(train, yTrain, n, dim, classes, beta, prior);
      let valCurve: {head: number[]; tail: number[]} | null = null;
      if (this.validation != null) {
        const val = await this.coordinates(this.validation[0], spec);
        const m = probeSize(this.validation[0]);
        valCurve = bandAccuracies(val, await classIds(this.validation[1]), m, dim, classes, beta, prior);
      }
      return Array.from({length: dim}, (_, k) => ({
        rank: k + 1,
        eigenvalue: spec.values[k],
        headTrain: trainCurve.head[k],
        headValidation: valCurve?.head[k] ?? NaN,
        tailTrain: trainCurve.tail[k],
        tailValidation: valCurve?.tail[k] ?? NaN,
      }));
    } finally {
      spec.vectors.dispose();
    }
  }

  private ensure(model?: tfl.LayersModel): void {
    if (model != null) {
      this.setModel(model);
      this.resolve(model);
    } else if (this.runner == null || this.head == null) {
      if (this.model == null)
        throw new ValueError(`${WHO}: no model; pass one to apply(model) / probe(model) or use the callback in fit.`);
      this.resolve(this.model);
    }
  }

  private resolve(model: tfl.LayersModel): void {
    checkProbeAgainstModel(model, this.trainX, 'trainProbe', WHO);
    if (this.validation != null) checkProbeAgainstModel(model, this.validation[0], 'validation x', WHO);
    let head: tfl.layers.Layer;
    let feature: tfl.SymbolicTensor;
    if (this.layerName != null) {
      feature = layerOutputInModel(model, this.layerName, WHO);
      const consumer = model.layers.find(
        l => l.getClassName() === 'Dense' && l.inboundNodes.some(nd => nd.inputTensors.includes(feature)),
      );
      if (consumer == null) {
        throw new ValueError(
          `${WHO}: layer '${this.layerName}' must feed a Dense layer directly (the head to fold into), got none consuming its output.`,
        );
      }
      head = consumer;
    } else {
      const reason = this.defaultHeadProblem(model);
      if (reason != null)
        throw new ValueError(`${WHO}: ${reason}; set the 'layer' argument to the layer feeding a Dense head.`);
      const found = lastLayerInput(model);
      if (!found.ok) throw new ValueError(`${WHO}: ${found.reason}.`); // unreachable after defaultHeadProblem
      head = found.layer;
      feature = found.feature;
    }
    const cfg = head.getConfig();
    if (cfg.useBias === false) {
      throw new ValueError(
        `${WHO}: the head Dense layer '${head.name}' must have a bias to fold μ(I−P)W into, got useBias=false.`,
      );
    }
    const dim = feature.shape[feature.shape.length - 1];
    if (feature.shape.length !== 2 || dim == null) {
      throw new ValueError(
        `${WHO}: the representation feeding '${head.name}' must be [batch, D], got shape ${describe(feature.shape)}.`,
      );
    }
    if (typeof this.rank === 'number' && this.rank > dim) {
      throw new ValueError(`${WHO}: rank must be <= the feature dimension ${dim} of '${head.name}', got ${this.rank}.`);
    }
    this.head = head;
    this.runner = new ActivationProbe(model, [feature]);
  }

  /** Why the default head (the model's last layer) cannot be folded into, or null when it can. */
  private defaultHeadProblem(model: tfl.LayersModel): string | null {
    const found = lastLayerInput(model);
    if (!found.ok) return found.reason;
    const cls = found.layer.getClassName();
    if (cls !== 'Dense')
      return `the last layer '${found.layer.name}' is a ${cls}, not a Dense layer to fold the projection into`;
    if (found.layer.getConfig().useBias === false)
      return `the last layer '${found.layer.name}' is a Dense layer without bias (useBias=false)`;
    if (found.feature.shape.length !== 2) {
      return `the input of the last layer '${found.layer.name}' has shape ${describe(found.feature.shape)}, not [batch, D]`;
    }
    return null;
  }

  /** μ, and the eigenpairs (descending) of the train-probe feature covariance. */
  private async spectrum(): Promise<Spectrum> {
    const [f] = this.runner!.run(this.trainX); // [n, D]
    const {mean, cov} = tf.tidy(() => {
      const mu = tf.mean(f, 0); // [D]
      const fc = tf.sub(f, mu); // [n, D]
      return {mean: mu, cov: tf.div(tf.matMul(fc, fc, true, false), f.shape[0]) as tf.Tensor2D}; // [D, D]
    });
    f.dispose();
    const meanData = Float64Array.from(await mean.data());
    mean.dispose();
    const {values, vectors} = eigh(cov, {symmetryTol: 1e-3});
    cov.dispose();
    const desc = Float64Array.from(values).reverse();
    const rev = tf.tidy(() => tf.reverse(vectors, 1) as tf.Tensor2D); // [D, D]: descending columns
    vectors.dispose();
    return {mean: meanData, values: desc, vectors: rev};
  }

  /** Eigen-coordinates (φ − μ)V `[N, D]` of inputs x, as float64 row-major. */
  private async coordinates(x: tf.Tensor | tf.Tensor[], spec: Spectrum): Promise<Float64Array> {
    const [f] = this.runner!.run(x); // [N, D]
    const z = tf.tidy(() => tf.matMul(tf.sub(f, tf.tensor1d(Float32Array.from(spec.mean))), spec.vectors)); // [N, D]
    f.dispose();
    const data = Float64Array.from(await z.data());
    z.dispose();
    return data;
  }

  /** Validation accuracy of the truncated head for every d = 1..D. */
  private async scanValidation(spec: Spectrum): Promise<TruncationPoint[]> {
    const [vx, vy] = this.validation!;
    const dim = spec.values.length;
    const m = probeSize(vx);
    const z = await this.coordinates(vx, spec); // [m, D]
    const [w, b] = this.head!.getWeights(); // [D, C], [C]
    const classes = w.shape[1] as number;
    const [u, base] = tf.tidy(() => [
      tf.matMul(spec.vectors, w, true, false), // [D, C]: u_k = v_kᵀW
      tf.add(tf.matMul(tf.tensor2d(Float32Array.from(spec.mean), [1, dim]), w), b), // [1, C]: μW + b
    ]);
    const uData = await u.data();
    const baseData = await base.data();
    tf.dispose([u, base]);
    const y = await classIds(vy);
    // logits_d = μW + b + Σ_{k<d} z_k u_k: one rank-1 update per d.
    const logits = new Float64Array(m * classes);
    for (let i = 0; i < m; i++) for (let c = 0; c < classes; c++) logits[i * classes + c] = baseData[c];
    const out: TruncationPoint[] = [];
    for (let k = 0; k < dim; k++) {
      let correct = 0;
      for (let i = 0; i < m; i++) {
        const zk = z[i * dim + k];
        let best = 0;
        for (let c = 0; c < classes; c++) {
          const v = (logits[i * classes + c] += zk * uData[k * classes + c]);
          if (v > logits[i * classes + best]) best = c;
        }
        if (best === y[i]) correct++;
      }
      out.push({rank: k + 1, accuracy: correct / m});
    }
    return out;
  }
}

/** Accuracies of the head band (1..d) and tail band (d+1..D) probes for every d. */
function bandAccuracies(
  z: Float64Array,
  y: Int32Array,
  n: number,
  dim: number,
  classes: number,
  beta: Float64Array,
  prior: Float64Array,
): {head: number[]; tail: number[]} {
  const full = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) {
      let s = prior[c];
      for (let k = 0; k < dim; k++) s += z[i * dim + k] * beta[k * classes + c];
      full[i * classes + c] = s;
    }
  }
  const head = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) for (let c = 0; c < classes; c++) head[i * classes + c] = prior[c];
  const headAcc: number[] = [];
  const tailAcc: number[] = [];
  for (let k = 0; k < dim; k++) {
    let hc = 0;
    let tc = 0;
    for (let i = 0; i < n; i++) {
      let hb = 0;
      let tb = 0;
      let hbv = -Infinity;
      let tbv = -Infinity;
      for (let c = 0; c < classes; c++) {
        const h = (head[i * classes + c] += z[i * dim + k] * beta[k * classes + c]);
        const t = full[i * classes + c] - h + prior[c]; // tail = prior + Σ_{j>k} z_j β_j
        if (h > hbv) [hbv, hb] = [h, c];
        if (t > tbv) [tbv, tb] = [t, c];
      }
      if (hb === y[i]) hc++;
      if (tb === y[i]) tc++;
    }
    headAcc.push(hc / n);
    tailAcc.push(tc / n);
  }
  return {head: headAcc, tail: tailAcc};
}

function labelArg(value: unknown, n: number, name: string): tf.Tensor {
  const t = tensorArg(value, name, WHO);
  if ((t.rank !== 1 && t.rank !== 2) || t.shape[0] !== n) {
    throw new ValueError(`${WHO}: ${name} must be [${n}] class ids or [${n}, C] one-hot, got ${describe(t)}.`);
  }
  return t;
}

async function classIds(y: tf.Tensor): Promise<Int32Array> {
  const ids = y.rank === 2 ? tf.argMax(y, 1) : tf.cast(y, 'int32');
  const data = Int32Array.from(await ids.data());
  ids.dispose();
  return data;
}

function numClasses(y: tf.Tensor): number {
  return y.rank === 2 ? y.shape[1]! : 0;
}

/**
 * Factory of {@link SpectralTruncation}: post-hoc rank-d truncation of the head's input features.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const model = tf.sequential({layers: [
 *   tf.layers.dense({units: 16, activation: 'relu', inputShape: [4]}),
 *   tf.layers.dense({units: 3, activation: 'softmax'})]});
 * model.compile({optimizer: 'adam', loss: 'categoricalCrossentropy'});
 * const x = tf.randomNormal([60, 4], 0, 1, 'float32', 1);
 * const y = tf.oneHot(tf.tensor1d(Array.from({length: 60}, (_, i) => i % 3), 'int32'), 3);
 * const cut = tfa.callbacks.spectralTruncation({trainProbe: x, validation: [x, y]});
 * model.fit(x, y, {epochs: 2, verbose: 0, callbacks: [cut]})
 *   .then(() => console.log(cut.chosenRank, cut.scan.length)); // d, 16
 * ```
 * @see SpectralTruncation
 */
export function spectralTruncation(args: SpectralTruncationArgs): SpectralTruncation {
  return new SpectralTruncation(args);
}
