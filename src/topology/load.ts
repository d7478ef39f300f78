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

/** One file: YAML or JSON (JSON is YAML), variables substituted, structure checked. */
export async function readTopologyFile(file: string, env: Env): Promise<RawTopology> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
  }
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
  const raws: { file: string; raw: RawTopology }[] = [];
  const errors: string[] = [];
  for (const file of files) {
    try {
      raws.push({ file, raw: await readTopologyFile(file, env) });
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
  const { topology, errors } = await loadTopology(files, env);
  if (errors.length) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more: circuit topology check)` : '';
    throw new UsageError(`${errors[0]}${more}`);
  }
  return topology;
}
