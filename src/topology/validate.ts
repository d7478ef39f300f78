import ipaddr from 'ipaddr.js';
import { containerId, ifName } from '../names';
import * as z from '../schema';
import { outerDevName, stableMac, tunnelDevName } from './generated';
import type { MergedTopology } from './merge';
import type { Bridge, ContainerCommand, Forward, Link, LinkType, Topology, Tunnel } from './spec';

const NETEM_WORDS = new Set([
  'limit',
  'delay',
  'latency',
  'distribution',
  'loss',
  'drop',
  'corrupt',
  'duplicate',
  'reorder',
  'gap',
  'rate',
  'slot',
  'ecn',
]);
const MODES: Partial<Record<LinkType, readonly string[]>> = {
  macvlan: ['bridge', 'private', 'vepa', 'passthru', 'source'],
  macvtap: ['bridge', 'private', 'vepa', 'passthru', 'source'],
  ipvlan: ['l2', 'l3', 'l3s'],
  ipvtap: ['l2', 'l3', 'l3s'],
};
const CHILD_TYPES: readonly LinkType[] = ['vlan', 'ipvlan', 'macvlan', 'ipvtap', 'macvtap'];
const NETNS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);

function issue(schema: z.Schema<string>, value: string): string | undefined {
  const r = z.safeParse(schema, value);
  return r.success ? undefined : r.error.issues[0]?.message;
}

function cidrProblem(ip: string): string | undefined {
  try {
    ipaddr.parseCIDR(ip);
    return undefined;
  } catch {
    return `${JSON.stringify(ip)} is not an address with a prefix length (e.g. 198.18.5.2/24)`;
  }
}

