/** The tunnels section: remote, VNI (one tunnel per type and VNI), bridge, netem. */
import ipaddr from 'ipaddr.js';
import { ifName } from '../names';
import { bridgeOf, checkNetem, issue, list, type Problems } from './checks';
import { tunnelDevName } from './generated';
import type { MergedTopology } from './merge';
import type { Topology } from './spec';

export function checkTunnels(p: Problems, m: MergedTopology, topology: Topology): void {
  const tunnelDevs = new Set<string>();
  for (const { value: t, origin } of m.tunnels) {
    for (const k of ['type', 'bridge', 'remote', 'vni'] as const)
      if (t[k] === undefined) p.add(origin, k, 'required');
    if (!t.type || t.bridge === undefined || t.remote === undefined || t.vni === undefined) continue;
    if (!ipaddr.isValid(t.remote))
      p.add(origin, 'remote', `${JSON.stringify(t.remote)} is not an IP address`);
    if (!Number.isInteger(t.vni) || t.vni < 0 || t.vni > 16777215)
      p.add(origin, 'vni', 'must be from 0 to 16777215');
    const bad = issue(ifName, t.bridge);
    if (bad) p.add(origin, 'bridge', bad);
    const netem = list(t.netem);
    checkNetem(p, origin, netem);
    const dev = tunnelDevName(t.type, t.vni);
    if (tunnelDevs.has(dev)) p.add(origin, 'vni', `another ${t.type} tunnel already uses VNI ${t.vni}`);
    tunnelDevs.add(dev);
    bridgeOf(topology, t.bridge);
    topology.tunnels.push({ type: t.type, bridge: t.bridge, remote: t.remote, vni: t.vni, netem, dev });
  }
}
