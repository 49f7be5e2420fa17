/**
 * Small text-file helpers for callbacks (JSON Lines, CSV) and plots (SVG).
 *
 * Node only: `fs` is loaded lazily on first use, so importing tfjs-addons in a
 * browser never pulls it in; calling these there throws a ValueError that
 * points to the in-memory alternatives (`onRecord`, the returned SVG string).
 */
import {ValueError} from '../validate';

type NodeFs = typeof import('fs');
type NodePath = typeof import('path');

function nodeFs(who: string): {fs: NodeFs; path: NodePath} {
  const req = typeof require === 'function' ? require : undefined;
  if (req == null || typeof process === 'undefined' || process.versions?.node == null) {
    throw new ValueError(
      `${who}: writing files needs Node.js (fs); in a browser pass onRecord, or use the returned string.`,
    );
  }
  return {fs: req('fs') as NodeFs, path: req('path') as NodePath};
}

/** Appends `text` to the file at `path` (created with its directory if missing); synchronous, so every call is flushed. */
export function appendTextFile(path: string, text: string, who: string): void {
  const {fs, path: p} = nodeFs(who);
  fs.mkdirSync(p.dirname(p.resolve(path)), {recursive: true});
  fs.appendFileSync(path, text, 'utf8');
}

/** Writes (replaces) the file at `path`, creating its directory if missing. */
export function writeTextFile(path: string, text: string, who: string): void {
  const {fs, path: p} = nodeFs(who);
  fs.mkdirSync(p.dirname(p.resolve(path)), {recursive: true});
  fs.writeFileSync(path, text, 'utf8');
}

/** Reads a UTF-8 file; throws a ValueError naming the path when it is missing. */
export function readTextFile(path: string, who: string): string {
  const {fs} = nodeFs(who);
  if (!fs.existsSync(path)) throw new ValueError(`${who}: no file at '${path}'.`);
  return fs.readFileSync(path, 'utf8');
}

/** Size of the file in bytes, 0 when it does not exist. */
export function textFileSize(path: string, who: string): number {
  const {fs} = nodeFs(who);
  return fs.existsSync(path) ? fs.statSync(path).size : 0;
}
