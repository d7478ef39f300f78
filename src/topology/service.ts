/** `circuit topology apply|delete`: a topology for the containers running now. */
import { NotFoundError } from '../errors';
import type { Runner } from '../runner';
import type { StateStore } from '../state/store';
import { TopologyEngine } from './apply';
import { type CommandOutcome, runContainerCommands } from './commands';
import type { Topology } from './spec';

export type Resolve = (container: string) => Promise<{ pid: number; netns: string } | undefined>;

export interface ContainerReport {
  container: string;
  status: 'applied' | 'unchanged' | 'not running' | 'removed' | 'nothing to remove';
  links: string[];
  commands?: CommandOutcome[];
}

/** Containers named by the topology's links and commands, in file order. */
export function containersOf(topo: Topology): string[] {
  return [...new Set([...topo.links.map((l) => l.container), ...topo.commands.map((c) => c.container)])];
}

/** A resolver that reports "not running" as undefined and lets every other error through. */
export function lenient(resolve: (c: string) => Promise<{ pid: number; netns: string }>): Resolve {
  return async (c) => {
    try {
      return await resolve(c);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  };
}

export async function applyTopology(
  store: StateStore,
  run: Runner,
  topo: Topology,
  resolve: Resolve,
): Promise<ContainerReport[]> {
  const engine = new TopologyEngine(store, run);
  const out: ContainerReport[] = [];
  for (const container of containersOf(topo)) {
    const c = await resolve(container);
    if (!c) {
      out.push({ container, status: 'not running', links: [] });
      continue;
    }
    const before = engine.record(container);
    const res = await engine.up(topo, { id: container, ...c });
    const report: ContainerReport = {
      container,
      status: res.created.length ? 'applied' : 'unchanged',
      links: res.created.length ? res.created : res.present,
    };
    // commands run once, when the container's links are made (as at its start)
    const commands = topo.commands.filter((x) => x.container === container).map((x) => x.command);
    const fresh = res.created.length > 0 || (res.present.length === 0 && before === undefined);
    if (commands.length && fresh) report.commands = await runContainerCommands(run, c.pid, commands);
    out.push(report);
  }
  return out;
}

export async function deleteTopology(
  store: StateStore,
  run: Runner,
  topo: Topology,
): Promise<ContainerReport[]> {
  const engine = new TopologyEngine(store, run);
  const out: ContainerReport[] = [];
  for (const container of containersOf(topo)) {
    const devs = new Set(topo.links.filter((l) => l.container === container).map((l) => l.dev));
    const removed = await engine.down(container, devs);
    out.push({ container, status: removed.length ? 'removed' : 'nothing to remove', links: removed });
  }
  return out;
}
