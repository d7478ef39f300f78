import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { resolveTarget } from '../api/containers';
import { expectPositional, type ParsedArgs, str } from '../args';
import { CircuitError, ExitCode } from '../errors';
import { runCommand } from '../runner';
import { dotToSvg, topologyDot } from '../topology/dot';
import { loadTopology, loadValidTopology } from '../topology/load';
import { applyTopology, type ContainerReport, deleteTopology, lenient } from '../topology/service';
import { type CliContext, localApi } from './context';
import { json } from './table';

const files = (args: ParsedArgs, usage: string) => expectPositional(args, 1, 64, usage);

export async function check(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const f = files(args, 'circuit topology check FILE...');
  const { topology, errors } = await loadTopology(f);
  if (errors.length) {
    for (const e of errors) process.stderr.write(`circuit: ${e}\n`);
    throw new CircuitError(`topology: ${errors.length} error${errors.length > 1 ? 's' : ''}`, ExitCode.usage);
  }
  ctx.out(
    `topology ok: ${topology.links.length} links, ${Object.keys(topology.bridges).length} bridges, ${topology.tunnels.length} tunnels, ${topology.commands.length} commands`,
  );
}

export async function show(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const topo = await loadValidTopology(files(args, 'circuit topology show FILE... [--json]'));
  const plain = { ...topo, links: topo.links.map(({ origin: _o, ...l }) => l) };
  if (ctx.json) return ctx.out(json(plain));
  ctx.out(stringify(plain));
}

function print(ctx: CliContext, reports: ContainerReport[]): void {
  if (ctx.json) {
    ctx.out(json(reports));
    return;
  }
  for (const r of reports) {
    ctx.out(
      `${r.container}: ${r.status}${r.links.length ? ` (${r.links.map((l) => l.split('/').pop()).join(', ')})` : ''}`,
    );
    for (const c of r.commands ?? [])
      ctx.out(
        `  command ${JSON.stringify(c.command)}: exit ${c.exitCode}${c.failure ? ` (${c.failure})` : ''}${c.output ? `\n    ${c.output.replace(/\n/g, '\n    ')}` : ''}`,
      );
  }
}

export async function apply(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const topo = await loadValidTopology(files(args, 'circuit topology apply FILE...'));
  const api = localApi(args);
  const resolve = lenient(async (c) => {
    const r = await resolveTarget(api.ctx, c, str(args.flags, 'runc-root'));
    return { pid: r.pid, netns: r.netns.path };
  });
  print(ctx, await applyTopology(api.ctx.store, runCommand, topo, resolve));
}

export async function del(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const topo = await loadValidTopology(files(args, 'circuit topology delete FILE...'));
  const api = localApi(args);
  print(ctx, await deleteTopology(api.ctx.store, runCommand, topo));
}

export async function dot(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const topo = await loadValidTopology(files(args, 'circuit topology dot FILE... [--svg] [--output FILE]'));
  const text = topologyDot(topo);
  const out = args.flags.svg === true ? await dotToSvg(text) : text;
  const file = str(args.flags, 'output');
  if (file) writeFileSync(file, out);
  else ctx.out(out);
}
