/**
 * Pure planners: a validated topology (and what was observed) in, argv lists out. Outer ends
 * live in `ns` (a named network namespace) or the host's when ns is undefined; container ends
 * are created from the outer side straight into the container's netns (`netns PID`).
 */
import { bridgeSteps, linkDeleteStep, vethSteps } from '../kernel/links';
import { type NetnsPath, netnsOf } from '../kernel/netns';
import { nftReplaceStep } from '../kernel/nft';
import type { Step } from '../kernel/step';
import type { RecordedLink } from './records';
import type { Forward, Link, Tunnel } from './spec';

export type { Step };

export interface Target {
  pid: number;
  /** The container's netns path (for commands run inside it). */
  netns: string;
}

/** `ip ...` in the outer namespace (a named one, or the host's). */
const ipIn = (ns: string | undefined, ...rest: string[]): Step => ({
  argv: ['ip', ...rest],
  netns: netnsOf(ns),
});
/** Any tool in the outer namespace. */
const inOuter = (ns: string | undefined, argv: string[]): Step => ({ argv, netns: netnsOf(ns) });
/** Any tool in the container's namespace. */
const inContainer = (t: Target, argv: string[]): Step => ({ argv, netns: t.netns });
const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);

/** A dedicated namespace for outer ends: loopback up, forwarding on (it routes for its containers). */
export function namespacePlan(ns: string): Step[] {
  return [
    { argv: ['ip', 'netns', 'add', ns], tolerate: 'exists' },
    ipIn(ns, 'link', 'set', 'lo', 'up'),
    inOuter(ns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']),
  ];
}

export function bridgePlan(ns: string | undefined, name: string): Step[] {
  return bridgeSteps(name, { netns: netnsOf(ns) });
}

function netemStep(netns: NetnsPath, dev: string, netem: string[]): Step[] {
  if (netem.length === 0) return [];
  return [{ argv: ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'netem', ...netem.flatMap(words)], netns }];
}

/** A tunnel device to the remote host, a port of its bridge (or one end of a patch). */
export function tunnelPlan(ns: string | undefined, t: Tunnel, patch: boolean): Step[] {
  const kind =
    t.type === 'vxlan'
      ? ['type', 'vxlan', 'id', String(t.vni), 'remote', t.remote, 'dstport', '4789']
      : ['type', 'geneve', 'id', String(t.vni), 'remote', t.remote];
  return [
    { ...ipIn(ns, 'link', 'add', t.dev, ...kind), tolerate: 'exists' },
    ipIn(ns, 'link', 'set', t.dev, ...(patch ? [] : ['master', t.bridge]), 'up'),
    ...netemStep(netnsOf(ns), t.dev, t.netem),
  ];
}

/** The create step of a non-veth link, made straight into the container's netns. */
function createStep(ns: string | undefined, l: Link, t: Target): Step {
  const opts = [...(l.mac ? ['address', l.mac] : []), ...(l.mtu ? ['mtu', String(l.mtu)] : [])];
  const pid = String(t.pid);
  switch (l.type) {
    case 'dummy':
      return ipIn(ns, 'link', 'add', l.dev, 'netns', pid, ...opts, 'type', 'dummy');
    case 'vlan':
      return ipIn(
        ns,
        'link',
        'add',
        'link',
        l.outerDev ?? '',
        'name',
        l.dev,
        'netns',
        pid,
        ...opts,
        'type',
        'vlan',
        'id',
        String(l.vlanid),
      );
    default:
      return ipIn(
        ns,
        'link',
        'add',
        'link',
        l.outerDev ?? '',
        'name',
        l.dev,
        'netns',
        pid,
        ...opts,
        'type',
        l.type,
        'mode',
        l.mode ?? '',
      );
  }
}

