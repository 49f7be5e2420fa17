/**
 * Node file helpers of `tfa.plots`: save an SVG string, read a JSON Lines log.
 */
import type {MetricRecord} from '../callbacks/common';
import {readTextFile, writeTextFile} from '../io/text_sink';
import {ValueError, describe} from '../validate';
import {parseJsonLines} from './curves';

/**
 * Writes an SVG string to `path` (Node only; directories are created).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const path = require('os').tmpdir() + '/tfa-example-curves.svg';
 * tfa.plots.saveSvg(path, tfa.plots.metricCurves({history: {loss: [1, 0.5]}}));
 * console.log(require('fs').existsSync(path)); // true
 * ```
 */
export function saveSvg(path: string, svg: string): void {
  if (typeof svg !== 'string' || !svg.trimStart().startsWith('<svg')) {
    throw new ValueError(`saveSvg: svg must be an SVG document string, got ${describe(svg)}.`);
  }
  writeTextFile(path, svg, 'saveSvg');
}

/**
 * Reads a JSON Lines log written by a callback's `logFile` (Node only).
 * @example
 * ```js
 * const tfa = require('tfjs-addons');
 * const path = require('os').tmpdir() + '/tfa-example-records.jsonl';
 * require('fs').writeFileSync(path, '{"epoch":0,"dse":2.5}\n{"epoch":1,"dse":2.75}\n'); // as a callback's logFile
 * console.log(tfa.plots.readRecords(path).map(r => r.dse)); // [2.5, 2.75]
 * ```
 */
export function readRecords(path: string): MetricRecord[] {
  return parseJsonLines(readTextFile(path, 'readRecords'));
}