function parseForward(spec: string): Forward | undefined {
  const m = /^(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(spec.trim());
  if (!m) return undefined;
  const port = Number(m[1]);
  const containerPort = Number(m[2]);
  if (port < 1 || port > 65535 || containerPort < 1 || containerPort > 65535) return undefined;
  return { port, containerPort, protocol: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}

/** Checks between fields, defaults, generated names: the topology the planners take. */
export function validateTopology(m: MergedTopology): { topology: Topology; errors: string[] } {
  const errors: string[] = [];
  const err = (origin: string, field: string, what: string) =>
    errors.push(field ? `${origin}.${field}: ${what}` : `${origin}: ${what}`);
  const topology: Topology = { links: [], bridges: {}, tunnels: [], commands: [] };

  if (m.namespace) {
    if (NETNS_NAME.test(m.namespace.value)) topology.namespace = m.namespace.value;
    else err(m.namespace.origin, '', `${JSON.stringify(m.namespace.value)} is not a network namespace name`);
  }

  for (const [name, b] of Object.entries(m.bridges)) {
    const bad = issue(ifName, name);
    if (bad) err(b.origin, '', `bridge ${JSON.stringify(name)}: ${bad}`);
    const mode = b.value.mode ?? 'auto';
    if (mode === 'ovs') {
      err(b.origin, 'mode', 'ovs needs Open vSwitch, which circuit does not drive; use linux or patch');
      continue;
    }
    topology.bridges[name] = { mode: mode === 'patch' ? 'patch' : 'linux' };
  }
  const bridgeOf = (name: string): Bridge => {
    let b = topology.bridges[name];
    if (!b) {
      b = { mode: 'linux' };
      topology.bridges[name] = b;
    }
    return b;
  };

  for (const { value: l, origin } of m.links) {
    const type: LinkType = l.type ?? 'veth';
    if (l.service !== undefined)
      err(
        origin,
        'service',
        'compose services are not supported; name the container (runc id or containerd name)',
      );
    if (l.container === undefined) {
      if (l.service === undefined) err(origin, 'container', 'required');
      continue;
    }
    const badId = issue(containerId, l.container);
    if (badId) err(origin, 'container', badId);
    const dev = l.dev ?? 'eth0';
    const badDev = issue(ifName, dev);
    if (badDev) err(origin, 'dev', badDev);
    const link: Link = {
      type,
      container: l.container,
      dev,
      route: [],
      netem: [],
      forward: [],
      ethtool: [],
      origin,
    };

    const child = CHILD_TYPES.includes(type);
    if (l['outer-dev'] !== undefined) {
      if (type === 'dummy') err(origin, 'outer-dev', 'not used by type dummy (it has no outer end)');
      const bad = issue(ifName, l['outer-dev']);
      if (bad) err(origin, 'outer-dev', bad);
      link.outerDev = l['outer-dev'];
    } else if (child) err(origin, 'outer-dev', `required for type ${type} (the parent device)`);
    else if (type === 'veth') link.outerDev = outerDevName(l.container, dev);

    if (type === 'veth') {
      if (l.bridge === undefined)
        err(origin, 'bridge', 'required for type veth (the bridge its outer end joins)');
      else {
        const bad = issue(ifName, l.bridge);
        if (bad) err(origin, 'bridge', bad);
        link.bridge = l.bridge;
        bridgeOf(l.bridge);
      }
    } else if (l.bridge !== undefined) err(origin, 'bridge', `only for type veth, not ${type}`);

    if (l.ip !== undefined) {
      const bad = cidrProblem(l.ip);
      if (bad) err(origin, 'ip', bad);
      link.ip = l.ip;
    }
    if (l.mac !== undefined) {
      if (type === 'ipvlan' || type === 'ipvtap')
        err(origin, 'mac', `not for type ${type} (it shares its parent's MAC)`);
      else if (!MAC.test(l.mac)) err(origin, 'mac', `${JSON.stringify(l.mac)} is not a MAC address`);
      else if (Number.parseInt(l.mac.slice(0, 2), 16) & 1)
        err(origin, 'mac', `${l.mac} is a multicast address`);
      link.mac = l.mac.toLowerCase();
    } else if (type !== 'ipvlan' && type !== 'ipvtap') link.mac = stableMac(l.container, dev);

    if (l.mtu !== undefined) {
      if (!Number.isInteger(l.mtu) || l.mtu < 68 || l.mtu > 65535)
        err(origin, 'mtu', 'must be an integer from 68 to 65535');
      link.mtu = l.mtu;
    } else if (type === 'veth') link.mtu = 65535;

    link.route = list(l.route);
    link.route.forEach((r, i) => {
      if (!words(r).length) err(origin, `route[${i}]`, 'empty');
    });
    link.netem = list(l.netem);
    link.netem.forEach((n, i) => {
      const w = words(n)[0];
      if (!w || !NETEM_WORDS.has(w))
        err(
          origin,
          `netem[${i}]`,
          `${JSON.stringify(n)} is not a netem option (delay, loss, duplicate, ...)`,
        );
    });

    const modes = MODES[type];
    if (l.mode !== undefined) {
      if (!modes) err(origin, 'mode', `only for macvlan, macvtap, ipvlan and ipvtap, not ${type}`);
      else if (!modes.includes(l.mode))
        err(origin, 'mode', `${JSON.stringify(l.mode)} is not one of ${modes.join(', ')}`);
      link.mode = l.mode;
    } else if (modes) link.mode = modes[0];

    if (type === 'vlan') {
      if (l.vlanid === undefined) err(origin, 'vlanid', 'required for type vlan');
      else if (!Number.isInteger(l.vlanid) || l.vlanid < 1 || l.vlanid > 4094)
        err(origin, 'vlanid', 'must be from 1 to 4094');
      link.vlanid = l.vlanid;
    } else if (l.vlanid !== undefined) err(origin, 'vlanid', `only for type vlan, not ${type}`);

    const v4ip =
      link.ip !== undefined && !cidrProblem(link.ip) && ipaddr.parseCIDR(link.ip)[0].kind() === 'ipv4';
    if (l.nat !== undefined) {
      if (!ipaddr.IPv4.isValidFourPartDecimal(l.nat))
        err(origin, 'nat', `${JSON.stringify(l.nat)} is not an IPv4 address`);
      else if (!v4ip) err(origin, 'nat', 'needs an IPv4 ip on the link (the address it maps to)');
      link.nat = l.nat;
    }
    list(l.forward).forEach((f, i) => {
      const fw = parseForward(f);
      if (type !== 'veth') err(origin, 'forward', `only for type veth, not ${type}`);
      else if (!fw) err(origin, `forward[${i}]`, `${JSON.stringify(f)} is not PORT:CONTAINER_PORT[/tcp|udp]`);
      else if (!v4ip) err(origin, `forward[${i}]`, 'needs an IPv4 ip on the link');
      else link.forward.push(fw);
    });
    link.ethtool = list(l.ethtool);
    if (link.ethtool.length && type !== 'veth') err(origin, 'ethtool', `only for type veth, not ${type}`);
    link.ethtool.forEach((e, i) => {
      if (!/^-/.test(e.trim()))
        err(
          origin,
          `ethtool[${i}]`,
          `${JSON.stringify(e)} must start with an ethtool option (e.g. "--offload rx off")`,
        );
    });
    topology.links.push(link);
  }

  const seenDev = new Map<string, string>();
  for (const l of topology.links) {
    const key = `${l.container}/${l.dev}`;
    const prev = seenDev.get(key);
    if (prev) err(l.origin, 'dev', `${l.container} already has ${l.dev} (${prev})`);
    seenDev.set(key, l.origin);
  }
  const outerOwners = new Map<string, string>();
  for (const l of topology.links) {
    if (l.type !== 'veth' || !l.outerDev) continue;
    const prev = outerOwners.get(l.outerDev);
    if (prev) err(l.origin, 'outer-dev', `${l.outerDev} is already the outer end of ${prev}`);
    outerOwners.set(l.outerDev, l.origin);
  }

  const tunnelDevs = new Set<string>();
  for (const { value: t, origin } of m.tunnels) {
    for (const k of ['type', 'bridge', 'remote', 'vni'] as const)
      if (t[k] === undefined) err(origin, k, 'required');
    if (!t.type || t.bridge === undefined || t.remote === undefined || t.vni === undefined) continue;
    if (!ipaddr.isValid(t.remote)) err(origin, 'remote', `${JSON.stringify(t.remote)} is not an IP address`);
    if (!Number.isInteger(t.vni) || t.vni < 0 || t.vni > 16777215)
      err(origin, 'vni', 'must be from 0 to 16777215');
    const bad = issue(ifName, t.bridge);
    if (bad) err(origin, 'bridge', bad);
    const netem = list(t.netem);
    netem.forEach((n, i) => {
      const w = words(n)[0];
      if (!w || !NETEM_WORDS.has(w)) err(origin, `netem[${i}]`, `${JSON.stringify(n)} is not a netem option`);
    });
    const dev = tunnelDevName(t.type, t.vni);
    if (tunnelDevs.has(dev)) err(origin, 'vni', `another ${t.type} tunnel already uses VNI ${t.vni}`);
    tunnelDevs.add(dev);
    bridgeOf(t.bridge);
    const tunnel: Tunnel = { type: t.type, bridge: t.bridge, remote: t.remote, vni: t.vni, netem, dev };
    topology.tunnels.push(tunnel);
  }

  for (const [name, b] of Object.entries(topology.bridges)) {
    if (b.mode !== 'patch') continue;
    const members = [
      ...topology.links.filter((l) => l.bridge === name).map((l) => l.origin),
      ...topology.tunnels.filter((t) => t.bridge === name).map((t) => `tunnel ${t.dev}`),
    ];
    if (members.length > 2) {
      const third = topology.links.filter((l) => l.bridge === name)[2];
      err(
        third ? `${third.origin}` : `bridges.${name}`,
        third ? 'bridge' : '',
        `bridge ${name} is a patch: it joins exactly two links, and ${members.slice(0, 2).join(' and ')} already use it`,
      );
    }
  }

  for (const { value: c, origin } of m.commands) {
    if (c.service !== undefined)
      err(origin, 'service', 'compose services are not supported; name the container');
    if (c.container === undefined) {
      if (c.service === undefined) err(origin, 'container', 'required');
      continue;
    }
    const badId = issue(containerId, c.container);
    if (badId) err(origin, 'container', badId);
    if (c.command === undefined) {
      err(origin, 'command', 'required');
      continue;
    }
    const argv = typeof c.command === 'string' ? ['sh', '-c', c.command] : c.command;
    if (argv.length === 0 || !argv[0]) err(origin, 'command', 'empty');
    const cmd: ContainerCommand = { container: c.container, command: argv };
    topology.commands.push(cmd);
  }
  return { topology, errors };
}