/** One link: created, moved into the container, addressed, routed, impaired, tuned. */
export function linkPlan(
  ns: string | undefined,
  l: Link,
  t: Target,
  bridgeMode: 'linux' | 'patch' | undefined,
): Step[] {
  const steps: Step[] =
    l.type === 'veth'
      ? vethSteps({
          host: l.outerDev ?? '',
          peer: l.dev,
          netns: netnsOf(ns),
          ...(l.mtu ? { mtu: l.mtu, peerMtu: l.mtu } : {}),
          peerNetns: t.pid,
          ...(l.mac ? { peerMac: l.mac } : {}),
          ...(bridgeMode === 'linux' && l.bridge ? { master: l.bridge } : {}),
        })
      : [createStep(ns, l, t)];
  if (l.ip) steps.push(inContainer(t, ['ip', 'addr', 'replace', l.ip, 'dev', l.dev]));
  steps.push(inContainer(t, ['ip', 'link', 'set', l.dev, 'up']));
  for (const r of l.route) steps.push(inContainer(t, ['ip', 'route', 'replace', ...words(r)]));
  steps.push(...netemStep(t.netns, l.dev, l.netem));
  for (const e of l.ethtool) {
    const [opt = '', ...rest] = words(e);
    steps.push(inContainer(t, ['ethtool', opt, l.dev, ...rest]));
  }
  return steps;
}

/** Two outer ends joined by tc mirred, both ways: everything passes unchanged. */
export function patchPlan(ns: string | undefined, a: string, b: string): Step[] {
  const tc = (...rest: string[]) => inOuter(ns, ['tc', ...rest]);
  return [a, b].flatMap((dev, i): Step[] => {
    const peer = i === 0 ? b : a;
    return [
      { ...tc('qdisc', 'del', 'dev', dev, 'ingress'), tolerate: 'any' },
      tc('qdisc', 'add', 'dev', dev, 'ingress'),
      tc(
        'filter',
        'add',
        'dev',
        dev,
        'parent',
        'ffff:',
        'protocol',
        'all',
        'u32',
        'match',
        'u32',
        '0',
        '0',
        'action',
        'mirred',
        'egress',
        'redirect',
        'dev',
        peer,
      ),
    ];
  });
}

export interface NatLink {
  ip: string;
  nat?: string | undefined;
  forward: Forward[];
}

/** One nftables table per container: DNAT/SNAT for `nat`, DNAT of local ports for `forward`. */
export function natPlan(ns: string | undefined, table: string, links: readonly NatLink[]): Step[] {
  const pre: string[] = [];
  const post: string[] = [];
  for (const l of links) {
    const ip = l.ip.split('/')[0] ?? '';
    if (l.nat) {
      pre.push(`ip daddr ${l.nat} dnat to ${ip}`);
      post.push(`ip saddr ${ip} snat to ${l.nat}`);
    }
    for (const f of l.forward)
      pre.push(`fib daddr type local ${f.protocol} dport ${f.port} dnat to ${ip}:${f.containerPort}`);
  }
  if (pre.length === 0 && post.length === 0) return natDeletePlan(ns, table);
  const chain = (name: string, hook: string, rules: string[]) => [
    `  chain ${name} { type nat hook ${hook}; policy accept;`,
    ...rules.map((r) => `    ${r}`),
    '  }',
  ];
  return [
    nftReplaceStep({ family: 'ip', name: table, netns: netnsOf(ns) }, [
      ...chain('prerouting', 'prerouting priority dstnat', pre),
      ...chain('output', 'output priority -100', pre),
      ...chain('postrouting', 'postrouting priority srcnat', post),
    ]),
  ];
}

/** Remove a container's table (idempotent; a gone namespace took it along). */
export function natDeletePlan(ns: string | undefined, table: string): Step[] {
  return [{ ...nftReplaceStep({ family: 'ip', name: table, netns: netnsOf(ns) }), tolerate: 'gone' }];
}

/** Removing a link: the outer end of a veth takes its peer along; others go from the container. */
export function linkDeletePlan(l: RecordedLink, containerNetns: string | undefined): Step[] {
  if (l.type === 'veth' && l.outerDev) return [linkDeleteStep(l.outerDev, netnsOf(l.ns))];
  if (!containerNetns) return []; // the netns is gone, and the link with it
  return [linkDeleteStep(l.dev, containerNetns)];
}

export function deviceDeletePlan(ns: string | undefined, dev: string): Step[] {
  return [linkDeleteStep(dev, netnsOf(ns))];
}

export function namespaceDeletePlan(ns: string): Step[] {
  return [{ argv: ['ip', 'netns', 'del', ns], tolerate: 'gone' }];
}
