/**
 * Wraps a callback so that an error in it (a monitor whose dependency has not
 * landed, a numerical failure) is reported once and the callback is switched
 * off, instead of aborting the training run it only observes.
 */
import * as tf from '@tensorflow/tfjs';

type Logs = {[key: string]: number | tf.Scalar} | undefined;
type Hook = 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd';

export class GuardedCallback extends tf.Callback {
  failure: string | null = null;

  constructor(
    readonly inner: tf.CustomCallback | tf.Callback,
    readonly label: string,
    private readonly onFailure: (label: string, message: string) => void,
  ) {
    super();
  }

  override setModel(model: tf.LayersModel): void {
    super.setModel(model);
    this.inner.setModel(model);
  }

  override setParams(params: tf.CustomCallbackArgs | Record<string, unknown>): void {
    super.setParams(params as never);
    this.inner.setParams(params as never);
  }

  private async call(hook: Hook, ...args: [number, Logs] | [Logs]): Promise<void> {
    if (this.failure != null) return;
    try {
      const fn = (this.inner as unknown as Record<Hook, (...a: unknown[]) => Promise<void>>)[hook];
      await fn.apply(this.inner, args);
    } catch (e) {
      this.failure = (e as Error).message.split('\n')[0];
      this.onFailure(this.label, this.failure);
    }
  }

  override onTrainBegin(logs?: Logs): Promise<void> {
    return this.call('onTrainBegin', logs);
  }
  override onTrainEnd(logs?: Logs): Promise<void> {
    return this.call('onTrainEnd', logs);
  }
  override onEpochBegin(epoch: number, logs?: Logs): Promise<void> {
    return this.call('onEpochBegin', epoch, logs);
  }
  override onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    return this.call('onEpochEnd', epoch, logs);
  }
  override onBatchBegin(batch: number, logs?: Logs): Promise<void> {
    return this.call('onBatchBegin', batch, logs);
  }
  override onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    return this.call('onBatchEnd', batch, logs);
  }
}
