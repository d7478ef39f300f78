import { detach } from '../attach/attach';
import { DOCKER_SOURCE } from '../attach/networks';
import { allContainers } from '../attach/records';
import { versionCheck } from '../cni/chain';
import { type NetworkConfig, parseNetworkConfig, toConfList } from '../cni/config';
import { documentBridge, generateConflist } from '../cni/generate';
import { documentSubnets, overlaps } from '../cni/subnets';
import { runtimeOf } from '../container/runtime';
import { ConflictError, NotFoundError, UsageError } from '../errors';
import { networkName, validName } from '../names';
import { qosArea } from '../state/qos';
import type { ContainerRecord, NetworkRecord } from '../state/schemas';
import type { StateStore } from '../state/store';
import type { LocalContext } from './context';
import type { CreateNetworkRequest, CreateNetworkResult, NetworkDetail, NetworkSummary, Peer } from './types';

const checked = (name: string) => validName(networkName, name, 'network name');

function peersOf(records: ContainerRecord[], network: string): Peer[] {
  return records.flatMap((r) =>
    r.attachments
      .filter((a) => a.network === network)
      .map((a) => ({
        container: r.id,
        ...(r.pid !== undefined ? { pid: r.pid } : {}),
        ifName: a.ifName,
        status: a.status,
        ips: a.ips,
        ...(r.name !== undefined ? { name: r.name } : {}),
        runtime: runtimeOf(r),
      })),
  );
}

function storedRecords(store: StateStore, except: string): NetworkRecord[] {
  return store.allNetworks().filter((r) => r.name !== except);
}

const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,127}$/;

function checkLabels(labels: Record<string, string>): void {
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k)) throw new UsageError(`--label: invalid key ${JSON.stringify(k)}`);
    if (v.length > 1024) throw new UsageError(`--label ${k}: value longer than 1024 characters`);
  }
}

/** Refuse a document whose subnets overlap another stored network's (unless allowed). */
function checkOverlap(store: StateStore, name: string, doc: Record<string, unknown>): void {
  const mine = documentSubnets(doc);
  for (const other of storedRecords(store, name)) {
    for (const theirs of documentSubnets(other.config)) {
      const hit = mine.find((m) => overlaps(m, theirs));
      if (hit)
        throw new ConflictError(
          `subnet ${hit.text} overlaps ${theirs.text} of network ${other.name} (use --allow-overlap to create it anyway)`,
        );
    }
  }
}

export async function createNetwork(
  ctx: LocalContext,
  req: CreateNetworkRequest,
): Promise<CreateNetworkResult> {
  checkLabels(req.labels);
  if ((req.config === undefined) === (req.spec === undefined))
    throw new UsageError('network create: give either a CNI document or --subnet');
  if (req.spec && req.name === undefined)
    throw new UsageError('network create: NAME is required with --subnet');
  const build = (): NetworkConfig => {
    if (req.spec) {
      const name = checked(req.name ?? '');
      const taken = new Set(
        storedRecords(ctx.store, name)
          .map((r) => documentBridge(r.config))
          .filter((b): b is string => b !== undefined),
      );
      return parseNetworkConfig(generateConflist(name, req.spec, taken), 'generated network');
    }
    // the document must be valid on its own; NAME then renames it
    const doc = parseNetworkConfig(req.config, req.source ?? 'network config');
    if (req.name !== undefined) doc.name = checked(req.name);
    return doc;
  };
  const net = build();
  const config = toConfList(net);
  if (!req.allowOverlap) checkOverlap(ctx.store, net.name, config);
  if (req.dryRun) return { name: net.name, created: false, config };
  if (!req.skipPluginCheck) await versionCheck(ctx.deps, net);
  await ctx.store.locked(async () => {
    if (!req.allowOverlap) checkOverlap(ctx.store, net.name, config);
    const existing = ctx.store.getNetwork(net.name);
    if (existing) {
      if (JSON.stringify(existing.config) === JSON.stringify(config)) return;
      throw new ConflictError(`network ${net.name} already exists with a different config (delete it first)`);
    }
    ctx.store.putNetwork({
      name: net.name,
      config,
      ...(req.source !== undefined ? { source: req.source } : {}),
      createdAt: new Date().toISOString(),
      ...(Object.keys(req.labels).length ? { labels: req.labels } : {}),
    });
  });
  return { name: net.name, created: true, config };
}

export function listNetworks(ctx: LocalContext): NetworkSummary[] {
  const records = allContainers(ctx.store);
  return ctx.store.allNetworks().map((rec) => {
    const name = rec.name;
    const net = parseNetworkConfig(rec.config, `network ${name}`);
    return {
      name,
      type: net.plugins[0]?.type ?? '',
      plugins: net.plugins.map((p) => p.type),
      version: net.cniVersion,
      peers: peersOf(records, name),
    };
  });
}

export function inspectNetwork(ctx: LocalContext, name: string): NetworkDetail {
  const rec = ctx.store.getNetwork(checked(name));
  if (!rec) throw new NotFoundError(`network ${name} not found`);
  return { ...rec, attachments: peersOf(allContainers(ctx.store), name) };
}

export async function deleteNetwork(
  ctx: LocalContext,
  name: string,
  force: boolean,
): Promise<{ deleted: boolean }> {
  checked(name);
  if (ctx.store.getNetwork(name)?.source === DOCKER_SOURCE)
    throw new ConflictError(`network ${name} is a Docker network; remove it with docker network rm ${name}`);
  if (ctx.store.getNetwork(name) && force) {
    // detach takes the lock per container; whoever attaches meanwhile keeps a usable cache entry
    for (const p of peersOf(allContainers(ctx.store), name))
      await detach(ctx.store, ctx.deps, p.container, name);
  }
  const deleted = await ctx.store.locked(async () => {
    if (!ctx.store.getNetwork(name)) return false;
    const peers = peersOf(allContainers(ctx.store), name);
    if (peers.length > 0 && !force) {
      throw new ConflictError(
        `network ${name} has ${peers.length} attached container(s) (${peers.map((p) => p.container).join(', ')}); disconnect them or use --force`,
      );
    }
    ctx.store.removeNetwork(name);
    qosArea(ctx.store).remove(name);
    return true;
  });
  return { deleted };
}
