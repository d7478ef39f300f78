/**
 * Checks between fields, defaults, generated names: the topology the planners take. Each section
 * has its own checks (check-*.ts); problems are reported in file order, all at once.
 */
import { checkBridges, checkNamespace, checkPatches } from './check-bridges';
import { checkCommands } from './check-commands';
import { checkLink, checkLinkNames } from './check-links';
import { checkTunnels } from './check-tunnels';
import { Problems } from './checks';
import type { MergedTopology } from './merge';
import type { Topology } from './spec';

export function validateTopology(m: MergedTopology): { topology: Topology; errors: string[] } {
  const p = new Problems();
  const topology: Topology = { links: [], bridges: {}, tunnels: [], commands: [] };
  checkNamespace(p, m, topology);
  checkBridges(p, m, topology);
  for (const { value, origin } of m.links) checkLink(p, value, origin, topology);
  checkLinkNames(p, topology);
  checkTunnels(p, m, topology);
  checkPatches(p, topology);
  checkCommands(p, m, topology);
  return { topology, errors: p.list };
}
