/**
 * CSV logging of epoch logs, as Keras' `CSVLogger`.
 */
import * as tfl from '@tensorflow/tfjs-layers';

import {appendTextFile, textFileSize, writeTextFile} from '../io/text_sink';
import {ValueError, bool, describe} from '../validate';
import {type CallbackLogs, resolveLogs} from './common';

/** Arguments of {@link CsvLogger}. */
export interface CsvLoggerArgs {
  /** Path of the CSV file (Node only). Required. */
  path: string;
  /** Field separator, a single character. Default `','`. */
  separator?: string;
  /** Append to an existing file (header written only if it is empty) instead of replacing it. Default false. */
  append?: boolean;
}

const DEFAULTS = {separator: ',', append: false} as const;
const WHO = 'csvLogger';

/**
 * Writes one CSV row per epoch: `epoch` then the epoch-log keys, sorted, as
 * fixed at the first epoch (Keras `CSVLogger`). Keys missing in a later epoch
 * are written as `NA`; keys that appear later are not added. Every row is
 * flushed when written. Place it after callbacks that add keys (`dseMonitor`,
 * …) so their values are in the logs it sees.
 *
 * Follows: keras-team/keras `keras/src/callbacks/csv_logger.py`, `CSVLogger`.
 * Deviations:
 * - Node only (it writes a file through `fs`); in a browser use `history` or a
 *   callback's `onRecord`.
 * - Numbers are written with JS `String(x)` (shortest round-trip form), not
 *   Python's repr; NaN is written as `NaN`.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const path = require('os').tmpdir() + '/tfa-example-csv-logger.csv';
 * const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2]})]});
 * model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
 * model.fit(tf.ones([4, 2]), tf.ones([4, 1]), {epochs: 2, verbose: 0, callbacks: [new tfa.callbacks.CsvLogger({path})]})
 *   .then(() => console.log(require('fs').readFileSync(path, 'utf8').split('\n')[0])); // epoch,loss
 * ```
 */
export class CsvLogger extends tfl.Callback {
  readonly path: string;
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | null = null;

  constructor(args: CsvLoggerArgs) {
    super();
    if (args == null || typeof args.path !== 'string' || args.path.length === 0) {
      throw new ValueError(`${WHO}: path must be a non-empty string, got ${describe(args?.path)}.`);
    }
    this.path = args.path;
    const sep = args.separator ?? DEFAULTS.separator;
    if (typeof sep !== 'string' || sep.length !== 1 || sep === '"' || sep === '\n') {
      throw new ValueError(
        `${WHO}: separator must be a single character other than '"' and newline, got ${describe(sep)}.`,
      );
    }
    this.separator = sep;
    this.append = bool(args.append ?? DEFAULTS.append, 'append', WHO);
  }

  override async onTrainBegin(): Promise<void> {
    this.keys = null;
    if (!this.append) writeTextFile(this.path, '', WHO);
  }

  override async onEpochEnd(epoch: number, logs?: CallbackLogs): Promise<void> {
    const values = await resolveLogs(logs);
    if (this.keys == null) {
      this.keys = Object.keys(values).sort();
      if (textFileSize(this.path, WHO) === 0) this.write(['epoch', ...this.keys]);
    }
    this.write([String(epoch), ...this.keys.map(k => (k in values ? String(values[k]) : 'NA'))]);
  }

  private write(cells: string[]): void {
    appendTextFile(this.path, cells.map(c => this.quote(c)).join(this.separator) + '\n', WHO);
  }

  private quote(cell: string): string {
    return cell.includes(this.separator) || cell.includes('"') || cell.includes('\n')
      ? `"${cell.replace(/"/g, '""')}"`
      : cell;
  }
}

/**
 * Writes epoch logs to a Keras-style CSV file; details on {@link CsvLogger}.
 * @example
 * ```js
 * const tf = require('@tensorflow/tfjs');
 * const tfa = require('tfjs-addons');
 * const path = require('os').tmpdir() + '/tfa-example-log.csv';
 * const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [2]})]});
 * model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
 * model.fit(tf.ones([8, 2]), tf.ones([8, 1]), {epochs: 2, verbose: 0,
 *   callbacks: [tfa.callbacks.csvLogger({path})]})
 *   .then(() => console.log(require('fs').readFileSync(path, 'utf8'))); // epoch,loss / 0,… / 1,…
 * ```
 * @see CsvLogger
 */
export function csvLogger(args: CsvLoggerArgs): CsvLogger {
  return new CsvLogger(args);
}
