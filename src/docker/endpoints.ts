import { errorMessage, NotFoundError, noteRollbackFailure, UsageError } from '../errors';
import { runStep, runSteps } from '../kernel/step';
import type { Runner } from '../runner';
import { dockerArea } from '../state/docker';
import type { StateStore } from '../state/store';
import { type DockerEndpoint, macFor, vethDeleteStep, vethFor, vethPlan } from './links';
import { dockerLocked } from './lock';
import type { DockerNetworks } from './networks';
import { type PortMap, type Published, parsePortmap, portStep } from './ports';
import { requests } from './requests';

type Body = Record<string, unknown>;

const ipOf = (cidr: string) => cidr.split('/')[0] ?? '';

/** The published ports of every endpoint, `ep` as given (a change not recorded yet). */
function published(all: readonly DockerEndpoint[], ep?: DockerEndpoint): Published[] {
  return all
    .map((e) => (ep && e.id === ep.id ? ep : e))
    .filter((e) => e.ports?.length)
    .map((e) => ({
      endpoint: e.id,
      ...(e.address ? { address: ipOf(e.address) } : {}),
      ...(e.addressV6 ? { addressV6: ipOf(e.addressV6) } : {}),
      ports: e.ports ?? [],
    }));
}

/**
 * Docker's endpoint calls: an endpoint is a veth pair (its record, written at CreateEndpoint,
 * owns it before Join creates it), and its published ports are DNAT rules in one nft table
 * rendered from every endpoint's record. Each change runs in the Docker area's lock (see
 * dockerLocked): records under the global lock briefly, ip/nft outside it. Every teardown call
 * is idempotent: Docker retries them.
 */
export class DockerEndpoints {
  private readonly area;

  constructor(
    private readonly store: StateStore,
    private readonly run: Runner,
    private readonly networks: DockerNetworks,
    private readonly changed: () => void,
  ) {
    this.area = dockerArea(store);
  }

  create = (body: unknown): Promise<Body> => {
    const r = requests.CreateEndpoint.parse(body);
    return dockerLocked(this.store, () =>
      this.store.locked(async () => {
        this.networks.get(r.NetworkID);
        const given = r.Interface?.MacAddress ?? '';
        const ep: DockerEndpoint = {
          id: r.EndpointID,
          networkId: r.NetworkID,
          ...vethFor(r.EndpointID),
          mac: given || macFor(r.EndpointID),
          ...(r.Interface?.Address ? { address: r.Interface.Address } : {}),
          ...(r.Interface?.AddressIPv6 ? { addressV6: r.Interface.AddressIPv6 } : {}),
          createdAt: new Date().toISOString(),
        };
        this.area.endpoints.put(ep);
        // what Docker gave stays Docker's; a MAC it did not give is ours to report
        return { Interface: given ? {} : { MacAddress: ep.mac } };
      }),
    );
  };

  /** The veth pair, all or nothing; the sandbox is recorded once it is there. */
  join = (body: unknown): Promise<Body> => {
    const r = requests.Join.parse(body);
    return dockerLocked(this.store, async () => {
      const { net, ep } = await this.store.locked(async () => ({
        net: this.networks.get(r.NetworkID),
        ep: this.endpoint(r.EndpointID),
      }));
      try {
        await runSteps(this.run, vethPlan(net, ep));
      } catch (err) {
        let failure: unknown = err;
        await runStep(this.run, vethDeleteStep(ep.id)).catch((rb: unknown) => {
          failure = noteRollbackFailure(failure, `removing veth ${ep.host}`, rb);
        });
        throw failure;
      }
      if (r.SandboxKey) {
        const sandbox = r.SandboxKey;
        await this.store.locked(async () => {
          const cur = this.area.endpoints.get(ep.id);
          if (cur) this.area.endpoints.put({ ...cur, sandbox });
        });
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

  /**
   * ProgramExternalConnectivity: the endpoint's ports are recorded first (the record owns the
   * rules), then the table is rendered from every endpoint; if nft fails, the record is put back.
   */
  programPorts = (body: unknown): Promise<Body> => {
    const r = requests.Connectivity.parse(body);
    let ports: PortMap[];
    try {
      ports = parsePortmap(r.Options?.['com.docker.network.portmap']);
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    return dockerLocked(this.store, async () => {
      const plan = await this.store.locked(async () => {
        const ep = this.endpoint(r.EndpointID);
        if (ports.length === 0 && !ep.ports?.length) return undefined;
        const all = this.area.endpoints.strictAll();
        this.area.endpoints.put({ ...ep, ports });
        return { before: ep, step: portStep(published(all, { ...ep, ports })) };
      });
      if (!plan) return {};
      try {
        await runStep(this.run, plan.step);
      } catch (err) {
        await this.store.locked(async () => {
          if (this.area.endpoints.get(plan.before.id)) this.area.endpoints.put(plan.before);
        });
        throw err;
      }
      return {};
    });
  };

  revokePorts = (body: unknown): Promise<Body> => {
    const r = requests.Endpoint.parse(body);
    return dockerLocked(this.store, async () => {
      await this.dropPorts(r.EndpointID);
      return {};
    });
  };

  leave = (body: unknown): Promise<Body> => {
    const r = requests.Endpoint.parse(body);
    return dockerLocked(this.store, async () => {
      await this.dropPorts(r.EndpointID);
      await runStep(this.run, vethDeleteStep(r.EndpointID));
      this.changed();
      return {};
    });
  };

  /** The veth goes first, then the record that owns it. */
  delete = (body: unknown): Promise<Body> => {
    const r = requests.Endpoint.parse(body);
    return dockerLocked(this.store, async () => {
      await this.dropPorts(r.EndpointID);
      await runStep(this.run, vethDeleteStep(r.EndpointID));
      await this.store.locked(async () => this.area.endpoints.remove(r.EndpointID));
      this.changed();
      return {};
    });
  };

  /**
   * Forget an endpoint's published ports (idempotent): the table is rendered without them first,
   * then the record follows (a failed nft leaves the record as the kernel still is). In the lock.
   */
  private async dropPorts(endpointId: string): Promise<void> {
    const plan = await this.store.locked(async () => {
      const ep = this.area.endpoints.get(endpointId);
      if (!ep?.ports?.length) return undefined;
      return { step: portStep(published(this.area.endpoints.strictAll(), { ...ep, ports: [] })) };
    });
    if (!plan) return;
    await runStep(this.run, plan.step);
    await this.store.locked(async () => {
      const cur = this.area.endpoints.get(endpointId);
      if (cur) this.area.endpoints.put({ ...cur, ports: [] });
    });
  }

  private endpoint(id: string): DockerEndpoint {
    const e = this.area.endpoints.get(id);
    if (!e) throw new NotFoundError(`circuit: no endpoint ${id.slice(0, 12)}`);
    return e;
  }
}
