/**
 * A live progress bar for `model.fit`, one line per run: epoch, batch, running
 * loss and accuracy, elapsed time and ETA, redrawn in place with `\r` on a
 * terminal; on a pipe or file (not a TTY) it degrades to one log line per
 * epoch plus a line at each quarter of the epoch.
 */
import * as tf from '@tensorflow/tfjs';

type Logs = {[key: string]: number | tf.Scalar} | undefined;

/** A plain number from a tfjs log value (batch logs hold Scalars until after onBatchEnd). */
export function logValue(logs: Logs, key: string): number | undefined {
  const v = logs?.[key];
  if (v == null) return undefined;
  return typeof v === 'number' ? v : v.dataSync()[0];
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

export interface ProgressOptions {
  label: string;
  epochs: number;
  batchesPerEpoch: number;
  /** Epoch-log keys to print at the end of each epoch, with their display names. */
  epochKeys?: Array<[key: string, name: string]>;
  stream?: NodeJS.WriteStream;
  /** Force line mode (default: line mode when the stream is not a TTY). */
  lines?: boolean;
}

export class ProgressBar extends tf.Callback {
  private readonly opts: Required<Omit<ProgressOptions, 'lines'>> & {lines: boolean};
  private start = 0;
  private epochStart = 0;
  private epoch = 0;
  private done = 0;
  private lossSum = 0;
  private accSum = 0;
  private seen = 0;
  private lastDraw = 0;
  private lastQuarter = 0;
  private lastBatchEnd = 0;
  private epochCpu = process.cpuUsage();
  private lastBatchCpu = process.cpuUsage();
  /** Wall time per epoch, ms: whole epoch (incl. validation and the callbacks before this one) and training batches only. */
  readonly epochTimes: number[] = [];
  readonly trainTimes: number[] = [];
  /** Process CPU time (user + system, ms) of the training batches per epoch: less sensitive than wall time to other load on the machine. */
  readonly trainCpuTimes: number[] = [];

  constructor(opts: ProgressOptions) {
    super();
    const stream = opts.stream ?? process.stdout;
    this.opts = {
      epochKeys: [],
      ...opts,
      stream,
      lines: opts.lines ?? !stream.isTTY,
    };
  }

  override async onTrainBegin(): Promise<void> {
    this.start = performance.now();
    this.done = 0;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.epochStart = performance.now();
    this.epochCpu = process.cpuUsage();
    this.lossSum = 0;
    this.accSum = 0;
    this.seen = 0;
    this.lastQuarter = 0;
  }

  override async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    this.done++;
    this.seen++;
    this.lastBatchEnd = performance.now();
    this.lastBatchCpu = process.cpuUsage();
    this.lossSum += logValue(logs, 'loss') ?? NaN;
    this.accSum += logValue(logs, 'acc') ?? logValue(logs, 'accuracy') ?? NaN;
    const now = performance.now();
    if (this.opts.lines) {
      const quarter = Math.floor((4 * (batch + 1)) / this.opts.batchesPerEpoch);
      if (quarter > this.lastQuarter && quarter < 4) {
        this.lastQuarter = quarter;
        this.opts.stream.write(`${this.status(batch + 1, now)}\n`);
      }
    } else if (now - this.lastDraw > 100 || batch + 1 === this.opts.batchesPerEpoch) {
      this.lastDraw = now;
      this.draw(`${this.status(batch + 1, now)}`);
    }
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    const ms = performance.now() - this.epochStart;
    this.epochTimes.push(ms);
    this.trainTimes.push(this.lastBatchEnd - this.epochStart);
    const cpu = process.cpuUsage(this.epochCpu);
    const tail = process.cpuUsage(this.lastBatchCpu);
    this.trainCpuTimes.push((cpu.user + cpu.system - tail.user - tail.system) / 1000);
    const parts = [
      `${this.opts.label.padEnd(12)} epoch ${epoch + 1}/${this.opts.epochs}`,
      `loss ${(logValue(logs, 'loss') ?? NaN).toFixed(4)}`,
      `acc ${(logValue(logs, 'acc') ?? NaN).toFixed(4)}`,
    ];
    for (const [key, name] of this.opts.epochKeys) {
      const v = logValue(logs, key);
      parts.push(`${name} ${v == null ? 'n/a' : v.toFixed(4)}`);
    }
    parts.push(`(${(ms / 1000).toFixed(1)} s)`);
    if (this.opts.lines) this.opts.stream.write(`${parts.join('  ')}\n`);
    else this.draw(parts.join('  '), true);
  }

  private status(batch: number, now: number): string {
    const total = this.opts.epochs * this.opts.batchesPerEpoch;
    const elapsed = now - this.start;
    const eta = (elapsed / this.done) * (total - this.done);
    const head = `${this.opts.label.padEnd(12)} epoch ${this.epoch + 1}/${this.opts.epochs} `;
    const tail =
      `${String(batch).padStart(String(this.opts.batchesPerEpoch).length)}/${this.opts.batchesPerEpoch}` +
      ` loss ${(this.lossSum / this.seen).toFixed(4)} acc ${(this.accSum / this.seen).toFixed(4)}` +
      ` ${formatDuration(elapsed)} ETA ${formatDuration(eta)}`;
    if (this.opts.lines) return head + tail;
    // The bar takes what the terminal has left (10 to 30 cells), so the line never wraps.
    const cols = this.opts.stream.columns > 0 ? this.opts.stream.columns : 120; // 0 when the tty reports no size
    const width = Math.max(10, Math.min(30, cols - 1 - head.length - tail.length - 3));
    const filled = Math.round((width * batch) / this.opts.batchesPerEpoch);
    return `${head}[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${tail}`;
  }

  private draw(text: string, final = false): void {
    // A live line must fit (or \r cannot overwrite it); the final line of an epoch may wrap.
    const cols = this.opts.stream.columns > 0 ? this.opts.stream.columns : 120; // 0 when the tty reports no size
    const line = !final && text.length > cols - 1 ? text.slice(0, cols - 1) : text;
    this.opts.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
  }
}
