/**
 * Plumbing shared by the callbacks: the record sink (JSON Lines file or an
 * `onRecord` function), log-value resolution, layer lookup and probe
 * activations. No maths lives here; metrics come from `spectral/`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {appendTextFile} from '../io/text_sink';
import {ValueError, describe, tensorArg} from '../validate';

/** One monitored value, as written to a JSON Lines log (one object per line). */
export interface MetricRecord {
  /** 0-based epoch index of `model.fit`. */
  epoch: number;
  /** Metric key, e.g. `'dse'`, `'alpha'`, `'kurtosis'`. */
  metric: string;
  /** Layer the value belongs to, or null for model-level values. */
  layer: string | null;
  /** The value (a plain number; NaN when a fit failed). */
  value: number;
  /** Extra fields of some records (e.g. `rank` of a truncation scan). */
  [extra: string]: number | string | null;
}

/** Where a callback sends its records; both may be given. */
export interface RecordSinkArgs {
  /** Node: path of a JSON Lines file; one record per line is appended (never truncated). */
  logFile?: string;
  /** Any environment: called synchronously with every record (e.g. to collect them in a browser). */
  onRecord?: (record: MetricRecord) => void;
}

/** Sends records to a JSONL file and/or a function; a no-op when neither is set. */
export class RecordSink {
  private readonly logFile: string | null;
  private readonly onRecord: ((record: MetricRecord) => void) | null;

  constructor(
    args: RecordSinkArgs,
    private readonly who: string,
  ) {
    if (args.logFile != null && (typeof args.logFile !== 'string' || args.logFile.length === 0)) {
      throw new ValueError(`${who}: logFile must be a non-empty string, got ${describe(args.logFile)}.`);
    }
    if (args.onRecord != null && typeof args.onRecord !== 'function') {
      throw new ValueError(`${who}: onRecord must be a function, got ${describe(args.onRecord)}.`);
    }
    this.logFile = args.logFile ?? null;
    this.onRecord = args.onRecord ?? null;
  }

  emit(records: MetricRecord[]): void {
    if (records.length === 0) return;
    if (this.onRecord != null) for (const r of records) this.onRecord(r);
    if (this.logFile != null) {
      // JSON has no NaN or Infinity: they are written as null (JSON.stringify would too, silently).
      appendTextFile(this.logFile, records.map(r => JSON.stringify(r, jsonNumber)).join('\n') + '\n', this.who);
    }
  }
}

function jsonNumber(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Epoch/batch logs as tfjs passes them: numbers or Scalars. */
export type CallbackLogs = {[key: string]: number | tf.Scalar};

/** Reads every value of `logs` into a plain-number copy (Scalars via `await data()`; nothing disposed). */
export async function resolveLogs(logs: CallbackLogs | undefined): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (logs == null) return out;
  for (const key of Object.keys(logs)) {
    const v = logs[key];
    out[key] = typeof v === 'number' ? v : (await v.data())[0];
  }
  return out;
}

/** The layer named `name`; an unknown name throws and lists the available ones. */
export function layerByName(model: tfl.LayersModel, name: string, who: string): tfl.layers.Layer {
  const found = model.layers.find(l => l.name === name);
  if (found == null) {
    throw new ValueError(
      `${who}: layer '${name}' is not in the model; available layers: ${model.layers.map(l => `'${l.name}'`).join(', ')}.`,
    );
  }
  return found;
}

/** The weight of `layer` whose own name is `name` (e.g. `'kernel'`, `'grid'`), ignoring tfjs' `_1` uniqueness suffix. */
export function weightNamed(layer: tfl.layers.Layer, name: string): tfl.LayerVariable | undefined {
  const re = new RegExp(`(^|/)${name}(_\\d+)?$`);
  return layer.weights.find(w => re.test(w.originalName));
}

/** Checks a `layers` argument: a non-empty list of layer names. */
export function layerNamesArg(value: unknown, who: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some(l => typeof l !== 'string' || l.length === 0)) {
    throw new ValueError(`${who}: layers must be a non-empty list of layer names, got ${describe(value)}.`);
  }
  return [...(value as string[])];
}

/** Checks an optional `layer` argument: a layer name. */
export function layerNameArg(value: unknown, who: string): string | null {
  if (value == null) return null;
  if (typeof value !== 'string' || value.length === 0)
    throw new ValueError(`${who}: layer must be a layer name, got ${describe(value)}.`);
  return value;
}

/** The last layer of class Dense in `model.layers`; throws when there is none. */
export function lastDense(model: tfl.LayersModel, who: string): tfl.layers.Layer {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    if (model.layers[i].getClassName() === 'Dense') return model.layers[i];
  }
  throw new ValueError(
    `${who}: the model has no Dense layer; layers: ${model.layers.map(l => `'${l.name}' (${l.getClassName()})`).join(', ')}.`,
  );
}

