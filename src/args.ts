import minimist from 'minimist';
import { UsageError } from './errors';

export const GLOBAL_STRING = ['state-dir', 'runc-root', 'cni-path', 'address'] as const;
export const GLOBAL_BOOLEAN = ['debug', 'json', 'help'] as const;

export interface FlagSpec {
  string?: readonly string[];
  boolean?: readonly string[];
  /** String flags that may be given more than once (collected in order). */
  multi?: readonly string[];
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
}

/** minimist with a closed set of flags: unknown flags and repeated values are usage errors. */
export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const multi = spec.multi ?? [];
  const strings = [...GLOBAL_STRING, ...(spec.string ?? []), ...multi];
  const booleans = [...GLOBAL_BOOLEAN, ...(spec.boolean ?? [])];
  const known = new Set<string>([...strings, ...booleans, '_']);
  let unknown: string | undefined;
  const parsed = minimist(argv, {
    string: strings,
    boolean: booleans,
    unknown: (a) => {
      if (a.startsWith('-')) unknown ??= a;
      return true;
    },
  });
  if (unknown) throw new UsageError(`unknown flag ${unknown.split('=')[0]}`);
  const flags: ParsedArgs['flags'] = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (k === '_') continue;
    if (!known.has(k)) throw new UsageError(`unknown flag --${k}`);
    if (multi.includes(k)) {
      const all = (Array.isArray(v) ? v : [v]).map(String);
      if (all.some((x) => x === '')) throw new UsageError(`flag --${k} needs a value`);
      flags[k] = all;
      continue;
    }
    if (Array.isArray(v)) throw new UsageError(`flag --${k} given more than once`);
    if (strings.includes(k) && typeof v === 'string' && v === '' && argv.some((a) => a === `--${k}`)) {
      throw new UsageError(`flag --${k} needs a value`);
    }
    flags[k] = v as string | boolean;
  }
  for (const b of booleans) if (flags[b] === false) delete flags[b];
  for (const s of strings) if (flags[s] === undefined || flags[s] === '') delete flags[s];
  for (const m of multi) flags[m] ??= [];
  return { positional: parsed._.map(String), flags };
}

export function str(flags: ParsedArgs['flags'], name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(flags: ParsedArgs['flags'], name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function expectPositional(args: ParsedArgs, min: number, max: number, usage: string): string[] {
  const p = args.positional;
  if (p.length < min || p.length > max) throw new UsageError(`usage: ${usage}`);
  return p;
}
