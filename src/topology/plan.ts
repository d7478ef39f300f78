/**
 * Pure planners: a validated topology (and what was observed) in, argv lists out. Outer ends
 * live in `ns` (a named network namespace) or the host's when ns is undefined; container ends
 * are created from the outer side straight into the container's netns (`netns PID`).
 */
import type { RecordedLink } from './records';
import type { Forward, Link, Tunnel } from './spec';

export interface Step {
  argv: string[];
  input?: string;
  /** A failure whose stderr matches is fine (already there, already gone). */
  ok?: RegExp;
}

export interface Target {
  pid: number;
  /** The container's netns path (for commands run inside it). */
  netns: string;
}

export const GONE =
  /Cannot find device|does not exist|No such file|No such process|not found|Invalid handle/i;
const EXISTS = /File exists|already exists/i;

export const ipIn = (ns: string | undefined, ...rest: string[]) =>
  ns ? ['ip', '-n', ns, ...rest] : ['ip', ...rest];
export const inOuter = (ns: string | undefined, argv: string[]) =>
  ns ? ['ip', 'netns', 'exec', ns, ...argv] : argv;
export const inContainer = (t: Target, argv: string[]) => ['nsenter', `--net=${t.netns}`, ...argv];
const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);

/** A dedicated namespace for outer ends: loopback up, forwarding on (it routes for its containers). */
export function namespacePlan(ns: string): Step[] {
  return [
    { argv: ['ip', 'netns', 'add', ns], ok: EXISTS },
    { argv: ipIn(ns, 'link', 'set', 'lo', 'up') },
    { argv: inOuter(ns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']) },
  ];
}

export function bridgePlan(ns: string | undefined, name: string): Step[] {
  return [
    { argv: ipIn(ns, 'link', 'add', name, 'type', 'bridge'), ok: EXISTS },
    { argv: ipIn(ns, 'link', 'set', name, 'up') },
  ];
}

function netemStep(prefix: string[], dev: string, netem: string[]): Step[] {
  if (netem.length === 0) return [];
  return [
    { argv: [...prefix, 'tc', 'qdisc', 'replace', 'dev', dev, 'root', 'netem', ...netem.flatMap(words)] },
  ];
}

/** A tunnel device to the remote host, a port of its bridge (or one end of a patch). */
export function tunnelPlan(ns: string | undefined, t: Tunnel, patch: boolean): Step[] {
  const kind =
    t.type === 'vxlan'
      ? ['type', 'vxlan', 'id', String(t.vni), 'remote', t.remote, 'dstport', '4789']
      : ['type', 'geneve', 'id', String(t.vni), 'remote', t.remote];
  return [
    { argv: ipIn(ns, 'link', 'add', t.dev, ...kind), ok: EXISTS },
    { argv: ipIn(ns, 'link', 'set', t.dev, ...(patch ? [] : ['master', t.bridge]), 'up') },
    ...netemStep(ns ? ['ip', 'netns', 'exec', ns] : [], t.dev, t.netem),
  ];
}

function createArgs(ns: string | undefined, l: Link, t: Target): string[] {
  const opts = [...(l.mac ? ['address', l.mac] : []), ...(l.mtu ? ['mtu', String(l.mtu)] : [])];
  const pid = String(t.pid);
  switch (l.type) {
    case 'veth':
      return ipIn(
        ns,
        'link',
        'add',
        l.outerDev ?? '',
        ...(l.mtu ? ['mtu', String(l.mtu)] : []),
        'type',
        'veth',
        'peer',
        'name',
        l.dev,
        'netns',
        pid,
        ...opts,
      );
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
  const steps: Step[] = [{ argv: createArgs(ns, l, t) }];
  if (l.type === 'veth' && l.outerDev) {
    const master = bridgeMode === 'linux' && l.bridge ? ['master', l.bridge] : [];
    steps.push({ argv: ipIn(ns, 'link', 'set', l.outerDev, ...master, 'up') });
  }
  if (l.ip) steps.push({ argv: inContainer(t, ['ip', 'addr', 'replace', l.ip, 'dev', l.dev]) });
  steps.push({ argv: inContainer(t, ['ip', 'link', 'set', l.dev, 'up']) });
  for (const r of l.route) steps.push({ argv: inContainer(t, ['ip', 'route', 'replace', ...words(r)]) });
  steps.push(...netemStep(['nsenter', `--net=${t.netns}`], l.dev, l.netem));
  for (const e of l.ethtool) {
    const [opt = '', ...rest] = words(e);
    steps.push({ argv: inContainer(t, ['ethtool', opt, l.dev, ...rest]) });
  }
  return steps;
}

/** Two outer ends joined by tc mirred, both ways: everything passes unchanged. */
export function patchPlan(ns: string | undefined, a: string, b: string): Step[] {
  const tc = (...rest: string[]) => inOuter(ns, ['tc', ...rest]);
  return [a, b].flatMap((dev, i) => {
    const peer = i === 0 ? b : a;
    return [
      { argv: tc('qdisc', 'del', 'dev', dev, 'ingress'), ok: /.*/s },
      { argv: tc('qdisc', 'add', 'dev', dev, 'ingress') },
      {
        argv: tc(
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
      },
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
  const script = [
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    ...chain('prerouting', 'prerouting priority dstnat', pre),
    ...chain('output', 'output priority -100', pre),
    ...chain('postrouting', 'postrouting priority srcnat', post),
    '}',
    '',
  ].join('\n');
  return [{ argv: inOuter(ns, ['nft', '-f', '-']), input: script }];
}

export function natDeletePlan(ns: string | undefined, table: string): Step[] {
  return [{ argv: inOuter(ns, ['nft', 'delete', 'table', 'ip', table]), ok: GONE }];
}

/** Removing a link: the outer end of a veth takes its peer along; others go from the container. */
export function linkDeletePlan(l: RecordedLink, containerNetns: string | undefined): Step[] {
  if (l.type === 'veth' && l.outerDev) return [{ argv: ipIn(l.ns, 'link', 'del', l.outerDev), ok: GONE }];
  if (!containerNetns) return []; // the netns is gone, and the link with it
  return [{ argv: ['nsenter', `--net=${containerNetns}`, 'ip', 'link', 'del', l.dev], ok: GONE }];
}

export function deviceDeletePlan(ns: string | undefined, dev: string): Step[] {
  return [{ argv: ipIn(ns, 'link', 'del', dev), ok: GONE }];
}

export function namespaceDeletePlan(ns: string): Step[] {
  return [{ argv: ['ip', 'netns', 'del', ns], ok: GONE }];
}
