import { cachedConfig, cachedRuntime } from '../cni/cache';
import { addChain, type ChainDeps, delChain } from '../cni/chain';
import { declaredCapabilities, type NetworkConfig, toConfList } from '../cni/config';
import type { RuntimeConf } from '../cni/plan';
import { resultAddresses, sandboxMac } from '../cni/result';
import { ConflictError, errorMessage, UsageError } from '../errors';
import { netnsForDel } from '../netns';
import type { Attachment, ContainerRecord, NetnsRef } from '../state/schemas';
import type { StateStore } from '../state/store';

export interface AttachRequest {
  net: NetworkConfig;
  ifName: string;
  args: [string, string][];
  capabilityArgs: Record<string, unknown>;
}

export interface AttachTarget {
  containerId: string;
  pid?: number;
  netns: NetnsRef;
  bundle?: string;
  source: ContainerRecord['source'];
  name?: string;
  namespace?: string;
}

const now = () => new Date().toISOString();

function requireCapabilities(req: AttachRequest): void {
  const caps = declaredCapabilities(req.net);
  for (const cap of Object.keys(req.capabilityArgs)) {
    if (!caps.has(cap)) {
      throw new UsageError(`network ${req.net.name} has no plugin with the "${cap}" capability`);
    }
  }
}

function runtimeConf(containerId: string, netns: string, req: AttachRequest): RuntimeConf {
  return { containerId, netns, ifName: req.ifName, args: req.args, capabilityArgs: req.capabilityArgs };
}

/** DEL one attachment using its cache entry (config as it was at ADD time), then forget it. */
export async function releaseAttachment(
  store: StateStore,
  deps: ChainDeps,
  rec: ContainerRecord,
  att: Attachment,
): Promise<void> {
  const cache = store.getCache(att.network, rec.id, att.ifName);
  if (cache) {
    await delChain(deps, cachedConfig(cache), cachedRuntime(cache, netnsForDel(rec.netns)), cache.result);
    store.removeCache(att.network, rec.id, att.ifName);
  }
  rec.attachments = rec.attachments.filter((a) => a !== att);
  store.putContainer(rec);
  const { forgetQos } = await import('./qos-link');
  await forgetQos(store, att.network, rec.id);
}

function cacheEntry(target: AttachTarget, req: AttachRequest) {
  return {
    kind: 'cniCacheV1' as const,
    containerId: target.containerId,
    config: Buffer.from(JSON.stringify(toConfList(req.net))).toString('base64'),
    ifName: req.ifName,
    networkName: req.net.name,
    netns: target.netns.path,
    cniArgs: req.args,
    capabilityArgs: req.capabilityArgs,
  };
}

const findAtt = (rec: ContainerRecord | undefined, network: string, ifName: string) =>
  rec?.attachments.find((a) => a.network === network && a.ifName === ifName);

/**
 * Attach a container to networks, all or nothing. Takes the state lock itself, only around
 * state changes; the plugins run unlocked (CNI plugins are made for concurrent ADDs):
 *  1. locked: release leftovers of the same container id, write ahead every attachment and
 *     its cache entry as "adding" (with this process as owner, so gc leaves it alone while
 *     we live, and undoes it if we are killed);
 *  2. unlocked: ADD each chain; on failure DEL what succeeded (addChain undoes its own chain);
 *  3. locked: record results, or forget the attempt (kept as "failed" if a rollback failed).
 */
