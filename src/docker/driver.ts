import { documentSubnets } from '../cni/subnets';
import { CircuitError, ExitCode, errorMessage, NotFoundError, UsageError } from '../errors';
import type { Runner } from '../runner';
import type { StateStore } from '../state/store';
import { ADDRESS_SPACE, GATEWAY_TYPE, type Pool, planAddress, planPool } from './ipam';
import {
  bridgeFor,
  type DockerEndpoint,
  type DockerNet,
  macFor,
  planBridge,
  planVeth,
  vethFor,
} from './links';
import { type PortMap, parsePortmap, portScript } from './ports';
import { dockerEndpointSchema, dockerNetSchema, poolSchema, requests } from './schemas';

type Body = Record<string, unknown>;

const GENERIC = 'com.docker.network.generic';
/** -o options a circuit network accepts (Docker's own bridge names for the same things too). */
const KNOWN_OPTIONS = [
  'circuit.bridge',
  'circuit.mtu',
  'com.docker.network.bridge.name',
  'com.docker.network.driver.mtu',
];

const fileOf = (poolId: string) => Buffer.from(poolId).toString('base64url');
const now = () => new Date().toISOString();
const ipOf = (cidr: string) => cidr.split('/')[0] ?? '';

/**
 * Docker's remote network driver and IPAM driver on circuit's state dir (docker/networks,
 * docker/endpoints, docker/pools). Networks are Linux bridges, endpoints veth pairs whose peer
 * Docker moves into the container. Every teardown call is idempotent: Docker retries them.
 */
export class DockerDriver {
  constructor(
    private readonly store: StateStore,
    private readonly run: Runner,
    /** Told after every change of networks or endpoints (the sync with circuit's records). */
    private readonly changed: () => void = () => undefined,
  ) {}

  // --- plugin / capabilities ------------------------------------------------
  activate = async (): Promise<Body> => ({ Implements: ['NetworkDriver', 'IpamDriver'] });
  networkCapabilities = async (): Promise<Body> => ({ Scope: 'local', ConnectivityScope: 'local' });
  ipamCapabilities = async (): Promise<Body> => ({ RequiresMACAddress: false, RequiresRequestReplay: false });
  addressSpaces = async (): Promise<Body> => ({
    LocalDefaultAddressSpace: ADDRESS_SPACE.local,
    GlobalDefaultAddressSpace: ADDRESS_SPACE.global,
  });
  empty = async (): Promise<Body> => ({});
  operInfo = async (): Promise<Body> => ({ Value: {} });

