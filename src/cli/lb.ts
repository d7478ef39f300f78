import { UsageError } from '../errors';
import {
  addTargets,
  createService,
  deleteServices,
  getService,
  listServices,
  removeTargets,
  resolveBackend,
  restoreAll,
} from '../lb/service';
import {
  formatEndpoint,
  parseEndpoint,
  SCHEDULERS,
  type Scheduler,
  type Service,
  type Target,
} from '../lb/spec';
import { readStats } from '../lb/stats';
import { networkName, validName } from '../names';
import { expectPositional, type ParsedArgs, str } from './args';
import type { CliContext } from './context';
import { json, table } from './table';

const name = (n: string) => validName(networkName, n, 'service name');

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function intFlag(args: ParsedArgs, flag: string, min: number, max: number): number | undefined {
  const v = str(args.flags, flag);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`--${flag}: expected a whole number from ${min} to ${max}`);
  return Number(v);
}

function targetsFrom(args: ParsedArgs, list: string[], vipFamily: 4 | 6): Target[] {
  const weight = intFlag(args, 'weight', 0, 65535) ?? 1;
  return list.map((text) => {
    const ep = parseEndpoint(text, 'target');
    if (ep.family !== vipFamily)
      throw new UsageError(`target ${text}: address family differs from the service's VIP`);
    return { addr: ep.addr, port: ep.port, weight };
  });
}

export async function create(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [n = '', vipText = ''] = expectPositional(
    args,
    2,
    2,
    'circuit lb create NAME VIP:PORT [--scheduler S] [--protocol tcp|udp] ...',
  );
  const vip = parseEndpoint(vipText, 'VIP');
  const scheduler = oneOf<Scheduler>('scheduler', str(args.flags, 'scheduler'), SCHEDULERS, 'rr');
  const protocol = oneOf('protocol', str(args.flags, 'protocol'), ['tcp', 'udp'] as const, 'tcp');
  const forward = oneOf('forward', str(args.flags, 'forward'), ['masq', 'route', 'tunnel'] as const, 'masq');
  const wanted = oneOf('backend', str(args.flags, 'backend'), ['auto', 'ipvs', 'nftables'] as const, 'auto');
  const persistent = intFlag(args, 'persistent', 1, 86400 * 31);
  name(n);
  const result = await ctx.store.locked(async () => {
    const existing = listServices(ctx.store).find((s) => s.name === n);
    const resolved =
      existing && wanted === 'auto'
        ? { backend: existing.backend }
        : await resolveBackend(ctx.deps.run, wanted);
    const svc: Service = {
      name: n,
      addr: vip.addr,
      port: vip.port,
      protocol,
      scheduler,
      forward,
      backend: resolved.backend,
      targets: existing?.targets ?? [],
      createdAt: existing?.createdAt ?? new Date().toISOString(),
      ...(persistent === undefined ? {} : { persistent }),
    };
    return {
      r: await createService(ctx.store, ctx.deps.run, svc),
      note: 'note' in resolved ? resolved.note : undefined,
    };
  });
  ctx.out(result.r === 'created' ? `service ${n} created` : `service ${n} already exists`);
  if (result.note) process.stderr.write(`circuit: ${result.note}\n`);
}

export async function list(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit lb list [--details] [--json]');
  const svcs = listServices(ctx.store);
  if (ctx.json) return ctx.out(json(svcs));
  const lines = [table(['NAME', 'ADDR', 'PROTOCOL', 'SCHEDULER'], [])];
  for (const s of svcs) {
    lines.push(
      table(
        ['NAME', 'ADDR', 'PROTOCOL', 'SCHEDULER'],
        [[s.name, formatEndpoint(s.addr, s.port), s.protocol, s.scheduler]],
      ).split('\n')[1] ?? '',
    );
    if (args.flags.details === true) {
      for (const t of s.targets)
        lines.push(`  -> ${formatEndpoint(t.addr, t.port)}${t.weight !== 1 ? ` weight ${t.weight}` : ''}`);
    }
  }
  ctx.out(lines.join('\n'));
}

type Edit = typeof addTargets;

async function editTargets(ctx: CliContext, args: ParsedArgs, usage: string, edit: Edit): Promise<void> {
  const [n = '', ...rest] = expectPositional(args, 2, 100_000, usage);
  name(n);
  await ctx.store.locked(async () => {
    const svc = getService(ctx.store, n);
    await edit(ctx.store, ctx.deps.run, n, targetsFrom(args, rest, svc.addr.includes(':') ? 6 : 4));
  });
  ctx.out(`service ${n} updated`);
}

export const add = (ctx: CliContext, args: ParsedArgs) =>
  editTargets(ctx, args, 'circuit lb add NAME TARGET:PORT... [--weight N]', addTargets);

export const remove = (ctx: CliContext, args: ParsedArgs) =>
  editTargets(ctx, args, 'circuit lb remove NAME TARGET:PORT...', removeTargets);

export async function del(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [n = ''] = expectPositional(args, 1, 1, 'circuit lb delete NAME');
  name(n);
  const gone = await ctx.store.locked(() => deleteServices(ctx.store, ctx.deps.run, [n]));
  ctx.out(gone.length ? `service ${n} removed` : `service ${n} does not exist; nothing to delete`);
}

export async function clear(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit lb clear');
  const gone = await ctx.store.locked(() =>
    deleteServices(
      ctx.store,
      ctx.deps.run,
      listServices(ctx.store).map((s) => s.name),
    ),
  );
  ctx.out(`${gone.length} service(s) removed`);
}

export async function restore(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit lb restore');
  const n = await ctx.store.locked(() => restoreAll(ctx.store, ctx.deps.run));
  ctx.out(`${n} service(s) restored`);
}

export async function stats(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [n] = expectPositional(args, 0, 1, 'circuit lb stats [NAME] [--json]');
  if (n !== undefined) getService(ctx.store, name(n));
  const rows = (await readStats(ctx.deps.run, listServices(ctx.store))).filter((r) => !n || r.service === n);
  if (ctx.json) return ctx.out(json(rows));
  ctx.out(
    table(
      ['NAME', 'TARGET', 'CONNECTIONS', 'PACKETS', 'BYTES'],
      rows.map((r) => [r.service, r.target, String(r.connections), String(r.packets), String(r.bytes)]),
    ),
  );
}