export async function attachAll(
  store: StateStore,
  deps: ChainDeps,
  target: AttachTarget,
  requests: AttachRequest[],
  opts: { replaceStale: boolean },
): Promise<Attachment[]> {
  for (const req of requests) requireCapabilities(req);
  const id = target.containerId;

  await store.locked(async () => {
    const rec: ContainerRecord = store.getContainer(id) ?? {
      id,
      netns: target.netns,
      source: target.source,
      createdAt: now(),
      attachments: [],
    };
    for (const req of requests) {
      const old = rec.attachments.find((a) => a.network === req.net.name || a.ifName === req.ifName);
      if (!old) continue;
      if (!opts.replaceStale && old.status !== 'failed') {
        throw new ConflictError(
          old.network === req.net.name
            ? `container ${id} is already connected to network ${old.network} (${old.ifName})`
            : `interface ${req.ifName} of container ${id} is already used by network ${old.network}`,
        );
      }
      await releaseAttachment(store, deps, rec, old);
    }
    rec.netns = target.netns;
    if (target.pid !== undefined) rec.pid = target.pid;
    if (target.bundle !== undefined) rec.bundle = target.bundle;
    if (target.name !== undefined) rec.name = target.name;
    if (target.namespace !== undefined) rec.namespace = target.namespace;
    for (const req of requests) {
      store.putCache(cacheEntry(target, req));
      rec.attachments.push({
        network: req.net.name,
        ifName: req.ifName,
        status: 'adding',
        ips: [],
        owner: process.pid,
        updatedAt: now(),
      });
    }
    store.putContainer(rec);
  });

  const results: unknown[] = [];
  let failure: unknown;
  let rollbackFailed: string | undefined;
  for (const req of requests) {
    try {
      results.push(await addChain(deps, req.net, runtimeConf(id, target.netns.path, req)));
    } catch (err) {
      failure = err;
      if (err instanceof Error && 'rollbackError' in err && err.rollbackError)
        rollbackFailed = errorMessage(err);
      break;
    }
  }
  const undone: boolean[] = [];
  if (failure) {
    for (let i = results.length - 1; i >= 0; i--) {
      const req = requests[i];
      if (!req) continue;
      try {
        await delChain(deps, req.net, runtimeConf(id, target.netns.path, req), results[i]);
        undone[i] = true;
      } catch {
        undone[i] = false;
      }
    }
  }

  return store.locked(async () => {
    const rec = store.getContainer(id);
    const out: Attachment[] = [];
    requests.forEach((req, i) => {
      const att = findAtt(rec, req.net.name, req.ifName);
      if (!rec || !att) return;
      delete att.owner;
      att.updatedAt = now();
      if (!failure) {
        const result = results[i];
        store.putCache({
          ...cacheEntry(target, req),
          ...(result ? { result: result as Record<string, unknown> } : {}),
        });
        att.status = 'attached';
        att.ips = resultAddresses(result).map((a) => a.address);
        const mac = sandboxMac(result, req.ifName);
        if (mac) att.mac = mac;
        out.push(att);
      } else if (i === results.length && rollbackFailed) {
        att.status = 'failed';
        att.error = rollbackFailed;
      } else if (i < results.length && undone[i] === false) {
        att.status = 'failed';
        att.error = `rollback after ${errorMessage(failure)}`;
      } else {
        rec.attachments = rec.attachments.filter((a) => a !== att);
        store.removeCache(req.net.name, id, req.ifName);
      }
    });
    if (rec) store.putContainer(rec);
    if (failure) throw failure;
    return out;
  });
}

/**
 * DEL every attachment (or those of one network), newest first. Takes the lock itself:
 * mark "deleting" (locked), DEL (unlocked), forget or mark "failed" (locked).
 */
export async function detach(
  store: StateStore,
  deps: ChainDeps,
  containerId: string,
  network?: string,
): Promise<Attachment[]> {
  const work = await store.locked(async () => {
    const rec = store.getContainer(containerId);
    if (!rec) return undefined;
    const targets = rec.attachments.filter((a) => network === undefined || a.network === network).reverse();
    for (const att of targets) {
      att.status = att.status === 'adding' ? 'adding' : 'deleting';
      att.owner = process.pid;
    }
    if (targets.length) store.putContainer(rec);
    const caches = targets.map((att) => store.getCache(att.network, containerId, att.ifName));
    return { netns: netnsForDel(rec.netns), targets, caches };
  });
  if (!work || work.targets.length === 0) return [];

  const errors = new Map<string, string>();
  let first: unknown;
  for (const [i, att] of work.targets.entries()) {
    const cache = work.caches[i];
    if (!cache) continue;
    try {
      await delChain(deps, cachedConfig(cache), cachedRuntime(cache, work.netns), cache.result);
    } catch (err) {
      errors.set(`${att.network}/${att.ifName}`, errorMessage(err));
      first ??= err;
    }
  }

  return store.locked(async () => {
    const rec = store.getContainer(containerId);
    const released: Attachment[] = [];
    for (const att of work.targets) {
      const cur = findAtt(rec, att.network, att.ifName);
      if (!rec || !cur) continue;
      const err = errors.get(`${att.network}/${att.ifName}`);
      if (err) {
        cur.status = 'failed';
        cur.error = err;
        delete cur.owner;
        cur.updatedAt = now();
        continue;
      }
      rec.attachments = rec.attachments.filter((a) => a !== cur);
      store.removeCache(att.network, containerId, att.ifName);
      const { forgetQos } = await import('./qos-link');
      await forgetQos(store, att.network, containerId);
      released.push(cur);
    }
    if (rec) store.putContainer(rec);
    if (first) throw first;
    return released;
  });
}
