import { existsSync } from 'node:fs';
import * as z from '../schema';
import type { StateStore } from '../state/store';

const forward = z.object({ port: z.number(), containerPort: z.number(), protocol: z.enum(['tcp', 'udp']) });

const recordedLink = z.object({
  dev: z.string(),
  type: z.string(),
  ns: z.optional(z.string()),
  outerDev: z.optional(z.string()),
  bridge: z.optional(z.string()),
  ip: z.optional(z.string()),
  nat: z.optional(z.string()),
  forward: z.optional(z.array(forward)),
});
export type RecordedLink = z.infer<typeof recordedLink>;

/** What a container got from topologies: enough to remove it without the files. */
export const topologyRecordSchema = z.object({
  id: z.string(),
  pid: z.number(),
  netns: z.object({ path: z.string(), ino: z.optional(z.number()) }),
  links: z.array(recordedLink),
  /** nftables tables holding this container's nat/forward rules, per outer namespace. */
  tables: z.array(z.object({ ns: z.optional(z.string()), name: z.string() })),
  commands: z.array(z.array(z.string())),
});
export type TopologyRecord = z.infer<typeof topologyRecordSchema>;

const owned = z.object({
  kind: z.enum(['namespace', 'bridge', 'tunnel']),
  ns: z.optional(z.string()),
  name: z.string(),
  /** tunnels: the bridge they serve. */
  bridge: z.optional(z.string()),
});
export type Owned = z.infer<typeof owned>;
/** Shared things a topology created (bridges, tunnels, namespaces): removed with their last link. */
export const ownedSchema = z.object({ owned: z.array(owned) });

const dir = 'topology/containers';
const recordPath = (id: string) => `${dir}/${id}.json`;

/** Cheap check for the hook's poststop: no topology module is loaded when this is false. */
export function hasTopologyRecord(stateRoot: string, id: string): boolean {
  return existsSync(`${stateRoot}/${recordPath(id)}`);
}

export const topologyRecords = {
  get: (s: StateStore, id: string) => s.readJson(recordPath(id), topologyRecordSchema),
  put: (s: StateStore, rec: TopologyRecord) => {
    if (rec.links.length === 0 && rec.tables.length === 0 && rec.commands.length === 0)
      s.remove(recordPath(rec.id));
    else s.writeJson(recordPath(rec.id), rec, { durable: false });
  },
  remove: (s: StateStore, id: string) => s.remove(recordPath(id)),
  ids: (s: StateStore) =>
    s
      .list(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5)),
  owned: (s: StateStore): Owned[] => s.readJson('topology/owned.json', ownedSchema)?.owned ?? [],
  putOwned: (s: StateStore, list: Owned[]) => s.writeJson('topology/owned.json', { owned: list }),
};

export const sameOwned = (a: Owned, b: Owned) => a.kind === b.kind && a.ns === b.ns && a.name === b.name;
