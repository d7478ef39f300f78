import * as z from '../schema';
import { JsonArea } from './area';
import { type OwnedObject, ownedLedger, TOPOLOGY_KINDS } from './owned';
import type { StateStore } from './store';

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

/** Shared things a topology created (bridges, tunnels, namespaces): removed with their last link. */
export type Owned = OwnedObject & { kind: (typeof TOPOLOGY_KINDS)[number] };

export const TOPOLOGY_DIR = 'topology/containers';
/** Relative path of a container's topology record (the hook's poststop checks it exists). */
export const topologyRecordFile = (id: string) => `${TOPOLOGY_DIR}/${id}.json`;

/** The topology area: one record per container, and its part of the owned-objects ledger. */
export function topologyArea(store: StateStore) {
  const area = new JsonArea(store, TOPOLOGY_DIR, topologyRecordSchema, false);
  const ledger = ownedLedger(store);
  return {
    get: (id: string) => area.get(id),
    /** Stores the record; one with nothing left in it is removed. */
    put: (rec: TopologyRecord) => {
      if (rec.links.length === 0 && rec.tables.length === 0 && rec.commands.length === 0) area.remove(rec.id);
      else area.put(rec.id, rec);
    },
    remove: (id: string) => area.remove(id),
    ids: () => area.keys(),
    owned: (): Owned[] => ledger.list(TOPOLOGY_KINDS) as Owned[],
    putOwned: (list: Owned[]) => ledger.replace(TOPOLOGY_KINDS, list),
  };
}
