import { detach } from '../attach/attach';
import { nextFreeIfName } from '../attach/ifnames';
import { attachableNetwork } from '../attach/networks';
import { allContainers } from '../attach/records';
import { connectContainer, refuseHostNetns } from '../connect/connect';
import { type ResolvedContainer, resolveContainer } from '../container/resolve';
import { NotFoundError, UsageError } from '../errors';
import { containerId, firstIssue, ifName as ifNameSchema } from '../names';
import { netnsRef } from '../netns';
import { SHORT_ID_LENGTH } from '../oci/podman';
import type { LocalContext } from './context';
import type { ConnectRequest, IpRow } from './types';

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

export async function connect(
  ctx: LocalContext,
  req: ConnectRequest,
): Promise<{ already: boolean; network: string; ips: string[] }> {
  if (req.ifName !== undefined) {
    const r = ifNameSchema.safeParse(req.ifName);
    if (!r.success) throw new UsageError(`--ifname: ${firstIssue(r.error)}`);
  }
  const caps: Record<string, unknown> = {};
  if (req.ip !== undefined) caps.ips = [req.ip];
  if (req.mac !== undefined) {
    if (!MAC.test(req.mac)) throw new UsageError(`--mac: invalid MAC address ${req.mac}`);
    caps.mac = req.mac;
  }
  const net = attachableNetwork(ctx.store, req.network);
  const c = await resolveTarget(ctx, req.container, req.runcRoot);
  const rec = ctx.store.getContainer(c.id);
  if (rec?.attachments.some((a) => a.network === net.name && a.status === 'attached'))
    return { already: true, network: net.name, ips: [] };
  const ifName = req.ifName ?? nextFreeIfName(rec?.attachments.map((a) => a.ifName) ?? []);
  const added = await connectContainer(
    ctx,
    {
      containerId: c.id,
      pid: c.pid,
      netns: c.netns,
      source: 'cli',
      ...(c.bundle ? { bundle: c.bundle } : {}),
      ...(c.name !== undefined ? { name: c.name, namespace: c.namespace } : {}),
    },
    [{ net, ifName, args: [], capabilityArgs: caps }],
    { replaceStale: false },
  );
  return {
    already: false,
    network: net.name,
    ips: added.flatMap((a) => a.ips.map((x) => x.split('/')[0] ?? x)),
  };
}

/** A running container: a containerd task (when circuit knows a containerd), a runc id, or a pid. */
export async function resolveTarget(
  ctx: LocalContext,
  spec: string,
  runcRoot?: string,
): Promise<ResolvedContainer> {
  return (
    (await containerdTarget(ctx, spec)) ??
    (await resolveContainer(spec, ctx.deps.run, runcRoot ?? ctx.runcRoot))
  );
}

/** A running containerd task named `spec`, when circuit knows a containerd. */
async function containerdTarget(ctx: LocalContext, spec: string): Promise<ResolvedContainer | undefined> {
  if (!ctx.containerd || /^\d+$/.test(spec) || !containerId.safeParse(spec).success) return undefined;
  const { ContainerdClient } = await import('../containerd/client');
  const { recordId } = await import('../containerd/labels');
  const { socket, namespace } = ctx.containerd;
  const client = await ContainerdClient.connect(socket, namespace);
  try {
    const t = await client.getTask(spec);
    if (!t) return undefined;
    if (t.status !== 'RUNNING' || t.pid <= 0)
      throw new NotFoundError(`containerd container ${spec} is not running`);
    const netns = netnsRef(`/proc/${t.pid}/ns/net`);
    // also for topology apply, which resolves containers without connecting them
    refuseHostNetns(spec, netns.path);
    return { id: recordId(namespace, spec), pid: t.pid, netns, name: spec, namespace };
  } finally {
    client.close();
  }
}

/** A podman container by a unique prefix of its id of at least 12 hex digits (podman's short id). */
function podmanByIdPrefix(ctx: LocalContext, spec: string): string | undefined {
  if (!new RegExp(`^[0-9a-f]{${SHORT_ID_LENGTH},63}$`).test(spec)) return undefined;
  const hits = allContainers(ctx.store).filter((r) => r.source === 'podman' && r.id.startsWith(spec));
  return hits.length === 1 ? hits[0]?.id : undefined;
}

/**
 * CONTAINER for disconnect/ips: a stored container id, a runtime's container name (containerd's,
 * podman's), a podman short id, or a pid.
 */
export function storedContainerId(ctx: LocalContext, spec: string): string | undefined {
  if (containerId.safeParse(spec).success && ctx.store.getContainer(spec)) return spec;
  if (containerId.safeParse(spec).success && !/^\d+$/.test(spec)) {
    const named = allContainers(ctx.store).filter((r) => r.name === spec);
    const mine = named.find((r) => r.namespace === ctx.containerd?.namespace) ?? named[0];
    if (mine) return mine.id;
  }
  const podman = podmanByIdPrefix(ctx, spec);
  if (podman) return podman;
  if (/^\d+$/.test(spec)) {
    const pid = Number(spec);
    return ctx.store.allContainers().find((r) => r.pid === pid)?.id;
  }
  if (!containerId.safeParse(spec).success) {
    throw new UsageError(`invalid container ${JSON.stringify(spec)}: not a runc id or a pid`);
  }
  return undefined;
}

export async function disconnect(
  ctx: LocalContext,
  container: string,
  network: string,
): Promise<{ released: boolean }> {
  attachableNetwork(ctx.store, network);
  const id = storedContainerId(ctx, container);
  const released = id ? await detach(ctx.store, ctx.deps, id, network) : [];
  return { released: released.length > 0 };
}

export function containerIps(ctx: LocalContext, container: string): IpRow[] {
  const id = storedContainerId(ctx, container);
  const rec = id ? ctx.store.getContainer(id) : undefined;
  if (!rec) throw new NotFoundError(`container ${container} has no circuit networks`);
  return rec.attachments.flatMap((a) =>
    (a.ips.length ? a.ips : ['']).map((ip) => ({
      network: a.network,
      ip: ip.split('/')[0] ?? '',
      cidr: ip,
      interface: a.ifName,
      status: a.status,
    })),
  );
}
