/** The commands section: a container and a non-empty command each (a string runs under sh -c). */
import { containerId } from '../names';
import { issue, type Problems } from './checks';
import type { MergedTopology } from './merge';
import type { Topology } from './spec';

export function checkCommands(p: Problems, m: MergedTopology, topology: Topology): void {
  for (const { value: c, origin } of m.commands) {
    if (c.service !== undefined)
      p.add(origin, 'service', 'compose services are not supported; name the container');
    if (c.container === undefined) {
      if (c.service === undefined) p.add(origin, 'container', 'required');
      continue;
    }
    const badId = issue(containerId, c.container);
    if (badId) p.add(origin, 'container', badId);
    if (c.command === undefined) {
      p.add(origin, 'command', 'required');
      continue;
    }
    const argv = typeof c.command === 'string' ? ['sh', '-c', c.command] : c.command;
    if (argv.length === 0 || !argv[0]) p.add(origin, 'command', 'empty');
    topology.commands.push({ container: c.container, command: argv });
  }
}
