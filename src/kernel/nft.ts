/** The one renderer and runner of "replace an nftables table atomically". */
import type { Runner } from '../runner';
import type { NetnsPath } from './netns';
import { observeIfPresent, runStep, type Step } from './step';

export type NftFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

export interface NftTable {
  family: NftFamily;
  name: string;
  /** The namespace the table lives in (the host's when undefined). */
  netns?: NetnsPath;
}

/**
 * One `nft -f` script that creates the table if missing, deletes it, and (with `body`, the lines
 * inside `table F N { ... }`) re-creates it: a single transaction, so the table is never seen
 * half-built and nothing outside it is touched. Without a body (or an empty one) the table is
 * simply removed; the script succeeds whether or not the table existed.
 */
export function nftTableScript(family: NftFamily, name: string, body?: readonly string[]): string {
  const lines = [`table ${family} ${name}`, `delete table ${family} ${name}`];
  if (body && body.length > 0) lines.push(`table ${family} ${name} {`, ...body, '}');
  return `${lines.join('\n')}\n`;
}

/** The step that replaces (or, without a body, removes) a table. */
export function nftReplaceStep(t: NftTable, body?: readonly string[]): Step {
  return { argv: ['nft', '-f', '-'], netns: t.netns, input: nftTableScript(t.family, t.name, body) };
}

/** Replace a table's whole content in one transaction (remove it when `body` is empty). */
export async function replaceNftTable(run: Runner, t: NftTable, body?: readonly string[]): Promise<void> {
  await runStep(run, nftReplaceStep(t, body));
}

/**
 * Remove a table. Idempotent; a namespace that is gone (and the table with it) is fine too.
 */
export async function deleteNftTable(run: Runner, t: NftTable): Promise<void> {
  await runStep(run, { ...nftReplaceStep(t), tolerate: 'gone' });
}

/** `nft -j list table`: the JSON text, or undefined when the table does not exist. */
export function listNftTable(run: Runner, t: NftTable): Promise<string | undefined> {
  return observeIfPresent(run, { argv: ['nft', '-j', 'list', 'table', t.family, t.name], netns: t.netns });
}
