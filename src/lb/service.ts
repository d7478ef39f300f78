import { ConflictError, NotFoundError } from '../errors';
import type { Runner } from '../runner';
import { withAreaLock } from '../state/area-lock';
import { lbServices } from '../state/lb';
import { ownedLedger } from '../state/owned';
import type { StateStore } from '../state/store';
import { applyIpvs, applyNft, ipvsAvailable } from './apply';
import { serviceKey } from './ipvs-plan';
import { checkBackendSupport, type Service, sameService, type Target } from './spec';

/** Every readable service (lists, metrics: a corrupt one is skipped with a warning). */
export function listServices(store: StateStore): Service[] {
  return lbServices(store).all();
}

/**
 * Every service, for a change: the kernel is rendered from all of them, so a corrupt one fails the
 * change (exit 6) instead of silently dropping that service from the kernel.
 */
function allForChange(store: StateStore): Service[] {
  return lbServices(store).strictAll();
}

export function getService(store: StateStore, name: string): Service {
  const s = lbServices(store).get(name);
  if (!s) throw new NotFoundError(`service ${name} not found`);
  return s;
}

/**
 * Run a change of the load balancer: serialised with every other (across processes) by the lb
 * area's own lock, never the global one, so slow ipvsadm/nft calls stall no container start.
 * Everything in service.ts that changes services runs inside it.
 */
export function lbLocked<T>(store: StateStore, fn: () => Promise<T>): Promise<T> {
  return withAreaLock(store.root, 'lb', fn);
}

/** The stored services, read under the global lock (held only for the read). Inside lbLocked(). */
export function snapshot(store: StateStore): Promise<Service[]> {
  return store.locked(async () => allForChange(store));
}

/** Every IPVS service key circuit ever programmed (so only those are ever removed from the kernel). */
function owned(store: StateStore): Set<string> {
  return new Set(
    ownedLedger(store)
      .list(['ipvs'])
      .map((o) => o.name),
  );
}

/**
 * Program the kernel from `next` (the full desired set), then store it. IPVS is touched only
 * when circuit has or had IPVS services; the nftables table is re-rendered as a whole (one
 * atomic transaction; removed when empty). Inside lbLocked(): the ledger of owned IPVS services
 * grows (global lock, briefly) before ipvsadm runs, the kernel is programmed with no state lock
 * held, and the records and the ledger's final content are written after (global lock, briefly).
 */
export async function commit(
  store: StateStore,
  run: Runner,
  next: Service[],
  changed: Service[],
): Promise<void> {
  const ipvsKeys = next.filter((s) => s.backend === 'ipvs').map(serviceKey);
  const touchIpvs = (own: Set<string>) =>
    ipvsKeys.length > 0 || own.size > 0 || changed.some((s) => s.backend === 'ipvs');
  const own = await store.locked(async () => {
    const before = owned(store);
    const all = new Set([...before, ...ipvsKeys]);
    // ownership before creation: a service is in the ledger before ipvsadm may create it
    if (all.size > before.size)
      ownedLedger(store).replace(
        ['ipvs'],
        [...all].map((name) => ({ kind: 'ipvs' as const, name })),
      );
    return { before, all };
  });
  if (touchIpvs(own.before)) await applyIpvs(run, next, own.all);
  await applyNft(run, next);
  await store.locked(async () => {
    if (touchIpvs(own.before)) {
      ownedLedger(store).replace(
        ['ipvs'],
        ipvsKeys.map((name) => ({ kind: 'ipvs' as const, name })),
      );
    }
    const names = new Set(next.map((s) => s.name));
    for (const s of changed) {
      if (names.has(s.name)) lbServices(store).put(s);
      else lbServices(store).remove(s.name);
    }
  });
}

export async function resolveBackend(
  run: Runner,
  wanted: 'auto' | 'ipvs' | 'nftables',
): Promise<{ backend: 'ipvs' | 'nftables'; note?: string }> {
  if (wanted === 'nftables') return { backend: 'nftables' };
  const ipvs = await ipvsAvailable(run);
  if (wanted === 'ipvs') {
    if (!ipvs) throw new ConflictError('this kernel has no IPVS (ip_vs); use --backend nftables or auto');
    return { backend: 'ipvs' };
  }
  return ipvs
    ? { backend: 'ipvs', note: 'backend: ipvs' }
    : { backend: 'nftables', note: 'backend: nftables (no IPVS in this kernel)' };
}

/** Inside lbLocked(). */
export async function createService(
  store: StateStore,
  run: Runner,
  svc: Service,
): Promise<'created' | 'exists'> {
  checkBackendSupport(svc);
  const all = await snapshot(store);
  const existing = all.find((s) => s.name === svc.name);
  if (existing) {
    if (sameService(existing, svc)) return 'exists';
    throw new ConflictError(`service ${svc.name} already exists with different settings (delete it first)`);
  }
  const clash = all.find((s) => serviceKey(s) === serviceKey(svc));
  if (clash)
    throw new ConflictError(
      `${svc.protocol} ${svc.addr}:${svc.port} is already used by service ${clash.name}`,
    );
  await commit(store, run, [...all, svc], [svc]);
  return 'created';
}

/** Apply a change to one service's targets and commit it (one transaction) if anything changed. */
async function updateTargets(
  store: StateStore,
  run: Runner,
  name: string,
  change: (targets: Target[]) => { targets: Target[]; changes: number },
): Promise<number> {
  const all = await snapshot(store);
  const svc = all.find((s) => s.name === name);
  if (!svc) throw new NotFoundError(`service ${name} not found`);
  const { targets, changes } = change(svc.targets);
  const next = { ...svc, targets };
  if (changes > 0)
    await commit(
      store,
      run,
      all.map((s) => (s.name === name ? next : s)),
      [next],
    );
  return changes;
}

const sameTarget = (a: Target, b: Target) => a.addr === b.addr && a.port === b.port;

/** Add targets, or change the weight of existing ones; idempotent. Inside lbLocked(). */
export function addTargets(store: StateStore, run: Runner, name: string, add: Target[]): Promise<number> {
  return updateTargets(store, run, name, (current) => {
    const targets = [...current];
    let changes = 0;
    for (const t of add) {
      const i = targets.findIndex((x) => sameTarget(x, t));
      if (i < 0) targets.push(t);
      else if (targets[i]?.weight !== t.weight) targets[i] = t;
      else continue;
      changes++;
    }
    return { targets, changes };
  });
}

/** Remove targets; missing ones are fine. Inside lbLocked(). */
export function removeTargets(store: StateStore, run: Runner, name: string, drop: Target[]): Promise<number> {
  return updateTargets(store, run, name, (current) => {
    const targets = current.filter((t) => !drop.some((x) => sameTarget(x, t)));
    return { targets, changes: current.length - targets.length };
  });
}

/** `names` undefined: every service. Inside lbLocked(). */
export async function deleteServices(store: StateStore, run: Runner, names?: string[]): Promise<string[]> {
  const all = await snapshot(store);
  const gone = all.filter((s) => !names || names.includes(s.name));
  if (gone.length > 0)
    await commit(
      store,
      run,
      all.filter((s) => !gone.includes(s)),
      gone,
    );
  return gone.map((s) => s.name);
}

/** Re-program every service from state (after a reboot, `ipvsadm -C` or `nft flush ruleset`). Inside lbLocked(). */
export async function restoreAll(store: StateStore, run: Runner): Promise<number> {
  const all = await snapshot(store);
  await commit(store, run, all, all);
  return all.length;
}