/** A layer's single symbolic input or output (throws for shared or multi-input layers). */
export function singleSymbolic(
  t: tfl.SymbolicTensor | tfl.SymbolicTensor[],
  what: string,
  who: string,
): tfl.SymbolicTensor {
  if (Array.isArray(t)) {
    if (t.length !== 1) throw new ValueError(`${who}: ${what} must be a single tensor, got ${t.length}.`);
    return t[0];
  }
  return t;
}

/**
 * Computes activations at symbolic tensors of `model` for a probe set. Built
 * once per `fit` (in onTrainBegin): it shares the model's weights, so it sees
 * the current values at every call.
 */
export class ActivationProbe {
  private readonly sub: tfl.LayersModel | null;
  /** For each requested output: the index of the model input it is, or −1 when it is computed. */
  private readonly inputIndex: number[];

  constructor(model: tfl.LayersModel, outputs: tfl.SymbolicTensor[]) {
    const inputs = model.inputs;
    // A tensor that is a model input needs no forward pass (tf.model rejects an output that is an input).
    this.inputIndex = outputs.map(o => inputs.indexOf(o));
    const computed = outputs.filter((_, i) => this.inputIndex[i] < 0);
    this.sub = computed.length > 0 ? tfl.model({inputs, outputs: computed}) : null;
  }

  /**
   * Activations for `x`, one 2-D tensor per requested output. With
   * `flatten: 'features'` (default) a `[N, d1, ..., D]` activation becomes
   * `[N, d1·…·D]` (axes after the batch flattened into features); with
   * `'samples'` it becomes `[N·d1·…, D]` (every position is a sample of a
   * D-dimensional representation). Synchronous; the caller disposes the results.
   */
  run(x: tf.Tensor | tf.Tensor[], batchSize = 256, flatten: 'features' | 'samples' = 'features'): tf.Tensor2D[] {
    return this.compute(x, batchSize, flatten) as tf.Tensor2D[];
  }

  /** As {@link run}, but each output keeps its own shape (`[N, ..., C]`). The caller disposes the results. */
  runRaw(x: tf.Tensor | tf.Tensor[], batchSize = 256): tf.Tensor[] {
    return this.compute(x, batchSize, 'none');
  }

  private compute(
    x: tf.Tensor | tf.Tensor[],
    batchSize: number,
    flatten: 'features' | 'samples' | 'none',
  ): tf.Tensor[] {
    return tf.tidy(() => {
      const computed = this.sub == null ? [] : asList(this.sub.predict(x, {batchSize}));
      const xs = Array.isArray(x) ? x : [x];
      let c = 0;
      return this.inputIndex.map(k => {
        const a = k >= 0 ? xs[k] : computed[c++];
        if (flatten === 'none') return tf.clone(a);
        return flatten === 'samples' ? flattenLeading(a) : (tf.reshape(a, [a.shape[0], -1]) as tf.Tensor2D);
      });
    });
  }
}

function asList(t: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(t) ? t : [t];
}

/** Checks a probe argument: a tensor (or list of tensors) with at least `min` samples. */
export function probeArg(value: unknown, name: string, who: string, min = 1): tf.Tensor | tf.Tensor[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0)
    throw new ValueError(`${who}: ${name} must be a tensor or a non-empty list of tensors, got [].`);
  for (const t of list) {
    tensorArg(t, name, who, {minRank: 1});
    if ((t as tf.Tensor).shape[0] < min) {
      throw new ValueError(
        `${who}: ${name} must have at least ${min} sample${min === 1 ? '' : 's'} on axis 0, got ${describe(t)}.`,
      );
    }
  }
  return value as tf.Tensor | tf.Tensor[];
}

/** Number of samples of a probe argument. */
export function probeSize(x: tf.Tensor | tf.Tensor[]): number {
  return (Array.isArray(x) ? x[0] : x).shape[0];
}

/**
 * Checks at onTrainBegin that a probe fits the model's inputs (count and
 * per-sample shape), so a mismatch fails before the first epoch.
 */
export function checkProbeAgainstModel(
  model: tfl.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  name: string,
  who: string,
): void {
  const xs = Array.isArray(x) ? x : [x];
  const inputs = model.inputs;
  if (xs.length !== inputs.length) {
    throw new ValueError(`${who}: ${name} must have one tensor per model input (${inputs.length}), got ${xs.length}.`);
  }
  xs.forEach((t, i) => {
    const want = inputs[i].shape.slice(1);
    const got = t.shape.slice(1);
    const ok = want.length === got.length && want.every((d, j) => d == null || d === got[j]);
    if (!ok) {
      throw new ValueError(
        `${who}: ${name} must have per-sample shape [${want.map(d => d ?? 'any').join(',')}] to match the model input, got ${describe(t)}.`,
      );
    }
  });
}

