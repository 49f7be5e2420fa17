import {execFileSync} from 'child_process';
import * as path from 'path';

/**
 * Names among `names` that plain @tensorflow/tfjs (without tfjs-addons)
 * registers, read in a child process so our own registrations cannot interfere.
 */
export function registeredByPlainTfjs(names: string[]): string[] {
  const code =
    "const tf = require('@tensorflow/tfjs');" +
    'const m = tf.serialization.SerializationMap.getMap().classNameMap;' +
    `console.log(JSON.stringify(${JSON.stringify(names)}.filter(n => n in m)));`;
  const out = execFileSync(process.execPath, ['-e', code], {
    cwd: path.resolve(__dirname, '..', '..'),
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as string[];
}
