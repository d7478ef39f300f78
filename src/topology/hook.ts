/** The hook's topology steps: loaded only when a topology is named or recorded. */
import type { Runner } from '../runner';
import type { StateStore } from '../state/store';
import { namesContainer, type TopologyContainer, TopologyEngine } from './apply';
import { runContainerCommands } from './commands';
import { loadValidTopology } from './load';

/** createRuntime/prestart: the container's links exist before its process runs. */
export async function hookTopologyUp(
  store: StateStore,
  run: Runner,
  files: readonly string[],
  c: TopologyContainer,
  log: Record<string, unknown>,
): Promise<void> {
  const topo = await loadValidTopology(files);
  if (
    !topo.links.some((l) => namesContainer(c, l.container)) &&
    !topo.commands.some((x) => namesContainer(c, x.container))
  )
    return;
  const res = await new TopologyEngine(store, run).up(topo, c);
  log.topologyLinks = res.created;
}

/** poststart: the commands of the record made at create, inside the running container. */
export async function hookTopologyStart(
  store: StateStore,
  run: Runner,
  id: string,
  pid: number,
  log: Record<string, unknown>,
): Promise<void> {
  const rec = new TopologyEngine(store, run).record(id);
  if (!rec || rec.commands.length === 0) return;
  const outcomes = await runContainerCommands(run, pid, rec.commands);
  log.commands = outcomes;
}

/** poststop: links, rules, and shared things nobody else uses. */
export async function hookTopologyDown(
  store: StateStore,
  run: Runner,
  id: string,
  log: Record<string, unknown>,
): Promise<void> {
  log.topologyLinks = await new TopologyEngine(store, run).down(id);
}
