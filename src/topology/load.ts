import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { UsageError } from '../errors';
import * as z from '../schema';
import { mergeFiles } from './merge';
import {
  type RawTopology,
  rawBridgeListSchema,
  rawBridgeMapSchema,
  rawTopologySchema,
  type Topology,
} from './spec';
import { validateTopology } from './validate';
import { interpolateDoc, pathText } from './vars';

export interface LoadResult {
  topology: Topology;
  /** Every problem found, each `FILE: path: what`. Empty when the topology is usable. */
  errors: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** A topology file's contents, named as the user named the file (for messages only). */
export interface TopologySource {
  name: string;
  content: string;
}

/** A file's contents, or why it could not be read. */
export type SourceOrError = TopologySource | { name: string; error: string };

/** Read topology files (each unreadable one is its error, so a check can report them all). */
export function readSources(files: readonly string[]): SourceOrError[] {
  return files.map((name) => {
    try {
      return { name, content: readFileSync(name, 'utf8') };
    } catch (err) {
      return { name, error: `${name}: cannot read: ${(err as Error).message}` };
    }
  });
}

/** One file: YAML or JSON (JSON is YAML), variables substituted, structure checked. */
export async function readTopologyFile(file: string, env: Env): Promise<RawTopology> {
  const [src] = readSources([file]);
  if (!src || 'error' in src) throw new UsageError(src?.error ?? `${file}: cannot read`);
  return parseTopologyText(src, env);
}

/** One file's contents: YAML or JSON, variables substituted, structure checked. */
export function parseTopologyText(src: TopologySource, env: Env): RawTopology {
  const { name: file, content: text } = src;
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) throw new UsageError(`${file}: ${syntax.message.split('\n')[0]}`);
  const varErrors: string[] = [];
  const data = interpolateDoc(doc.toJS() ?? {}, env, file, varErrors);
  const r = z.safeParse(rawTopologySchema, data);
  const rawBridges = (data as { bridges?: unknown } | null)?.bridges;
  const b = z.safeParse(
    Array.isArray(rawBridges) ? rawBridgeListSchema : rawBridgeMapSchema,
    rawBridges ?? {},
  );
  const issues = [
    ...(r.error?.issues ?? []),
    ...(b.error?.issues ?? []).map((i) => ({ ...i, path: ['bridges', ...i.path] })),
  ];
  if (!r.success || !b.success || varErrors.length) {
    throw new UsageError(
      [
        ...varErrors,
        ...issues.map((i) => {
          const where = pathText(i.path) || '(top level)';
          const keys = (i as { keys?: string[] }).keys;
          if (keys?.length)
            return `${file}: ${where}: unknown key ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
          return `${file}: ${where}: ${i.message}`;
        }),
      ].join('\n'),
    );
  }
  const bridges = Array.isArray(b.data)
    ? Object.fromEntries(b.data.map((x) => [x.bridge, { mode: x.mode }]))
    : b.data;
  return {
    namespace: r.data.namespace,
    links: r.data.links ?? [],
    bridges,
    tunnels: r.data.tunnels ?? [],
    commands: r.data.commands ?? [],
  };
}

/** Read, merge and validate topology files (in order: later files win). */
export async function loadTopology(files: readonly string[], env: Env = process.env): Promise<LoadResult> {
  if (files.length === 0) throw new UsageError('no topology file given');
  return loadSources(readSources(files), env);
}

/**
 * Merge and validate topology files given by their contents (what the daemon gets: it never
 * reads a client's paths). Every problem is collected, in file order.
 */
export function loadSources(sources: readonly SourceOrError[], env: Env): LoadResult {
  if (sources.length === 0) throw new UsageError('no topology file given');
  const raws: { file: string; raw: RawTopology }[] = [];
  const errors: string[] = [];
  for (const src of sources) {
    if ('error' in src) {
      errors.push(src.error);
      continue;
    }
    try {
      raws.push({ file: src.name, raw: parseTopologyText(src, env) });
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      errors.push(...err.message.split('\n'));
    }
  }
  const merged = mergeFiles(raws);
  const v = validateTopology(merged);
  return { topology: v.topology, errors: [...errors, ...v.errors] };
}

/** A topology that must be valid: the first problem is the error (check prints them all). */
export async function loadValidTopology(files: readonly string[], env: Env = process.env): Promise<Topology> {
  if (files.length === 0) throw new UsageError('no topology file given');
  return validOnly(loadSources(readSources(files), env));
}

/** loadSources for a topology that must be valid. */
export function loadValidSources(sources: readonly SourceOrError[], env: Env): Topology {
  return validOnly(loadSources(sources, env));
}

function validOnly({ topology, errors }: LoadResult): Topology {
  if (errors.length) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more: circuit topology check)` : '';
    throw new UsageError(`${errors[0]}${more}`);
  }
  return topology;
}
