import { cachedConfig, cachedRuntime } from '../cni/cache';
import { type ChainDeps, delChain, gcChain } from '../cni/chain';
import { parseNetworkConfig } from '../cni/config';
import { resultAddresses } from '../cni/result';
import { errorMessage, StateError } from '../errors';
import { netnsAlive, netnsForDel } from '../netns';
import { pidAlive } from '../proc';
import { unrepairableCorrupt } from '../state/check';
import type { CacheEntry, ContainerRecord } from '../state/schemas';
import { CorruptRecordError, type StateStore } from '../state/store';
import { releaseAttachment } from './attach';
import { DOCKER_ID_PREFIX, DOCKER_SOURCE } from './networks';

export interface GcReport {
  released: { container: string; network: string; ifName: string }[];
  repaired: string[];
  cniGc: string[];
  errors: string[];
  /** Corrupt records gc cannot rebuild (networks, QoS, services, Docker's, the ledger): exit 6. */
  corrupt: string[];
}

interface CacheFile {
  file: string;
  entry: CacheEntry;
}

function readCaches(store: StateStore, report: GcReport): CacheFile[] {
  const out: CacheFile[] = [];
  for (const file of store.cacheFiles()) {
    try {
      const entry = store.readCacheFile(file);
      if (entry) out.push({ file, entry });
    } catch (err) {
      if (!(err instanceof StateError)) throw err;
      store.removeCacheFile(file);
      report.repaired.push(`removed corrupt cache file ${file}: ${errorMessage(err)}`);
    }
  }
  return out;
}

async function delFromCache(deps: ChainDeps, entry: CacheEntry, netns: string): Promise<void> {
  await delChain(deps, cachedConfig(entry), cachedRuntime(entry, netns), entry.result);
}

/**
 * Release everything whose container is gone. Must run inside store.locked().
 * 0. temp files of writers that died mid-write are removed;
 * 1. container records whose netns is gone (or that failed) → DEL + forget;
 * 2. corrupt container records → rebuilt from the cache, or released;
 * 3. cache entries no record owns → DEL + forget;
 * 4. CNI GC (1.1.0 networks) with the attachments that remain;
 * 5. corrupt records of the other areas are reported (`corrupt`): gc cannot rebuild them.
 */
export async function collectGarbage(store: StateStore, deps: ChainDeps): Promise<GcReport> {
  const report: GcReport = { released: [], repaired: [], cniGc: [], errors: [], corrupt: [] };
  for (const f of store.sweepTemps(pidAlive))
    report.repaired.push(`removed temp file ${f} of a killed writer`);
  const live = new Map<string, ContainerRecord>();
  const corrupt: string[] = [];

  for (const id of store.containerIds()) {
    let rec: ContainerRecord | undefined;
    try {
      rec = store.getContainer(id);
    } catch (err) {
      if (!(err instanceof StateError)) throw err;
      corrupt.push(id);
      continue;
    }
    if (!rec) continue;
    if (rec.source === DOCKER_SOURCE) {
      live.set(id, rec); // Docker's driver owns these: dockerd tells it when they go
      continue;
    }
    const alive = netnsAlive(rec.netns);
    for (const att of [...rec.attachments].reverse()) {
      if (alive && att.status === 'attached') continue;
      if (att.owner !== undefined && att.owner !== process.pid && pidAlive(att.owner)) continue; // in flight
      try {
        await releaseAttachment(store, deps, rec, att);
        report.released.push({ container: id, network: att.network, ifName: att.ifName });
      } catch (err) {
        report.errors.push(`${id}/${att.network}: ${errorMessage(err)}`);
      }
    }
    if (rec.attachments.length > 0) live.set(id, rec);
  }

  const caches = readCaches(store, report);
  // Cache entries of containers with no (readable) record: rebuild the record if the netns lives.
  const known = new Set(store.containerIds().filter((id) => !corrupt.includes(id)));
  const orphans = [...new Set(caches.map((c) => c.entry.containerId))].filter(
    (id) => !known.has(id) && !id.startsWith(DOCKER_ID_PREFIX),
  );
  for (const id of new Set([...corrupt, ...orphans])) {
    const mine = caches.filter((c) => c.entry.containerId === id);
    const netns = mine[0]?.entry.netns ?? '';
    if (netns && netnsAlive({ path: netns }) && mine.every((c) => c.entry.result)) {
      const rec: ContainerRecord = {
        id,
        netns: { path: netns },
        source: 'hook',
        createdAt: new Date().toISOString(),
        attachments: mine.map((c) => ({
          network: c.entry.networkName,
          ifName: c.entry.ifName,
          status: 'attached' as const,
          ips: resultAddresses(c.entry.result).map((a) => a.address),
          updatedAt: new Date().toISOString(),
        })),
      };
      store.putContainer(rec);
      live.set(id, rec);
      report.repaired.push(
        `rebuilt ${corrupt.includes(id) ? 'corrupt' : 'missing'} record of container ${id} from its CNI cache`,
      );
    } else if (corrupt.includes(id)) {
      store.removeContainer(id);
      report.repaired.push(`removed corrupt record of container ${id}`);
    }
  }

  for (const { file, entry } of caches) {
    if (entry.containerId.startsWith(DOCKER_ID_PREFIX)) continue; // the Docker driver's own
    const owner = live.get(entry.containerId);
    if (owner?.attachments.some((a) => a.network === entry.networkName && a.ifName === entry.ifName))
      continue;
    try {
      await delFromCache(deps, entry, owner ? netnsForDel(owner.netns) : '');
      store.removeCacheFile(file);
      report.released.push({
        container: entry.containerId,
        network: entry.networkName,
        ifName: entry.ifName,
      });
    } catch (err) {
      report.errors.push(`${entry.containerId}/${entry.networkName}: ${errorMessage(err)}`);
    }
  }

  for (const name of store.networkNames()) {
    try {
      const rec = store.getNetwork(name);
      if (!rec) continue;
      const net = parseNetworkConfig(rec.config, `network ${name}`);
      const valid = [...live.values()].flatMap((r) =>
        r.attachments.filter((a) => a.network === name).map((a) => ({ containerID: r.id, ifname: a.ifName })),
      );
      if (await gcChain(deps, net, valid)) report.cniGc.push(name);
    } catch (err) {
      if (err instanceof CorruptRecordError) continue; // in `corrupt` below
      report.errors.push(`gc ${name}: ${errorMessage(err)}`);
    }
  }
  report.corrupt.push(...unrepairableCorrupt(store));
  return report;
}
