/** Host-side links of Docker networks and endpoints, as `ip` command plans (pure). */

export interface DockerNet {
  id: string;
  bridge: string;
  /** Whether circuit created the bridge (and so deletes it). */
  ownBridge: boolean;
  internal: boolean;
  mtu?: number;
  v4?: { pool: string; gateway: string };
  v6?: { pool: string; gateway: string };
  createdAt: string;
}

export interface DockerEndpoint {
  id: string;
  networkId: string;
  host: string;
  peer: string;
  mac: string;
  address?: string;
  addressV6?: string;
  /** The container's network namespace (Join's SandboxKey). */
  sandbox?: string;
  /** Published ports (docker run -p), set by ProgramExternalConnectivity. */
  ports?: { proto: 'tcp' | 'udp'; hostIp?: string; hostPort: number; port: number }[];
  createdAt: string;
}

/** `cird` + 10 hex of the network id (15 characters at most, like every Linux interface name). */
export const bridgeFor = (networkId: string) => `cird${networkId.slice(0, 10)}`;

/** Veth names of an endpoint: host end `cvh…` (stays on the bridge), peer `cvp…` (Docker moves it). */
export function vethFor(endpointId: string): { host: string; peer: string } {
  const tag = endpointId.slice(0, 11);
  return { host: `cvh${tag}`, peer: `cvp${tag}` };
}

/** A stable locally administered MAC derived from the endpoint id (02:xx:…). */
export function macFor(endpointId: string): string {
  const hex = `${endpointId.replace(/[^0-9a-f]/gi, '')}0000000000`.slice(0, 10).toLowerCase();
  return `02:${hex.match(/../g)?.join(':')}`;
}

const prefixOf = (cidr: string) => cidr.split('/')[1] ?? '';

/** Bring a network's bridge up: create it unless it exists, add the gateway addresses it lacks. */
export function planBridge(net: DockerNet, observed: { exists: boolean; addrs: string[] }): string[][] {
  const cmds: string[][] = [];
  if (!observed.exists) cmds.push(['ip', 'link', 'add', net.bridge, 'type', 'bridge']);
  if (net.mtu) cmds.push(['ip', 'link', 'set', net.bridge, 'mtu', String(net.mtu)]);
  if (!net.internal) {
    for (const fam of [net.v4, net.v6]) {
      if (!fam) continue;
      const addr = `${fam.gateway}/${prefixOf(fam.pool)}`;
      if (observed.addrs.includes(addr)) continue;
      cmds.push(['ip', 'addr', 'add', addr, 'dev', net.bridge, ...(fam === net.v6 ? ['nodad'] : [])]);
    }
  }
  cmds.push(['ip', 'link', 'set', net.bridge, 'up']);
  return cmds;
}

/** The veth pair of an endpoint, host end on the bridge; Docker moves the peer into the container. */
export function planVeth(net: DockerNet, ep: DockerEndpoint, exists: boolean): string[][] {
  const cmds: string[][] = [];
  if (exists) cmds.push(['ip', 'link', 'del', ep.host]);
  cmds.push([
    'ip',
    'link',
    'add',
    ep.host,
    ...(net.mtu ? ['mtu', String(net.mtu)] : []),
    'type',
    'veth',
    'peer',
    'name',
    ep.peer,
  ]);
  cmds.push(['ip', 'link', 'set', ep.peer, 'address', ep.mac]);
  cmds.push(['ip', 'link', 'set', ep.host, 'master', net.bridge]);
  cmds.push(['ip', 'link', 'set', ep.host, 'up']);
  return cmds;
}
