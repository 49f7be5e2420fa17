/**
 * Bookkeeping shared by the optimizers of tfjs-addons: per-variable slots
 * keyed by variable name, name-based save/restore, config plumbing.
 */
import * as tf from '@tensorflow/tfjs-core';

import {describe, fail, finiteNumber, ValueError} from '../validate';
import {type LearningRate, LearningRateSchedule} from './schedules';

/** `{name, tensor}` as tfjs-core's (unexported) NamedTensor. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** A variable gradient as tfjs passes it to `applyGradients`. */
export interface VariableGradient {
  name: string;
  gradient: tf.Tensor;
  variable: tf.Variable;
}

/**
 * tfjs gives a reloaded model's variables a uniqueness suffix when the names
 * are taken (`dense_Dense1/kernel` → `dense_Dense1/kernel_1`); state saved
 * under one spelling must bind to the other.
 */
export function canonicalName(name: string): string {
  return name.replace(/_\d+$/, '');
}

/**
 * How well a live variable name matches a saved one: 0 the same name;
 * 1 the live name is the saved one plus tfjs' `_<n>` suffix; 2 both are the
 * same name up to one such suffix each (a reload of a reload); -1 no match.
 */
export function matchRank(live: string, saved: string): number {
  if (live === saved) return 0;
  if (canonicalName(live) === saved) return 1;
  if (canonicalName(live) === canonicalName(saved)) return 2;
  return -1;
}

/** The saved name that best matches `live`, or null; throws when the best match is ambiguous. */
export function bestMatch(live: string, saved: string[], what: string): string | null {
  const ranked = saved.map(s => ({s, rank: matchRank(live, s)})).filter(x => x.rank >= 0);
  if (ranked.length === 0) return null;
  const best = Math.min(...ranked.map(x => x.rank));
  const hits = ranked.filter(x => x.rank === best);
  if (hits.length > 1) throw new ValueError(`${what} is ambiguous: ${hits.map(h => h.s).join(', ')}.`);
  return hits[0].s;
}

/**
 * Base class of AdamW, Muon and SPECTRA.
 *
 * - State is a map variable name → slot name → non-trainable, unnamed
 *   `tf.Variable`, in first-seen order; slots are created lazily and updated
 *   with `assign`.
 * - `getWeights()` = `[iter, …each variable's slots as "<var>/<slot>"]`.
 * - `setWeights()` restores by name, not position: an entry binds to the
 *   variable of the same name, or of the same name up to tfjs' `_<n>`
 *   uniqueness suffix; entries for variables not seen yet wait until the
 *   variable's first update. What it replaces is disposed.
 * - `fromConfig` drops the `customObjects` key tfjs injects and restores a
 *   serialized `learningRate` (number or schedule).
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const opt = tfa.optimizers.adamw({learningRate: 0.1});
 * const w = tf.variable(tf.zeros([2]), true, 'w_example');
 * opt.minimize(() => tf.sum(tf.square(tf.sub(w, 1))));
 * opt.getWeights().then(ws => {
 *   console.log(opt instanceof tfa.optimizers.SlotOptimizer, ws.map(x => x.name)); // true ['iter', 'w_example/m', 'w_example/v']
 *   w.dispose(); // frees the variable name
 * });
 * ```
 */
export abstract class SlotOptimizer extends tf.Optimizer {
  private readonly state = new Map<string, Map<string, tf.Variable>>();
  private readonly pending = new Map<string, tf.Tensor>();

  /** The owner named in error messages (the factory's name). */
  protected abstract readonly who: string;

  /** The gradients of one `applyGradients` call, with their variables, skipping null gradients. */
  protected gradientList(grads: tf.NamedTensorMap | NamedTensor[]): VariableGradient[] {
    const list = Array.isArray(grads) ? grads : Object.keys(grads).map(name => ({name, tensor: grads[name]}));
    const out: VariableGradient[] = [];
    for (const {name, tensor} of list) {
      if (tensor == null) continue; // non-trainable or not connected to the loss
      const variable = tf.engine().registeredVariables[name];
      if (variable == null) throw new ValueError(`${this.who}: no registered variable named '${name}'.`);
      out.push({name, gradient: tensor, variable});
    }
    return out;
  }

  /** The named slot of variable `name` (shape of `like`), created as zeros or from restored state. */
  protected slot(name: string, slotName: string, like: tf.Tensor): tf.Variable {
    let slots = this.state.get(name);
    if (slots == null) {
      slots = new Map();
      this.state.set(name, slots);
    }
    let v = slots.get(slotName);
    if (v == null) {
      const restored = this.takePending(name, slotName);
      if (restored != null && restored.shape.join() !== like.shape.join()) {
        restored.dispose();
        throw new ValueError(
          `${this.who}: restored state '${name}/${slotName}' has shape [${restored.shape}], ` +
            `but the variable has shape [${like.shape}].`,
        );
      }
      v = tf.tidy(() => (restored ?? tf.zerosLike(like)).variable(false));
      restored?.dispose();
      slots.set(slotName, v);
    }
    return v;
  }

