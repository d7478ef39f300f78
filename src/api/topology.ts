/** Topology commands on the state dir, from files' contents (never a path). */
import { topologyDot as renderDot } from '../topology/dot';
import { loadSources, loadValidSources } from '../topology/load';
import { applyTopology, type ContainerReport, deleteTopology, lenient } from '../topology/service';
import { resolveTarget } from './containers';
import type { LocalContext } from './context';
import type { TopologyCheckResult, TopologyRequest } from './types';

export function topologyCheck(req: TopologyRequest): TopologyCheckResult {
  const { topology, errors } = loadSources(req.files, req.env);
  return {
    errors,
    links: topology.links.length,
    bridges: Object.keys(topology.bridges).length,
    tunnels: topology.tunnels.length,
    commands: topology.commands.length,
  };
}

export function topologyShow(req: TopologyRequest): Record<string, unknown> {
  const topo = loadValidSources(req.files, req.env);
  return { ...topo, links: topo.links.map(({ origin: _o, ...l }) => l) };
}

export async function topologyApply(
  ctx: LocalContext,
  req: TopologyRequest & { runcRoot?: string },
): Promise<ContainerReport[]> {
  const topo = loadValidSources(req.files, req.env);
  const resolve = lenient(async (c) => {
    const r = await resolveTarget(ctx, c, req.runcRoot);
    return { pid: r.pid, netns: r.netns.path };
  });
  return applyTopology(ctx.store, ctx.deps.run, topo, resolve);
}

export async function topologyDelete(ctx: LocalContext, req: TopologyRequest): Promise<ContainerReport[]> {
  return deleteTopology(ctx.store, ctx.deps.run, loadValidSources(req.files, req.env));
}

export function topologyDot(req: TopologyRequest): string {
  return renderDot(loadValidSources(req.files, req.env));
}
