import { UsageError } from '../errors';
import {
  addTargets,
  createService,
  deleteServices,
  getService,
  lbLocked,
  listServices,
  removeTargets,
  resolveBackend,
  restoreAll,
  snapshot,
} from '../lb/service';
import { parseEndpoint, SCHEDULERS, type Scheduler, type Service, type Target } from '../lb/spec';
import { readStats, type TargetStats } from '../lb/stats';
import { networkName, validName } from '../names';
import type { LocalContext } from './context';
import type { LbCreateRequest } from './types';

const checked = (n: string) => validName(networkName, n, 'service name');

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function intValue(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`--${flag}: expected a whole number from ${min} to ${max}`);
  return Number(v);
}

function targetsFrom(list: string[], weightText: string | undefined, vipFamily: 4 | 6): Target[] {
  const weight = intValue('weight', weightText, 0, 65535) ?? 1;
  return list.map((text) => {
    const ep = parseEndpoint(text, 'target');
    if (ep.family !== vipFamily)
      throw new UsageError(`target ${text}: address family differs from the service's VIP`);
    return { addr: ep.addr, port: ep.port, weight };
  });
}

export async function lbCreate(
  ctx: LocalContext,
  req: LbCreateRequest,
): Promise<{ created: boolean; note?: string }> {
  const vip = parseEndpoint(req.vip, 'VIP');
  const scheduler = oneOf<Scheduler>('scheduler', req.scheduler, SCHEDULERS, 'rr');
  const protocol = oneOf('protocol', req.protocol, ['tcp', 'udp'] as const, 'tcp');
  const forward = oneOf('forward', req.forward, ['masq', 'route', 'tunnel'] as const, 'masq');
  const wanted = oneOf('backend', req.backend, ['auto', 'ipvs', 'nftables'] as const, 'auto');
  const persistent = intValue('persistent', req.persistent, 1, 86400 * 31);
  const name = checked(req.name);
  // the lb area's own lock, not the global one: kernel work (modprobe, ipvsadm, nft) runs in it
  return lbLocked(ctx.store, async () => {
    const existing = (await snapshot(ctx.store)).find((s) => s.name === name);
    const resolved =
      existing && wanted === 'auto'
        ? { backend: existing.backend }
        : await resolveBackend(ctx.deps.run, wanted);
    const svc: Service = {
      name,
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
    const r = await createService(ctx.store, ctx.deps.run, svc);
    const note = 'note' in resolved ? resolved.note : undefined;
    return { created: r === 'created', ...(note ? { note } : {}) };
  });
}

export const lbList = (ctx: LocalContext): Service[] => listServices(ctx.store);

type Edit = typeof addTargets;

async function editTargets(
  ctx: LocalContext,
  name: string,
  list: string[],
  weight: string | undefined,
  edit: Edit,
): Promise<void> {
  checked(name);
  if (list.length === 0) throw new UsageError('give at least one TARGET:PORT');
  await lbLocked(ctx.store, async () => {
    const svc = await ctx.store.locked(async () => getService(ctx.store, name));
    await edit(ctx.store, ctx.deps.run, name, targetsFrom(list, weight, svc.addr.includes(':') ? 6 : 4));
  });
}

export const lbAdd = (ctx: LocalContext, name: string, targets: string[], weight?: string) =>
  editTargets(ctx, name, targets, weight, addTargets);

export const lbRemove = (ctx: LocalContext, name: string, targets: string[]) =>
  editTargets(ctx, name, targets, undefined, removeTargets);

export async function lbDelete(ctx: LocalContext, name: string): Promise<{ deleted: boolean }> {
  checked(name);
  const gone = await lbLocked(ctx.store, () => deleteServices(ctx.store, ctx.deps.run, [name]));
  return { deleted: gone.length > 0 };
}

export async function lbClear(ctx: LocalContext): Promise<{ count: number }> {
  const gone = await lbLocked(ctx.store, () => deleteServices(ctx.store, ctx.deps.run));
  return { count: gone.length };
}

export async function lbRestore(ctx: LocalContext): Promise<{ count: number }> {
  return { count: await lbLocked(ctx.store, () => restoreAll(ctx.store, ctx.deps.run)) };
}

export async function lbStats(ctx: LocalContext, name?: string): Promise<TargetStats[]> {
  if (name !== undefined) getService(ctx.store, checked(name));
  return (await readStats(ctx.deps.run, listServices(ctx.store))).filter((r) => !name || r.service === name);
}
