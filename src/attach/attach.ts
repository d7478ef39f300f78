import { addChain, type ChainDeps, delChain } from '../cni/chain';
import { declaredCapabilities, type NetworkConfig, parseNetworkConfig, toConfList } from '../cni/config';
import type { RuntimeConf } from '../cni/plan';
import { resultAddresses, sandboxMac } from '../cni/result';
import { ConflictError, errorMessage, UsageError } from '../errors';
import type { Attachment, ContainerRecord, NetnsRef } from '../state/schemas';
import type { StateStore } from '../state/store';
import { netnsForDel } from './netns';

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
  source: 'hook' | 'cli';
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
    const net = parseNetworkConfig(
      JSON.parse(Buffer.from(cache.config, 'base64').toString('utf8')),
      'cached config',
    );
    const rt: RuntimeConf = {
      containerId: rec.id,
      netns: netnsForDel(rec.netns),
      ifName: att.ifName,
      args: cache.cniArgs ?? [],
      capabilityArgs: cache.capabilityArgs ?? {},
    };
    await delChain(deps, net, rt, cache.result);
    store.removeCache(att.network, rec.id, att.ifName);
  }
  rec.attachments = rec.attachments.filter((a) => a !== att);
  store.putContainer(rec);
  const { forgetQos } = await import('./qos-link');
  await forgetQos(store, att.network, rec.id);
}

/**
 * Attach a container to networks (all or nothing). Must run inside store.locked().
 * Write-ahead: the attachment and its cache entry are recorded as "adding" before
 * the first plugin runs, so a killed process leaves something `gc` can undo.
 */
export async function attachAll(
  store: StateStore,
  deps: ChainDeps,
  target: AttachTarget,
  requests: AttachRequest[],
  opts: { replaceStale: boolean },
): Promise<Attachment[]> {
  for (const req of requests) requireCapabilities(req);
  const rec: ContainerRecord = store.getContainer(target.containerId) ?? {
    id: target.containerId,
    netns: target.netns,
    source: target.source,
    createdAt: now(),
    attachments: [],
  };

  // Leftovers for the same container id: release them (DEL with the old netns, "" when gone).
  for (const req of requests) {
    const old = rec.attachments.find((a) => a.network === req.net.name || a.ifName === req.ifName);
    if (!old) continue;
    if (!opts.replaceStale && old.status === 'attached') {
      throw new ConflictError(
        old.network === req.net.name
          ? `container ${target.containerId} is already connected to network ${old.network} (${old.ifName})`
          : `interface ${req.ifName} of container ${target.containerId} is already used by network ${old.network}`,
      );
    }
    await releaseAttachment(store, deps, rec, old);
  }
  rec.netns = target.netns;
  if (target.pid !== undefined) rec.pid = target.pid;
  if (target.bundle !== undefined) rec.bundle = target.bundle;

  const done: { req: AttachRequest; att: Attachment; result: unknown }[] = [];
  try {
    for (const req of requests) {
      const att: Attachment = {
        network: req.net.name,
        ifName: req.ifName,
        status: 'adding',
        ips: [],
        updatedAt: now(),
      };
      const cache = {
        kind: 'cniCacheV1' as const,
        containerId: target.containerId,
        config: Buffer.from(JSON.stringify(toConfList(req.net))).toString('base64'),
        ifName: req.ifName,
        networkName: req.net.name,
        netns: target.netns.path,
        cniArgs: req.args,
        capabilityArgs: req.capabilityArgs,
      };
      store.putCache(cache);
      rec.attachments.push(att);
      store.putContainer(rec);

      const result = await addChain(deps, req.net, runtimeConf(target.containerId, target.netns.path, req));
      store.putCache({ ...cache, ...(result ? { result: result as Record<string, unknown> } : {}) });
      att.status = 'attached';
      att.ips = resultAddresses(result).map((a) => a.address);
      const mac = sandboxMac(result, req.ifName);
      if (mac) att.mac = mac;
      att.updatedAt = now();
      store.putContainer(rec);
      done.push({ req, att, result });
    }
  } catch (err) {
    // The failing network was rolled back by addChain; forget it unless rollback failed.
    const failing = rec.attachments.find((a) => a.status === 'adding');
    if (failing) {
      const rollbackFailed = err instanceof Error && 'rollbackError' in err && err.rollbackError;
      if (rollbackFailed) {
        failing.status = 'failed';
        failing.error = errorMessage(err);
      } else {
        rec.attachments = rec.attachments.filter((a) => a !== failing);
        store.removeCache(failing.network, target.containerId, failing.ifName);
      }
      store.putContainer(rec);
    }
    // Undo the networks that did succeed, newest first.
    for (const d of done.reverse()) {
      try {
        await releaseAttachment(store, deps, rec, d.att);
      } catch (rbErr) {
        d.att.status = 'failed';
        d.att.error = `rollback: ${errorMessage(rbErr)}`;
        store.putContainer(rec);
      }
    }
    throw err;
  }
  return done.map((d) => d.att);
}

/** DEL every attachment (or those of one network), newest first. Must run inside store.locked(). */
export async function detach(
  store: StateStore,
  deps: ChainDeps,
  containerId: string,
  network?: string,
): Promise<Attachment[]> {
  const rec = store.getContainer(containerId);
  if (!rec) return [];
  const targets = rec.attachments.filter((a) => network === undefined || a.network === network).reverse();
  const released: Attachment[] = [];
  let first: unknown;
  for (const att of targets) {
    try {
      await releaseAttachment(store, deps, rec, att);
      released.push(att);
    } catch (err) {
      att.status = 'failed';
      att.error = errorMessage(err);
      att.updatedAt = now();
      store.putContainer(rec);
      first ??= err;
    }
  }
  if (first) throw first;
  return released;
}
