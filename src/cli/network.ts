import { detach } from '../attach/attach';
import { readConfigFile, storedNetwork } from '../attach/networks';
import { versionCheck } from '../cni/chain';
import { toConfList } from '../cni/config';
import { ConflictError, NotFoundError } from '../errors';
import { networkName, validName } from '../names';
import type { ContainerRecord } from '../state/schemas';
import { expectPositional, type ParsedArgs } from './args';
import type { CliContext } from './context';
import { json, table } from './table';

const checked = (name: string) => validName(networkName, name, 'network name');

function allContainers(ctx: CliContext): ContainerRecord[] {
  return ctx.store
    .containerIds()
    .map((id) => ctx.store.getContainer(id))
    .filter((r): r is ContainerRecord => r !== undefined);
}

function peersOf(records: ContainerRecord[], network: string) {
  return records.flatMap((r) =>
    r.attachments
      .filter((a) => a.network === network)
      .map((a) => ({ container: r.id, pid: r.pid, ifName: a.ifName, status: a.status, ips: a.ips })),
  );
}

export async function networkCreate(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [a, b] = expectPositional(args, 1, 2, 'circuit network create [NAME] FILE');
  const file = b ?? a ?? '';
  const net = readConfigFile(file);
  if (b !== undefined) net.name = checked(a ?? '');
  if (args.flags['skip-plugin-check'] !== true) await versionCheck(ctx.deps, net);
  await ctx.store.locked(async () => {
    const existing = ctx.store.getNetwork(net.name);
    if (existing) {
      if (JSON.stringify(existing.config) === JSON.stringify(toConfList(net))) return;
      throw new ConflictError(`network ${net.name} already exists with a different config (delete it first)`);
    }
    ctx.store.putNetwork({
      name: net.name,
      config: toConfList(net),
      source: file,
      createdAt: new Date().toISOString(),
    });
  });
  ctx.out(`network ${net.name} created`);
}

export async function networkList(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit network list [--json]');
  const records = allContainers(ctx);
  const rows = ctx.store.networkNames().map((name) => {
    const net = storedNetwork(ctx.store, name);
    return {
      name,
      type: net.plugins[0]?.type ?? '',
      plugins: net.plugins.map((p) => p.type),
      version: net.cniVersion,
      peers: peersOf(records, name),
    };
  });
  if (ctx.json) return ctx.out(json(rows));
  ctx.out(
    table(
      ['NAME', 'TYPE', 'VERSION', 'PEERS'],
      rows.map((r) => [
        r.name,
        r.type,
        r.version,
        r.peers
          .map((p) => `${p.ips.map((ip) => ip.split('/')[0]).join(',') || '-'} (${p.pid ?? p.container})`)
          .join(', '),
      ]),
    ),
  );
}

export async function networkInspect(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name = ''] = expectPositional(args, 1, 1, 'circuit network inspect NAME');
  const rec = ctx.store.getNetwork(checked(name));
  if (!rec) throw new NotFoundError(`network ${name} not found`);
  ctx.out(json({ ...rec, attachments: peersOf(allContainers(ctx), name) }));
}

export async function networkDelete(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name = ''] = expectPositional(args, 1, 1, 'circuit network delete NAME [--force]');
  checked(name);
  if (ctx.store.getNetwork(name) && args.flags.force === true) {
    // detach takes the lock per container; whoever attaches meanwhile keeps a usable cache entry
    for (const p of peersOf(allContainers(ctx), name)) await detach(ctx.store, ctx.deps, p.container, name);
  }
  const deleted = await ctx.store.locked(async () => {
    if (!ctx.store.getNetwork(name)) return false;
    const peers = peersOf(allContainers(ctx), name);
    if (peers.length > 0 && args.flags.force !== true) {
      throw new ConflictError(
        `network ${name} has ${peers.length} attached container(s) (${peers.map((p) => p.container).join(', ')}); disconnect them or use --force`,
      );
    }
    ctx.store.removeNetwork(name);
    ctx.store.remove(`qos/${name}.json`);
    return true;
  });
  ctx.out(deleted ? `${name} deleted` : `network ${name} does not exist; nothing to delete`);
}
