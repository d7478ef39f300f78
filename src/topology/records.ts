import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StateStore } from '../state/store';
import { type Owned, type TopologyRecord, topologyArea, topologyRecordFile } from '../state/topology';

export type { Owned, RecordedLink, TopologyRecord } from '../state/topology';

/** Cheap check for the hook's poststop: no topology module is loaded when this is false. */
export function hasTopologyRecord(stateRoot: string, id: string): boolean {
  return existsSync(join(stateRoot, topologyRecordFile(id)));
}

export const topologyRecords = {
  get: (s: StateStore, id: string) => topologyArea(s).get(id),
  put: (s: StateStore, rec: TopologyRecord) => topologyArea(s).put(rec),
  remove: (s: StateStore, id: string) => topologyArea(s).remove(id),
  ids: (s: StateStore) => topologyArea(s).ids(),
  owned: (s: StateStore): Owned[] => topologyArea(s).owned(),
  putOwned: (s: StateStore, list: Owned[]) => topologyArea(s).putOwned(list),
};

export const sameOwned = (a: Owned, b: Owned) => a.kind === b.kind && a.ns === b.ns && a.name === b.name;
