import { attachAll, detach } from '../attach/attach';
import { nextFreeIfName } from '../attach/ifnames';
import { storedNetwork } from '../attach/networks';
import { applyQosOrDetach } from '../attach/qos-link';
import { resolveContainer } from '../container/resolve';
import { NotFoundError, UsageError } from '../errors';
import { containerId, firstIssue, ifName as ifNameSchema } from '../names';
import { expectPositional, type ParsedArgs, str } from './args';
import type { CliContext } from './context';
import { json, table } from './table';

export async function networkConnect(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [spec = '', network = ''] = expectPositional(
    args,
    2,
    2,
    'circuit network connect CONTAINER|PID NETWORK [--ifname IF] [--ip IP] [--mac MAC]',
  );
  const wantIf = str(args.flags, 'ifname');
  if (wantIf !== undefined) {
    const r = ifNameSchema.safeParse(wantIf);
    if (!r.success) throw new UsageError(`--ifname: ${firstIssue(r.error)}`);
  }
  const caps: Record<string, unknown> = {};
  const ip = str(args.flags, 'ip');
  if (ip !== undefined) caps.ips = [ip];
  const mac = str(args.flags, 'mac');
  if (mac !== undefined) {
    if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac))
      throw new UsageError(`--mac: invalid MAC address ${mac}`);
    caps.mac = mac;
  }
  const net = storedNetwork(ctx.store, network);
  const c = await resolveContainer(spec, ctx.deps.run, ctx.runcRoot);
  const atts = await (async () => {
    const rec = ctx.store.getContainer(c.id);
    const existing = rec?.attachments.find((a) => a.network === net.name && a.status === 'attached');
    if (existing) return undefined;
    const ifName = wantIf ?? nextFreeIfName(rec?.attachments.map((a) => a.ifName) ?? []);
    const added = await attachAll(
      ctx.store,
      ctx.deps,
      {
        containerId: c.id,
        pid: c.pid,
        netns: c.netns,
        source: 'cli',
        ...(c.bundle ? { bundle: c.bundle } : {}),
      },
      [{ net, ifName, args: [], capabilityArgs: caps }],
      { replaceStale: false },
    );
    await applyQosOrDetach(ctx.store, ctx.deps, c.id, [net.name]);
    return added;
  })();
  if (!atts) return ctx.out(`container ${spec} is already connected to network ${net.name}`);
  const ips = atts.flatMap((a) => a.ips.map((x) => x.split('/')[0]));
  ctx.out(
    `connected container ${spec} to network ${net.name}${ips.length ? ` with ip=${ips.join(',')}` : ''}`,
  );
}

/** CONTAINER for disconnect/ips: a stored container id, a runc id, or a pid. */
async function storedContainerId(ctx: CliContext, spec: string): Promise<string | undefined> {
  if (containerId.safeParse(spec).success && ctx.store.getContainer(spec)) return spec;
  if (/^\d+$/.test(spec)) {
    const pid = Number(spec);
    for (const id of ctx.store.containerIds()) if (ctx.store.getContainer(id)?.pid === pid) return id;
    return undefined;
  }
  if (!containerId.safeParse(spec).success) {
    throw new UsageError(`invalid container ${JSON.stringify(spec)}: not a runc id or a pid`);
  }
  return undefined;
}

export async function networkDisconnect(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [spec = '', network = ''] = expectPositional(
    args,
    2,
    2,
    'circuit network disconnect CONTAINER|PID NETWORK',
  );
  storedNetwork(ctx.store, network);
  const id = await storedContainerId(ctx, spec);
  const released = id ? await detach(ctx.store, ctx.deps, id, network) : [];
  ctx.out(
    released.length
      ? `disconnected container ${spec} from network ${network}`
      : `container ${spec} is not connected to network ${network}; nothing to do`,
  );
}

export async function networkIps(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [spec = ''] = expectPositional(args, 1, 1, 'circuit network ips CONTAINER|PID [--json]');
  const id = await storedContainerId(ctx, spec);
  const rec = id ? ctx.store.getContainer(id) : undefined;
  if (!rec) throw new NotFoundError(`container ${spec} has no circuit networks`);
  const rows = rec.attachments.flatMap((a) =>
    (a.ips.length ? a.ips : ['']).map((ip) => ({
      network: a.network,
      ip: ip.split('/')[0] ?? '',
      cidr: ip,
      interface: a.ifName,
      status: a.status,
    })),
  );
  if (ctx.json) return ctx.out(json(rows));
  ctx.out(
    table(
      ['NETWORK', 'IP', 'INTERFACE'],
      rows.map((r) => [r.network, r.ip || '-', r.interface]),
      10,
    ),
  );
}