  // --- IPAM -----------------------------------------------------------------
  requestPool = (body: unknown): Promise<Body> => {
    const r = requests.RequestPool.parse(body);
    return this.store.locked(async () => {
      const pools = this.pools();
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
        { pools, subnets },
      );
      this.store.writeJson(`docker/pools/${fileOf(pool.id)}.json`, pool);
      return { PoolID: pool.id, Pool: pool.pool, Data: {} };
    });
  };

  releasePool = (body: unknown): Promise<Body> => {
    const r = requests.ReleasePool.parse(body);
    return this.store.locked(async () => {
      this.store.remove(`docker/pools/${fileOf(r.PoolID)}.json`);
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
      this.store.writeJson(`docker/pools/${fileOf(pool.id)}.json`, pool);
      return { Address: a.cidr, Data: {} };
    });
  };

  releaseAddress = (body: unknown): Promise<Body> => {
    const r = requests.ReleaseAddress.parse(body);
    return this.store.locked(async () => {
      const file = `docker/pools/${fileOf(r.PoolID)}.json`;
      const pool = this.store.readJson(file, poolSchema);
      if (pool) {
        const ip = ipOf(r.Address);
        pool.allocated = pool.allocated.filter((a) => a !== ip);
        this.store.writeJson(file, pool);
      }
      return {};
    });
  };

  // --- networks -------------------------------------------------------------
  createNetwork = async (body: unknown): Promise<Body> => {
    const r = requests.CreateNetwork.parse(body);
    const generic = (r.Options?.[GENERIC] ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(generic))
      if (!KNOWN_OPTIONS.includes(k))
        throw new UsageError(
          `circuit: unknown network option ${JSON.stringify(k)} (known: ${KNOWN_OPTIONS.join(', ')})`,
        );
    const bridgeOpt = String(generic['circuit.bridge'] ?? generic['com.docker.network.bridge.name'] ?? '');
    if (bridgeOpt && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(bridgeOpt))
      throw new UsageError(
        `circuit.bridge: ${JSON.stringify(bridgeOpt)} is not an interface name (15 characters at most)`,
      );
    const mtuOpt = generic['circuit.mtu'] ?? generic['com.docker.network.driver.mtu'];
    const mtu = mtuOpt === undefined ? undefined : Number(mtuOpt);
    if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535))
      throw new UsageError(`circuit.mtu: ${JSON.stringify(mtuOpt)} is not an MTU (576-65535)`);
    const v4 = r.IPv4Data?.[0];
    const v6 = r.IPv6Data?.[0];
    if (!v4?.Pool || v4.Pool === '0.0.0.0/0')
      throw new UsageError('circuit: give the network a subnet (docker network create --subnet CIDR)');
    const internal = r.Options?.['com.docker.network.internal'] === true;
    const net: DockerNet = {
      id: r.NetworkID,
      bridge: bridgeOpt || bridgeFor(r.NetworkID),
      ownBridge: true,
      internal,
      ...(mtu ? { mtu } : {}),
      v4: { pool: v4.Pool, gateway: ipOf(v4.Gateway ?? '') },
      ...(v6?.Pool ? { v6: { pool: v6.Pool, gateway: ipOf(v6.Gateway ?? '') } } : {}),
      createdAt: now(),
    };
    return this.store.locked(async () => {
      const observed = await this.observeBridge(net.bridge);
      net.ownBridge = !observed.exists;
      await this.runAll(planBridge(net, observed));
      this.store.writeJson(`docker/networks/${net.id}.json`, net);
      this.changed();
      return {};
    });
  };

  deleteNetwork = (body: unknown): Promise<Body> => {
    const r = requests.DeleteNetwork.parse(body);
    return this.store.locked(async () => {
      const net = this.store.readJson(`docker/networks/${r.NetworkID}.json`, dockerNetSchema);
      if (net?.ownBridge) await this.runAll([['ip', 'link', 'del', net.bridge]], true);
      this.store.remove(`docker/networks/${r.NetworkID}.json`);
      this.changed();
      return {};
    });
  };

  // --- endpoints ------------------------------------------------------------
  createEndpoint = (body: unknown): Promise<Body> => {
    const r = requests.CreateEndpoint.parse(body);
    return this.store.locked(async () => {
      this.network(r.NetworkID);
      const given = r.Interface?.MacAddress ?? '';
      const ep: DockerEndpoint = {
        id: r.EndpointID,
        networkId: r.NetworkID,
        ...vethFor(r.EndpointID),
        mac: given || macFor(r.EndpointID),
        ...(r.Interface?.Address ? { address: r.Interface.Address } : {}),
        ...(r.Interface?.AddressIPv6 ? { addressV6: r.Interface.AddressIPv6 } : {}),
        createdAt: now(),
      };
      this.store.writeJson(`docker/endpoints/${ep.id}.json`, ep, { durable: false });
      // what Docker gave stays Docker's; a MAC it did not give is ours to report
      return { Interface: given ? {} : { MacAddress: ep.mac } };
    });
  };

  join = (body: unknown): Promise<Body> => {
    const r = requests.Join.parse(body);
    return this.store.locked(async () => {
      const net = this.network(r.NetworkID);
      const ep = this.endpoint(r.EndpointID);
      const exists = (await this.run({ argv: ['ip', 'link', 'show', ep.host] })).exitCode === 0;
      await this.runAll(planVeth(net, ep, exists));
      if (r.SandboxKey) {
        ep.sandbox = r.SandboxKey;
        this.store.writeJson(`docker/endpoints/${ep.id}.json`, ep, { durable: false });
      }
      this.changed();
      return {
        InterfaceName: { SrcName: ep.peer, DstPrefix: 'eth' },
        ...(net.internal ? {} : { Gateway: net.v4?.gateway ?? '' }),
        ...(net.internal || !net.v6 ? {} : { GatewayIPv6: net.v6.gateway }),
        StaticRoutes: [],
        DisableGatewayService: false,
      };
    });
  };

  programPorts = (body: unknown): Promise<Body> => {
    const r = requests.Connectivity.parse(body);
    let ports: PortMap[];
    try {
      ports = parsePortmap(r.Options?.['com.docker.network.portmap']);
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    return this.store.locked(async () => {
      const ep = this.endpoint(r.EndpointID);
      if (ports.length === 0 && !ep.ports?.length) return {};
      ep.ports = ports;
      this.store.writeJson(`docker/endpoints/${ep.id}.json`, ep, { durable: false });
      await this.applyPorts();
      return {};
    });
  };

  revokePorts = (body: unknown): Promise<Body> => {
    const r = requests.Endpoint.parse(body);
    return this.store.locked(async () => {
      await this.dropPorts(r.EndpointID);
      return {};
    });
  };

  leave = (body: unknown): Promise<Body> => {
    const r = requests.Endpoint.parse(body);
    return this.store.locked(async () => {
      await this.dropPorts(r.EndpointID);
      await this.runAll([['ip', 'link', 'del', vethFor(r.EndpointID).host]], true);
      this.changed();
      return {};
    });
  };

  deleteEndpoint = (body: unknown): Promise<Body> => {
    const r = requests.Endpoint.parse(body);
    return this.store.locked(async () => {
      await this.dropPorts(r.EndpointID);
      await this.runAll([['ip', 'link', 'del', vethFor(r.EndpointID).host]], true);
      this.store.remove(`docker/endpoints/${r.EndpointID}.json`);
      this.changed();
      return {};
    });
  };

  // --- helpers --------------------------------------------------------------
  private endpoints(): DockerEndpoint[] {
    return this.store
      .list('docker/endpoints')
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => this.store.readJson(`docker/endpoints/${f}`, dockerEndpointSchema) ?? []);
  }

  /** Re-render the published ports of every endpoint (one nft transaction). Inside the lock. */
  private async applyPorts(): Promise<void> {
    const published = this.endpoints()
      .filter((e) => e.ports?.length)
      .map((e) => ({
        endpoint: e.id,
        ...(e.address ? { address: ipOf(e.address) } : {}),
        ...(e.addressV6 ? { addressV6: ipOf(e.addressV6) } : {}),
        ports: e.ports ?? [],
      }));
    const r = await this.run({ argv: ['nft', '-f', '-'], input: portScript(published) });
    if (r.exitCode !== 0)
      throw new CircuitError(`nft: ${(r.stderr || r.failure || '').trim()}`, ExitCode.plugin);
  }

  /** Forget an endpoint's published ports (idempotent). Inside the lock. */
  private async dropPorts(endpointId: string): Promise<void> {
    const file = `docker/endpoints/${endpointId}.json`;
    const ep = this.store.readJson(file, dockerEndpointSchema);
    if (!ep?.ports?.length) return;
    ep.ports = [];
    this.store.writeJson(file, ep, { durable: false });
    await this.applyPorts();
  }

  private pools(): Pool[] {
    return this.store
      .list('docker/pools')
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => this.store.readJson(`docker/pools/${f}`, poolSchema) ?? []);
  }

  private pool(id: string): Pool {
    const p = this.store.readJson(`docker/pools/${fileOf(id)}.json`, poolSchema);
    if (!p) throw new NotFoundError(`circuit IPAM: no pool ${id}`);
    return p;
  }

  private network(id: string): DockerNet {
    const n = this.store.readJson(`docker/networks/${id}.json`, dockerNetSchema);
    if (!n) throw new NotFoundError(`circuit: no network ${id.slice(0, 12)}`);
    return n;
  }

  private endpoint(id: string): DockerEndpoint {
    const e = this.store.readJson(`docker/endpoints/${id}.json`, dockerEndpointSchema);
    if (!e) throw new NotFoundError(`circuit: no endpoint ${id.slice(0, 12)}`);
    return e;
  }

  private async observeBridge(name: string): Promise<{ exists: boolean; addrs: string[] }> {
    const r = await this.run({ argv: ['ip', '-j', 'addr', 'show', 'dev', name] });
    if (r.exitCode !== 0) return { exists: false, addrs: [] };
    const links = JSON.parse(r.stdout || '[]') as { addr_info?: { local: string; prefixlen: number }[] }[];
    return { exists: true, addrs: (links[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`) };
  }

  /** Run a plan in order; the first failure stops it (`ignoreMissing`: a gone link is fine). */
  private async runAll(cmds: string[][], ignoreMissing = false): Promise<void> {
    for (const argv of cmds) {
      const r = await this.run({ argv });
      if (r.exitCode === 0) continue;
      if (ignoreMissing && /Cannot find device|does not exist/.test(r.stderr)) continue;
      throw new CircuitError(`${argv.join(' ')}: ${(r.stderr || r.failure || '').trim()}`, ExitCode.plugin);
    }
  }
}
