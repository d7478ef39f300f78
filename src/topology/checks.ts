/** What every topology check shares: where problems go, and the small checks of one value. */
import ipaddr from 'ipaddr.js';
import * as z from '../schema';
import type { Bridge, Topology } from './spec';

/** Collects problems as `ORIGIN.FIELD: what` lines, in the order they are found. */
export class Problems {
  readonly list: string[] = [];
  add(origin: string, field: string, what: string): void {
    this.list.push(field ? `${origin}.${field}: ${what}` : `${origin}: ${what}`);
  }
}

/** The topology being built by the checks, and the bridge a link or tunnel names (made on first use). */
export function bridgeOf(topology: Topology, name: string): Bridge {
  let b = topology.bridges[name];
  if (!b) {
    b = { mode: 'linux' };
    topology.bridges[name] = b;
  }
  return b;
}

export const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
export const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);

/** The first problem a schema finds with a value, or undefined. */
export function issue(schema: z.Schema<string>, value: string): string | undefined {
  const r = z.safeParse(schema, value);
  return r.success ? undefined : r.error.issues[0]?.message;
}

export function cidrProblem(ip: string): string | undefined {
  try {
    ipaddr.parseCIDR(ip);
    return undefined;
  } catch {
    return `${JSON.stringify(ip)} is not an address with a prefix length (e.g. 198.18.5.2/24)`;
  }
}

const NETEM_WORDS = new Set([
  'limit',
  'delay',
  'latency',
  'distribution',
  'loss',
  'drop',
  'corrupt',
  'duplicate',
  'reorder',
  'gap',
  'rate',
  'slot',
  'ecn',
]);

/** Each netem option must start with a netem word; `hint` ends the message. */
export function checkNetem(p: Problems, origin: string, netem: readonly string[], hint = ''): void {
  netem.forEach((n, i) => {
    const w = words(n)[0];
    if (!w || !NETEM_WORDS.has(w))
      p.add(origin, `netem[${i}]`, `${JSON.stringify(n)} is not a netem option${hint}`);
  });
}
