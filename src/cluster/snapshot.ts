import { runtimeOf } from '../container/runtime';
import type { ContainerRecord } from '../state/schemas';
import type { StateStore } from '../state/store';
import type { AttRow } from './schemas';

/** The name a container is known by across the cluster: its runtime name, else its id. */
export function containerName(r: ContainerRecord): string {
  return r.name ?? r.id;
}

/** This node's attached containers by name, as published rows (pure over the records). */
export function snapshot(records: ContainerRecord[]): Map<string, AttRow[]> {
  const out = new Map<string, AttRow[]>();
  for (const r of records) {
    const rows = r.attachments
      .filter((a) => a.status === 'attached')
      .flatMap((a) =>
        (a.ips.length ? a.ips : ['']).map((cidr) => ({
          network: a.network,
          ip: cidr.split('/')[0] ?? '',
          cidr,
          interface: a.ifName,
          status: a.status,
          runtime: runtimeOf(r),
          id: r.id,
        })),
      );
    if (rows.length === 0) continue;
    const name = containerName(r);
    out.set(name, [...(out.get(name) ?? []), ...rows]);
  }
  return out;
}

/** The records to publish (a corrupt one is skipped with one warning line: gc's business). */
export function localRecords(store: StateStore): ContainerRecord[] {
  return store.allContainers();
}
