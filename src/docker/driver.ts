import type { Runner } from '../runner';
import type { StateStore } from '../state/store';
import { DockerEndpoints } from './endpoints';
import { DockerIpam } from './ipam-driver';
import { DockerNetworks } from './networks';

type Body = Record<string, unknown>;
export type Handler = (body: unknown) => Promise<Body>;

/**
 * Docker's remote network driver and IPAM driver on circuit's state dir (the Docker area,
 * src/state/docker.ts): the plugin's calls, by path, to the IPAM pools (ipam-driver.ts), the
 * networks (networks.ts: Linux bridges) and the endpoints (endpoints.ts: veth pairs whose peer
 * Docker moves into the container, and their published ports).
 */
export class DockerDriver {
  readonly ipam: DockerIpam;
  readonly networks: DockerNetworks;
  readonly endpoints: DockerEndpoints;

  constructor(
    store: StateStore,
    run: Runner,
    /** Told after every change of networks or endpoints (the sync with circuit's records). */
    changed: () => void = () => undefined,
  ) {
    this.ipam = new DockerIpam(store);
    this.networks = new DockerNetworks(store, run, changed);
    this.endpoints = new DockerEndpoints(store, run, this.networks, changed);
  }

  /** Docker's plugin calls, by path. */
  routes(): Record<string, Handler> {
    const empty: Handler = async () => ({});
    const { ipam, networks: n, endpoints: e } = this;
    return {
      '/Plugin.Activate': async () => ({ Implements: ['NetworkDriver', 'IpamDriver'] }),
      '/NetworkDriver.GetCapabilities': async () => ({ Scope: 'local', ConnectivityScope: 'local' }),
      '/NetworkDriver.CreateNetwork': n.create,
      '/NetworkDriver.DeleteNetwork': n.delete,
      '/NetworkDriver.AllocateNetwork': empty,
      '/NetworkDriver.FreeNetwork': empty,
      '/NetworkDriver.CreateEndpoint': e.create,
      '/NetworkDriver.EndpointOperInfo': async () => ({ Value: {} }),
      '/NetworkDriver.DeleteEndpoint': e.delete,
      '/NetworkDriver.Join': e.join,
      '/NetworkDriver.Leave': e.leave,
      '/NetworkDriver.DiscoverNew': empty,
      '/NetworkDriver.DiscoverDelete': empty,
      '/NetworkDriver.ProgramExternalConnectivity': e.programPorts,
      '/NetworkDriver.RevokeExternalConnectivity': e.revokePorts,
      '/IpamDriver.GetCapabilities': ipam.capabilities,
      '/IpamDriver.GetDefaultAddressSpaces': ipam.addressSpaces,
      '/IpamDriver.RequestPool': ipam.requestPool,
      '/IpamDriver.ReleasePool': ipam.releasePool,
      '/IpamDriver.RequestAddress': ipam.requestAddress,
      '/IpamDriver.ReleaseAddress': ipam.releaseAddress,
    };
  }
}
