import { documentSubnets } from '../cni/subnets';
import { NotFoundError } from '../errors';
import { dockerArea } from '../state/docker';
import type { StateStore } from '../state/store';
import { ADDRESS_SPACE, GATEWAY_TYPE, type Pool, planAddress, planPool } from './ipam';
import { requests } from './requests';

type Body = Record<string, unknown>;

const ipOf = (cidr: string) => cidr.split('/')[0] ?? '';

/**
 * Docker's IPAM driver calls on the pools of the Docker area (docker/pools). State only (no
 * kernel work), so each call is one short read-modify-write under the global state lock.
 * Releases are idempotent: Docker retries them.
 */
export class DockerIpam {
  private readonly area;

  constructor(private readonly store: StateStore) {
    this.area = dockerArea(store);
  }

  capabilities = async (): Promise<Body> => ({ RequiresMACAddress: false, RequiresRequestReplay: false });
  addressSpaces = async (): Promise<Body> => ({
    LocalDefaultAddressSpace: ADDRESS_SPACE.local,
    GlobalDefaultAddressSpace: ADDRESS_SPACE.global,
  });

  requestPool = (body: unknown): Promise<Body> => {
    const r = requests.RequestPool.parse(body);
    return this.store.locked(async () => {
      const subnets = this.store
        .networkNames()
        .flatMap((n) => documentSubnets(this.store.getNetwork(n)?.config ?? {}));
      const pool = planPool(
        {
          addressSpace: r.AddressSpace ?? '',
          pool: r.Pool ?? '',
          subPool: r.SubPool ?? '',
          v6: r.V6 ?? false,
        },
        // every pool counts for overlaps: a corrupt one fails the request (exit 6), never ignored
        { pools: this.area.pools.strictAll(), subnets },
      );
      this.area.pools.put(pool);
      return { PoolID: pool.id, Pool: pool.pool, Data: {} };
    });
  };

  releasePool = (body: unknown): Promise<Body> => {
    const r = requests.ReleasePool.parse(body);
    return this.store.locked(async () => {
      this.area.pools.remove(r.PoolID);
      return {};
    });
  };

  requestAddress = (body: unknown): Promise<Body> => {
    const r = requests.RequestAddress.parse(body);
    return this.store.locked(async () => {
      const pool = this.pool(r.PoolID);
      const a = planAddress(pool, {
        address: r.Address ?? '',
        gateway: r.Options?.RequestAddressType === GATEWAY_TYPE,
      });
      pool.allocated.push(a.ip);
      this.area.pools.put(pool);
      return { Address: a.cidr, Data: {} };
    });
  };

  releaseAddress = (body: unknown): Promise<Body> => {
    const r = requests.ReleaseAddress.parse(body);
    return this.store.locked(async () => {
      const pool = this.area.pools.get(r.PoolID);
      if (pool) {
        const ip = ipOf(r.Address);
        pool.allocated = pool.allocated.filter((a) => a !== ip);
        this.area.pools.put(pool);
      }
      return {};
    });
  };

  private pool(id: string): Pool {
    const p = this.area.pools.get(id);
    if (!p) throw new NotFoundError(`circuit IPAM: no pool ${id}`);
    return p;
  }
}
