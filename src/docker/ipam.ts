import { type Cidr, contains, nth, overlaps, parseCidr, parseIp } from '../cni/subnets';
import { ConflictError, UsageError } from '../errors';
import type { PoolRecord } from '../state/docker';

/** An IPAM pool as stored (docker/pools, see src/state/docker.ts). */
export type Pool = PoolRecord;

export const ADDRESS_SPACE = { local: 'CircuitLocal', global: 'CircuitGlobal' } as const;
export const GATEWAY_TYPE = 'com.docker.network.gateway';

/** The pool ID Docker hands back on every later call: address space and CIDR. */
export const poolId = (space: string, cidr: string) => `${space}/${cidr}`;

/**
 * RequestPool (pure): circuit's IPAM needs an explicit --subnet (it picks none itself) and refuses
 * one that overlaps another pool or a circuit network. Returns the new pool.
 */
export function planPool(
  req: { addressSpace: string; pool: string; subPool: string; v6: boolean },
  taken: { pools: Pool[]; subnets: Cidr[] },
): Pool {
  if (!req.pool)
    throw new UsageError(
      `circuit IPAM: give the network a subnet (docker network create --subnet CIDR${req.v6 ? ' --ipv6 --subnet CIDR6' : ''})`,
    );
  const cidr = parseCidr(req.pool, 'subnet');
  if ((cidr.family === 6) !== req.v6)
    throw new UsageError(`circuit IPAM: ${req.pool} is not an IPv${req.v6 ? '6' : '4'} subnet`);
  const maxPrefix = cidr.family === 4 ? 30 : 126;
  if (cidr.prefix > maxPrefix)
    throw new UsageError(`circuit IPAM: subnet ${cidr.text} is too small (at most /${maxPrefix})`);
  for (const p of taken.pools) {
    const other = parseCidr(p.pool, 'pool');
    if (overlaps(cidr, other))
      throw new ConflictError(`subnet ${cidr.text} overlaps ${other.text} (pool in use)`);
  }
  for (const other of taken.subnets)
    if (overlaps(cidr, other))
      throw new ConflictError(`subnet ${cidr.text} overlaps ${other.text} of an existing circuit network`);
  let subPool: string | undefined;
  if (req.subPool) {
    const sub = parseCidr(req.subPool, 'ip-range');
    if (sub.family !== cidr.family || sub.prefix < cidr.prefix || !contains(cidr, sub.addr))
      throw new UsageError(`circuit IPAM: ip-range ${sub.text} is not inside subnet ${cidr.text}`);
    subPool = sub.text;
  }
  return {
    id: poolId(req.addressSpace || ADDRESS_SPACE.local, cidr.text),
    pool: cidr.text,
    ...(subPool ? { subPool } : {}),
    v6: req.v6,
    allocated: [],
  };
}

/** Usable host offsets of a subnet: [first, last] (v4 skips network and broadcast). */
function hostRange(c: Cidr): [number, number] {
  const bits = (c.family === 4 ? 32 : 128) - c.prefix;
  const size = bits >= 52 ? Number.MAX_SAFE_INTEGER : 2 ** bits;
  return c.family === 4 ? [1, size - 2] : [1, size - 1];
}

/**
 * RequestAddress (pure): the gateway (the asked one, else the first host), an asked address (must
 * be in the subnet and free), or the first free one of the ip-range (else the subnet). Returns the
 * plain IP and the CIDR Docker expects.
 */
export function planAddress(
  pool: Pool,
  req: { address: string; gateway: boolean },
): { ip: string; cidr: string } {
  const net = parseCidr(pool.pool, 'pool');
  const taken = new Set(pool.allocated);
  const out = (ip: string) => ({ ip, cidr: `${ip}/${net.prefix}` });
  if (req.address) {
    const ip = parseIp(req.address, 'address');
    if (!contains(net, ip)) throw new UsageError(`address ${req.address} is not in subnet ${net.text}`);
    const text = ip.toString();
    if (text === nth(net, 0).toString() || (net.family === 4 && text === nth(net, -1).toString()))
      throw new UsageError(`address ${req.address} is the network or broadcast address of ${net.text}`);
    if (taken.has(text)) throw new ConflictError(`address ${text} is already in use on ${net.text}`);
    return out(text);
  }
  // the gateway defaults to the subnet's first host (as Docker's own IPAM); others use the ip-range
  const range = pool.subPool && !req.gateway ? parseCidr(pool.subPool, 'ip-range') : net;
  const [first, last] = hostRange(range);
  const limit = Math.min(last, first + 65535);
  for (let i = first; i <= limit; i++) {
    const ip = nth(range, i).toString();
    if (!contains(net, nth(range, i)) || taken.has(ip)) continue;
    if (net.family === 4 && (ip === nth(net, 0).toString() || ip === nth(net, -1).toString())) continue;
    return out(ip);
  }
  throw new ConflictError(`no free address left in ${range.text}`);
}
