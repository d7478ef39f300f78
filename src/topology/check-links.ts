/** One link's fields, each group checked by its own function, and the checks across links. */
import ipaddr from 'ipaddr.js';
import { containerId, ifName } from '../names';
import { bridgeOf, checkNetem, cidrProblem, issue, list, type Problems, words } from './checks';
import { outerDevName, stableMac } from './generated';
import type { Forward, Link, LinkType, RawLink, Topology } from './spec';

const MODES: Partial<Record<LinkType, readonly string[]>> = {
  macvlan: ['bridge', 'private', 'vepa', 'passthru', 'source'],
  macvtap: ['bridge', 'private', 'vepa', 'passthru', 'source'],
  ipvlan: ['l2', 'l3', 'l3s'],
  ipvtap: ['l2', 'l3', 'l3s'],
};
const CHILD_TYPES: readonly LinkType[] = ['vlan', 'ipvlan', 'macvlan', 'ipvtap', 'macvtap'];
const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

/** The fields of one link and where it was written, for the checks below. */
interface Ctx {
  p: Problems;
  l: RawLink;
  origin: string;
  type: LinkType;
  link: Link;
}

/** outer-dev (parent device, veth outer end) and bridge (veth only). */
function checkEnds({ p, l, origin, type, link }: Ctx, topology: Topology, container: string): void {
  if (l['outer-dev'] !== undefined) {
    if (type === 'dummy') p.add(origin, 'outer-dev', 'not used by type dummy (it has no outer end)');
    const bad = issue(ifName, l['outer-dev']);
    if (bad) p.add(origin, 'outer-dev', bad);
    link.outerDev = l['outer-dev'];
  } else if (CHILD_TYPES.includes(type))
    p.add(origin, 'outer-dev', `required for type ${type} (the parent device)`);
  else if (type === 'veth') link.outerDev = outerDevName(container, link.dev);

  if (type === 'veth') {
    if (l.bridge === undefined)
      p.add(origin, 'bridge', 'required for type veth (the bridge its outer end joins)');
    else {
      const bad = issue(ifName, l.bridge);
      if (bad) p.add(origin, 'bridge', bad);
      link.bridge = l.bridge;
      bridgeOf(topology, l.bridge);
    }
  } else if (l.bridge !== undefined) p.add(origin, 'bridge', `only for type veth, not ${type}`);
}

/** ip, mac (generated when not given), mtu. */
function checkAddressing({ p, l, origin, type, link }: Ctx, container: string): void {
  if (l.ip !== undefined) {
    const bad = cidrProblem(l.ip);
    if (bad) p.add(origin, 'ip', bad);
    link.ip = l.ip;
  }
  const sharesMac = type === 'ipvlan' || type === 'ipvtap';
  if (l.mac !== undefined) {
    if (sharesMac) p.add(origin, 'mac', `not for type ${type} (it shares its parent's MAC)`);
    else if (!MAC.test(l.mac)) p.add(origin, 'mac', `${JSON.stringify(l.mac)} is not a MAC address`);
    else if (Number.parseInt(l.mac.slice(0, 2), 16) & 1)
      p.add(origin, 'mac', `${l.mac} is a multicast address`);
    link.mac = l.mac.toLowerCase();
  } else if (!sharesMac) link.mac = stableMac(container, link.dev);

  if (l.mtu !== undefined) {
    if (!Number.isInteger(l.mtu) || l.mtu < 68 || l.mtu > 65535)
      p.add(origin, 'mtu', 'must be an integer from 68 to 65535');
    link.mtu = l.mtu;
  } else if (type === 'veth') link.mtu = 65535;
}

/** route, netem, mode (macvlan/ipvlan kinds), vlanid (vlan). */
function checkOptions({ p, l, origin, type, link }: Ctx): void {
  link.route = list(l.route);
  link.route.forEach((r, i) => {
    if (!words(r).length) p.add(origin, `route[${i}]`, 'empty');
  });
  link.netem = list(l.netem);
  checkNetem(p, origin, link.netem, ' (delay, loss, duplicate, ...)');

  const modes = MODES[type];
  if (l.mode !== undefined) {
    if (!modes) p.add(origin, 'mode', `only for macvlan, macvtap, ipvlan and ipvtap, not ${type}`);
    else if (!modes.includes(l.mode))
      p.add(origin, 'mode', `${JSON.stringify(l.mode)} is not one of ${modes.join(', ')}`);
    link.mode = l.mode;
  } else if (modes) link.mode = modes[0];

  if (type === 'vlan') {
    if (l.vlanid === undefined) p.add(origin, 'vlanid', 'required for type vlan');
    else if (!Number.isInteger(l.vlanid) || l.vlanid < 1 || l.vlanid > 4094)
      p.add(origin, 'vlanid', 'must be from 1 to 4094');
    link.vlanid = l.vlanid;
  } else if (l.vlanid !== undefined) p.add(origin, 'vlanid', `only for type vlan, not ${type}`);
}

