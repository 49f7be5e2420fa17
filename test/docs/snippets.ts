/**
 * Extracts and runs the JS snippets of the docs: `@example` blocks of doc
 * comments under src/ and the ```js blocks of docs/guide/*.md and README.md. A snippet
 * runs in this process (so tensors are this tfjs's), with `require` mapping
 * `tfjs-addons` to the source tree; when its last statement is a promise
 * (an async IIFE, `x.then(...)`), it is awaited.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Snippet {
  /** Where it comes from, e.g. `src/io/file_system.ts: fileSystem`. */
  where: string;
  code: string;
  /** First line says the example cannot run in Node: it is only parsed. */
  nodeRunnable: boolean;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap(e => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const NOT_NODE = /cannot run in node|browser only|needs a browser/i;

/** Every `@example` with a fenced js block in a `/** ... *\/` comment under `src/`. */
export function sourceExamples(srcDir = path.join(ROOT, 'src')): Snippet[] {
  const out: Snippet[] = [];
  for (const file of walk(srcDir).sort()) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /\/\*\*([\s\S]*?)\*\/\s*(?:export\s+)?(?:declare\s+)?(?:async\s+)?(?:function|class|const|let|interface|type)?\s*([A-Za-z_$][\w$]*)?/g,
    )) {
      const body = m[1]
        .split('\n')
        .map(l => l.replace(/^\s*\* ?/, ''))
        .join('\n');
      const ex = body.indexOf('@example');
      if (ex < 0) continue;
      const fence = /```(?:js|javascript|ts|typescript)?\n([\s\S]*?)```/.exec(body.slice(ex));
      if (fence == null) continue;
      const code = fence[1];
      out.push({
        where: `${path.relative(ROOT, file)}: ${m[2] ?? '(anonymous)'}`,
        code,
        nodeRunnable: !NOT_NODE.test(code.split('\n')[0] ?? ''),
      });
    }
  }
  return out;
}

/** The ```js blocks of a markdown file, each with its nearest heading. */
export function markdownSnippets(file: string): Snippet[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: Snippet[] = [];
  let heading = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = /^#+\s+(.*)/.exec(lines[i]);
    if (h) heading = h[1];
    if (/^```(js|javascript)\s*$/.test(lines[i])) {
      const start = ++i;
      while (i < lines.length && !/^```\s*$/.test(lines[i])) i++;
      const code = lines.slice(start, i).join('\n');
      out.push({
        where: `${path.relative(ROOT, file)}: ${heading}`,
        code,
        nodeRunnable: !NOT_NODE.test(lines[start] ?? ''),
      });
    }
  }
  return out;
}

type Req = (name: string) => unknown;

/** Runs a snippet; returns what it printed with console.log. Throws what it throws. */
export async function runSnippet(code: string): Promise<string[]> {
  const printed: string[] = [];
  const g = globalThis as unknown as {require?: Req};
  const previousRequire = g.require;
  const previousLog = console.log;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- snippets are CommonJS code run by this process's require
  g.require = (name: string) => (name === 'tfjs-addons' ? require('../../src') : require(name));
  // A snippet may switch backends (tfa.backend.useFastest()); later tests must not inherit that.
  const previousBackend = tf.getBackend();
  console.log = (...args: unknown[]) => {
    printed.push(args.map(a => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  };
  try {
    // A block keeps each snippet's const/let declarations to itself; its
    // completion value is that of the last expression statement.
    const completion: unknown = vm.runInThisContext(`{\n${code}\n}`, {filename: 'snippet.js'});
    if (completion != null && typeof (completion as Promise<unknown>).then === 'function')
      await (completion as Promise<unknown>);
  } finally {
    console.log = previousLog;
    g.require = previousRequire;
    if (tf.getBackend() !== previousBackend) await tf.setBackend(previousBackend);
  }
  return printed;
}

/** Parses without running (for examples that say they need a browser). */
export function parseSnippet(code: string): void {
  new vm.Script(`(async () => {\n${code}\n})`, {filename: 'snippet.js'});
}
