import * as z from '../schema';
import { cacheFileName, isLegacyCacheFile } from './cache-names';
import { CorruptRecordError } from './corrupt';
import type { StateFiles } from './files';
import { type OwnedObject, ownedLedger } from './owned';
import { type CacheEntry, DOCKER_ID_PREFIX } from './schemas';

/** Format 1's ledgers, merged into owned.json. */
const LEGACY_LB_OWNED = 'lb-owned.json';
const LEGACY_TOPOLOGY_OWNED = 'topology/owned.json';
const legacyLb = z.object({ ipvs: z.array(z.string()) });
const legacyTopology = z.object({
  owned: z.array(
    z.object({
      kind: z.enum(['namespace', 'bridge', 'tunnel']),
      ns: z.optional(z.string()),
      name: z.string(),
      bridge: z.optional(z.string()),
    }),
  ),
});

/** Files that a format-1 state dir may still hold and that gc must look at. */
export const LEGACY_FILES = [LEGACY_LB_OWNED, LEGACY_TOPOLOGY_OWNED];

/**
 * Bring a state dir written by format-1 code to format 2, in place. Inside store.locked(); safe to
 * run again (each step finds nothing left to do). A corrupt file is left where it is (gc reports
 * or repairs it) and does not stop the rest.
 * 1. `lb-owned.json` and `topology/owned.json` → one ledger `owned.json`;
 * 2. CNI cache files `<net>-<container>-<if>` → `<net>:<container>:<if>` (named from their content);
 * 3. the Docker sync's fake cache entries (`docker.*`) → `hostDevice` on the container record's
 *    attachment; the entry goes.
 */
export function upgradeState(store: StateFiles): string[] {
  const done: string[] = [];
  const skip = <T>(read: () => T | undefined) => store.skipCorrupt(read);

  const ledger = ownedLedger(store);
  const merged: OwnedObject[] = [];
  const lb = skip(() => store.readJson(LEGACY_LB_OWNED, legacyLb));
  if (lb) merged.push(...lb.ipvs.map((key) => ({ kind: 'ipvs' as const, name: key })));
  const topo = skip(() => store.readJson(LEGACY_TOPOLOGY_OWNED, legacyTopology));
  if (topo) merged.push(...topo.owned);
  if (lb || topo) {
    ledger.add(merged);
    if (lb) store.remove(LEGACY_LB_OWNED);
    if (topo) store.remove(LEGACY_TOPOLOGY_OWNED);
    done.push(`merged ${merged.length} owned objects into the ledger`);
  }

  for (const file of store.cacheFiles()) {
    const entry = skip(() => store.readCacheFile(file));
    if (!entry) continue;
    if (entry.containerId.startsWith(DOCKER_ID_PREFIX)) {
      if (dockerEntryToRecord(store, entry)) {
        store.removeCacheFile(file);
        done.push(`cache entry ${file} → hostDevice of ${entry.containerId}`);
      }
      continue;
    }
    if (!isLegacyCacheFile(file)) continue;
    const name = cacheFileName(entry.networkName, entry.containerId, entry.ifName);
    if (!skip(() => store.readCacheFile(name))) store.putCache(entry);
    store.removeCacheFile(file);
    done.push(`cache file ${file} → ${name}`);
  }
  return done;
}

/** The host veth named in a fake entry, moved to the record; false when the record is corrupt. */
function dockerEntryToRecord(store: StateFiles, entry: CacheEntry): boolean {
  let rec: ReturnType<StateFiles['getContainer']>;
  try {
    rec = store.getContainer(entry.containerId);
  } catch (err) {
    if (err instanceof CorruptRecordError) return false;
    throw err;
  }
  const host = hostOfResult(entry);
  const att = rec?.attachments.find((a) => a.network === entry.networkName && a.ifName === entry.ifName);
  if (rec && att && host && att.hostDevice !== host) {
    att.hostDevice = host;
    store.putContainer(rec);
  }
  return true; // an entry no record owns is dropped: nothing else would ever remove it
}

/** The Docker sync wrote `interfaces: [{ name: <host veth> }, { name, mac, sandbox }]`. */
function hostOfResult(entry: CacheEntry): string | undefined {
  const ifs = (entry.result?.interfaces ?? []) as { name?: unknown; sandbox?: unknown }[];
  const host = ifs.find((i) => typeof i.name === 'string' && !i.sandbox)?.name;
  return typeof host === 'string' && host ? host : undefined;
}