function parseForward(spec: string): Forward | undefined {
  const m = /^(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/.exec(spec.trim());
  if (!m) return undefined;
  const port = Number(m[1]);
  const containerPort = Number(m[2]);
  if (port < 1 || port > 65535 || containerPort < 1 || containerPort > 65535) return undefined;
  return { port, containerPort, protocol: (m[3] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}

/** nat and forward: both map to the link's IPv4 address. */
function checkNat({ p, l, origin, type, link }: Ctx): void {
  const v4ip =
    link.ip !== undefined && !cidrProblem(link.ip) && ipaddr.parseCIDR(link.ip)[0].kind() === 'ipv4';
  if (l.nat !== undefined) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(l.nat))
      p.add(origin, 'nat', `${JSON.stringify(l.nat)} is not an IPv4 address`);
    else if (!v4ip) p.add(origin, 'nat', 'needs an IPv4 ip on the link (the address it maps to)');
    link.nat = l.nat;
  }
  list(l.forward).forEach((f, i) => {
    const fw = parseForward(f);
    if (type !== 'veth') p.add(origin, 'forward', `only for type veth, not ${type}`);
    else if (!fw) p.add(origin, `forward[${i}]`, `${JSON.stringify(f)} is not PORT:CONTAINER_PORT[/tcp|udp]`);
    else if (!v4ip) p.add(origin, `forward[${i}]`, 'needs an IPv4 ip on the link');
    else link.forward.push(fw);
  });
}

function checkEthtool({ p, l, origin, type, link }: Ctx): void {
  link.ethtool = list(l.ethtool);
  if (link.ethtool.length && type !== 'veth') p.add(origin, 'ethtool', `only for type veth, not ${type}`);
  link.ethtool.forEach((e, i) => {
    if (!/^-/.test(e.trim()))
      p.add(
        origin,
        `ethtool[${i}]`,
        `${JSON.stringify(e)} must start with an ethtool option (e.g. "--offload rx off")`,
      );
  });
}

/** One link of the file: its checked form (added to the topology), or nothing when it names no container. */
export function checkLink(p: Problems, l: RawLink, origin: string, topology: Topology): void {
  const type: LinkType = l.type ?? 'veth';
  if (l.service !== undefined)
    p.add(
      origin,
      'service',
      'compose services are not supported; name the container (runc id or containerd name)',
    );
  if (l.container === undefined) {
    if (l.service === undefined) p.add(origin, 'container', 'required');
    return;
  }
  const badId = issue(containerId, l.container);
  if (badId) p.add(origin, 'container', badId);
  const dev = l.dev ?? 'eth0';
  const badDev = issue(ifName, dev);
  if (badDev) p.add(origin, 'dev', badDev);
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
  const ctx: Ctx = { p, l, origin, type, link };
  checkEnds(ctx, topology, l.container);
  checkAddressing(ctx, l.container);
  checkOptions(ctx);
  checkNat(ctx);
  checkEthtool(ctx);
  topology.links.push(link);
}

/** Across links: one dev per container, one link per veth outer end. */
export function checkLinkNames(p: Problems, topology: Topology): void {
  const seenDev = new Map<string, string>();
  for (const l of topology.links) {
    const key = `${l.container}/${l.dev}`;
    const prev = seenDev.get(key);
    if (prev) p.add(l.origin, 'dev', `${l.container} already has ${l.dev} (${prev})`);
    seenDev.set(key, l.origin);
  }
  const outerOwners = new Map<string, string>();
  for (const l of topology.links) {
    if (l.type !== 'veth' || !l.outerDev) continue;
    const prev = outerOwners.get(l.outerDev);
    if (prev) p.add(l.origin, 'outer-dev', `${l.outerDev} is already the outer end of ${prev}`);
    outerOwners.set(l.outerDev, l.origin);
  }
}
