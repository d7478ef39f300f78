/** The namespace and the bridges section, and what a patch bridge allows. */
import { ifName } from '../names';
import { issue, type Problems } from './checks';
import type { MergedTopology } from './merge';
import type { Topology } from './spec';

const NETNS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function checkNamespace(p: Problems, m: MergedTopology, topology: Topology): void {
  if (!m.namespace) return;
  if (NETNS_NAME.test(m.namespace.value)) topology.namespace = m.namespace.value;
  else p.add(m.namespace.origin, '', `${JSON.stringify(m.namespace.value)} is not a network namespace name`);
}

export function checkBridges(p: Problems, m: MergedTopology, topology: Topology): void {
  for (const [name, b] of Object.entries(m.bridges)) {
    const bad = issue(ifName, name);
    if (bad) p.add(b.origin, '', `bridge ${JSON.stringify(name)}: ${bad}`);
    const mode = b.value.mode ?? 'auto';
    if (mode === 'ovs') {
      p.add(b.origin, 'mode', 'ovs needs Open vSwitch, which circuit does not drive; use linux or patch');
      continue;
    }
    topology.bridges[name] = { mode: mode === 'patch' ? 'patch' : 'linux' };
  }
}

/** A patch joins exactly two members (links or tunnels). */
export function checkPatches(p: Problems, topology: Topology): void {
  for (const [name, b] of Object.entries(topology.bridges)) {
    if (b.mode !== 'patch') continue;
    const members = [
      ...topology.links.filter((l) => l.bridge === name).map((l) => l.origin),
      ...topology.tunnels.filter((t) => t.bridge === name).map((t) => `tunnel ${t.dev}`),
    ];
    if (members.length > 2) {
      const third = topology.links.filter((l) => l.bridge === name)[2];
      p.add(
        third ? `${third.origin}` : `bridges.${name}`,
        third ? 'bridge' : '',
        `bridge ${name} is a patch: it joins exactly two links, and ${members.slice(0, 2).join(' and ')} already use it`,
      );
    }
  }
}