/** Arithmetic mean of finite values (NaN when none). */
export function finiteMean(values: number[]): number {
  const ok = values.filter(v => Number.isFinite(v));
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/** True when a schedule of "every k epochs" fires at the end of 0-based `epoch`. */
export function firesAt(epoch: number, every: number): boolean {
  return (epoch + 1) % every === 0;
}

const warned = new WeakMap<object, Set<string>>();

/**
 * `console.warn(message)` the first time `owner` (a callback instance) warns
 * with this `key`; later calls with the same key are silent. Used when a
 * default finds nothing to watch: the callback records nothing instead of
 * aborting `fit`.
 */
export function warnOnce(owner: object, key: string, message: string): void {
  let keys = warned.get(owner);
  if (keys == null) warned.set(owner, (keys = new Set()));
  if (keys.has(key)) return;
  keys.add(key);
  console.warn(message);
}

/**
 * The node of `model`'s output layer (the layer producing `model.outputs[0]`)
 * in `model`'s own graph. For a nested model used as the last layer this is
 * the outer call, not the sub-model's internal node.
 */
function outputNode(model: tfl.LayersModel): {layer: tfl.layers.Layer; inputs: tfl.SymbolicTensor[]} {
  const out = model.outputs[0];
  const layer = out.sourceLayer as tfl.layers.Layer;
  return {layer, inputs: layer.inboundNodes[out.nodeIndex].inputTensors};
}

/** Where a default representation comes from, or why there is none. */
export type DefaultFeature =
  | {ok: true; layer: tfl.layers.Layer; feature: tfl.SymbolicTensor}
  | {ok: false; layer: tfl.layers.Layer; reason: string};

/**
 * The default representation of the representation callbacks: the input of the
 * model's last layer (the layer producing the first model output), whatever its
 * class (Dense, `timeDistributed(dense)`, a KAN layer, a nested model...).
 * Not found (`ok: false` with a reason) when that layer takes several tensors
 * (e.g. a Concatenate head) or its input has an unknown feature width.
 */
export function lastLayerInput(model: tfl.LayersModel): DefaultFeature {
  const {layer, inputs} = outputNode(model);
  if (inputs.length !== 1) {
    return {
      ok: false,
      layer,
      reason: `the last layer '${layer.name}' (${layer.getClassName()}) takes ${inputs.length} input tensors`,
    };
  }
  const feature = inputs[0];
  if (feature.shape.length < 2 || feature.shape[feature.shape.length - 1] == null) {
    return {
      ok: false,
      layer,
      reason: `the input of the last layer '${layer.name}' (${layer.getClassName()}) has shape ${describe(feature.shape)}, not [batch, ..., D] with a known D`,
    };
  }
  return {ok: true, layer, feature};
}

/**
 * `[N, d1, ..., D]` → `[N·d1·…, D]`: every position of a sequence (or image)
 * becomes one sample of a D-dimensional representation (what a
 * `timeDistributed(dense)` head or a Dense on a sequence sees). Rank 2 is
 * returned unchanged (a new handle; the caller disposes both).
 */
export function flattenLeading(a: tf.Tensor): tf.Tensor2D {
  return tf.reshape(a, [-1, a.shape[a.rank - 1]]) as tf.Tensor2D;
}

/**
 * The output of the layer named `name` in `model`'s own graph. Unlike
 * `layer.output`, this works for a layer with several inbound nodes when only
 * one of them is in `model` (a nested model: its own internal node plus its
 * call in the outer model). A layer called several times in `model` (shared)
 * or with several outputs throws, naming the layer.
 */
export function layerOutputInModel(model: tfl.LayersModel, name: string, who: string): tfl.SymbolicTensor {
  const layer = layerByName(model, name, who);
  if (layer.inboundNodes.length === 1) return singleSymbolic(layer.output, `output of layer '${name}'`, who);
  // Walk back from the model outputs to find the nodes of `layer` that the model runs.
  const seen = new Set<object>();
  const mine = new Set<object>();
  const stack = [...model.outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    const node = (t.sourceLayer as tfl.layers.Layer).inboundNodes[t.nodeIndex];
    if (node == null || seen.has(node)) continue;
    seen.add(node);
    if (t.sourceLayer === layer) mine.add(node);
    stack.push(...node.inputTensors);
  }
  const nodes = layer.inboundNodes.filter(n => mine.has(n));
  if (nodes.length !== 1) {
    throw new ValueError(
      `${who}: layer '${name}' must be called once in the model to have one output, got ${nodes.length} calls.`,
    );
  }
  return singleSymbolic(nodes[0].outputTensors, `output of layer '${name}'`, who);
}