  private takePending(name: string, slotName: string): tf.Tensor | null {
    const keys = [...this.pending.keys()].filter(k => splitWeightName(k).slot === slotName);
    const key = bestMatch(
      name,
      keys.map(k => splitWeightName(k).variable),
      `${this.who}: restored state for '${name}/${slotName}'`,
    );
    if (key == null) return null;
    const full = `${key}/${slotName}`;
    const t = this.pending.get(full)!;
    this.pending.delete(full);
    return t;
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, slots] of this.state) {
      for (const [slotName, v] of slots) out.push({name: `${name}/${slotName}`, tensor: v});
    }
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    for (const t of this.pending.values()) t.dispose();
    this.pending.clear();
    for (const {name, tensor} of rest) {
      const {variable, slot} = splitWeightName(name);
      const live = this.findLive(variable);
      const existing = live == null ? undefined : this.state.get(live)?.get(slot);
      if (live != null && existing != null) {
        if (existing.shape.join() !== tensor.shape.join()) {
          throw new ValueError(
            `${this.who}: restored state '${name}' has shape [${tensor.shape}], but the slot has shape [${existing.shape}].`,
          );
        }
        const replacement = tf.tidy(() => tensor.clone().variable(false));
        existing.dispose();
        this.state.get(live)!.set(slot, replacement);
      } else {
        this.pending.set(name, tensor.clone()); // the loader disposes its tensors after setWeights
      }
    }
  }

  /** The name in `state` of the live variable that `saved` refers to (see {@link bestMatch}). */
  private findLive(saved: string): string | null {
    const live = [...this.state.keys()];
    if (live.includes(saved)) return saved;
    const byRank = live.map(l => ({l, rank: matchRank(l, saved)})).filter(x => x.rank >= 0);
    const best = Math.min(...byRank.map(x => x.rank));
    const hits = byRank.filter(x => x.rank === best);
    return hits.length === 1 ? hits[0].l : null;
  }

  override dispose(): void {
    super.dispose();
    for (const slots of this.state.values()) for (const v of slots.values()) v.dispose();
    this.state.clear();
    for (const t of this.pending.values()) t.dispose();
    this.pending.clear();
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const {customObjects: _ignored, learningRate, ...own} = config;
    const who = (cls as unknown as {className?: string}).className ?? 'optimizer';
    return new cls(
      learningRate == null ? own : {...own, learningRate: deserializeLearningRate(learningRate, 'learningRate', who)},
    );
  }
}

/** Splits `"<variable>/<slot>"` at the last slash. */
export function splitWeightName(name: string): {variable: string; slot: string} {
  const i = name.lastIndexOf('/');
  return i < 0 ? {variable: name, slot: ''} : {variable: name.slice(0, i), slot: name.slice(i + 1)};
}

/** `[prod(shape[:-1]), shape[-1]]`: the `[fanIn, fanOut]` view of a tfjs kernel (Dense `[in,out]`, Conv `[kh,kw,in,out]`). */
export function matrixView(shape: number[]): [number, number] {
  const fanOut = shape[shape.length - 1];
  return [shape.slice(0, -1).reduce((a, b) => a * b, 1), fanOut];
}

/** Checks an optimizer's `learningRate` argument (number ≥ 0, schedule or function). */
export function checkLearningRate(value: unknown, name: string, who: string): LearningRate {
  if (typeof value === 'function') return value as (step: number) => number;
  if (value instanceof LearningRateSchedule) return value;
  return finiteNumber(value, name, who, {min: 0});
}

/** The learning rate at `step`; throws if a schedule or function returns a bad value. */
export function learningRateAt(lr: LearningRate, step: number, name: string, who: string): number {
  if (typeof lr === 'number') return lr;
  const v = typeof lr === 'function' ? lr(step) : lr.value(step);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ValueError(
      `${who}: ${name} must give a finite number >= 0 at every step, got ${describe(v)} at step ${step}.`,
    );
  }
  return v;
}

/** `learningRate` for getConfig: a number or `{className, config}`; a bare function throws. */
export function serializeLearningRate(lr: LearningRate, name: string, who: string): tf.serialization.ConfigDictValue {
  if (typeof lr === 'number') return lr;
  if (typeof lr === 'function') {
    throw new ValueError(
      `${who}: ${name} is a plain function, which cannot be serialized. Use a schedule from ` +
        'tfa.optimizers.schedules (cosine, linearWarmup, exponentialDecay, piecewiseConstant) to save ' +
        'the optimizer; model.save without includeOptimizer works either way.',
    );
  }
  return {className: lr.getClassName(), config: lr.getConfig()};
}

/** Inverse of {@link serializeLearningRate}: a number, or a registered schedule class. */
export function deserializeLearningRate(value: unknown, name: string, who: string): LearningRate {
  if (typeof value === 'number') return value;
  if (value instanceof LearningRateSchedule || typeof value === 'function') return value as LearningRate;
  const dict = value as {className?: unknown; config?: unknown} | null;
  if (dict != null && typeof dict.className === 'string' && dict.config != null) {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[dict.className];
    if (entry != null) {
      const [cls, fromConfig] = entry;
      const {customObjects: _c, ...config} = dict.config as tf.serialization.ConfigDict;
      const schedule = fromConfig(cls, config);
      if (schedule instanceof LearningRateSchedule) return schedule;
    }
  }
  return fail(who, name, 'a number or a registered learning-rate schedule', value);
}
