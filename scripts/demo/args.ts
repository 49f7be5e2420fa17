/**
 * Command-line options of the demo and bench. `npm run demo --quick` passes
 * `--quick` to npm, not to the script (npm turns it into npm_config_quick),
 * so both spellings are read: `npm run demo -- --quick` and `npm run demo --quick`.
 */
export interface CliOptions {
  quick: boolean;
  epochs: number | null;
  backend: string | null;
  seed: number;
  out: string;
  png: boolean;
  only: string[] | null;
}

function npmConfig(name: string): string | undefined {
  const v = process.env[`npm_config_${name}`];
  return v == null || v === '' ? undefined : v;
}

function intArg(name: string, raw: string | undefined, min: number): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min)
    throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return v;
}

export function parseArgs(argv: string[] = process.argv.slice(2)): CliOptions {
  const opts: CliOptions = {
    quick: npmConfig('quick') === 'true',
    epochs: npmConfig('epochs') != null ? intArg('epochs', npmConfig('epochs'), 1) : null,
    backend: npmConfig('backend') ?? null,
    seed: npmConfig('seed') != null ? intArg('seed', npmConfig('seed'), 0) : 0,
    out: 'demo-out',
    png: npmConfig('png') === 'true',
    only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = (): string => inline ?? argv[++i];
    switch (flag) {
      case '--quick':
        opts.quick = true;
        break;
      case '--png':
        opts.png = true;
        break;
      case '--epochs':
        opts.epochs = intArg('epochs', value(), 1);
        break;
      case '--seed':
        opts.seed = intArg('seed', value(), 0);
        break;
      case '--backend':
        opts.backend = value();
        break;
      case '--out':
        opts.out = value();
        break;
      case '--only':
        opts.only = value().split(',');
        break;
      case '--help':
      case '-h':
        console.log(
          'options: --quick  --epochs N  --backend cpu|wasm|tensorflow  --seed N  --out DIR  --only run1,run2  --png',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${argv[i]} (try --help)`);
    }
  }
  return opts;
}
