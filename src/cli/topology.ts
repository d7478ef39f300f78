import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { TopologyRequest } from '../api/types';
import { expectPositional, type ParsedArgs, str } from '../args';
import { CircuitError, ExitCode, UsageError } from '../errors';
import { dotToSvg } from '../topology/dot';
import { readSources } from '../topology/load';
import type { ContainerReport } from '../topology/service';
import { referencedVars } from '../topology/vars';
import type { CliContext } from './context';
import { json } from './table';

/**
 * The files named on the command line, read here (the API, local or a daemon, gets their
 * contents), with the values of the environment variables they name. Unreadable files are
 * returned apart: `check` reports them with the rest, the others fail on the first.
 */
function request(args: ParsedArgs, usage: string): { req: TopologyRequest; unreadable: string[] } {
  const sources = readSources(expectPositional(args, 1, 64, usage));
  const files = sources.flatMap((s) => ('error' in s ? [] : [s]));
  const env: Record<string, string> = {};
  for (const f of files)
    for (const name of referencedVars(f.content)) {
      const v = process.env[name];
      if (v !== undefined) env[name] = v;
    }
  return { req: { files, env }, unreadable: sources.flatMap((s) => ('error' in s ? [s.error] : [])) };
}

function readable(args: ParsedArgs, usage: string): TopologyRequest {
  const { req, unreadable } = request(args, usage);
  if (unreadable[0] !== undefined) throw new UsageError(unreadable[0]);
  return req;
}

export async function check(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const { req, unreadable } = request(args, 'circuit topology check FILE...');
  const r = req.files.length
    ? await ctx.api.topologyCheck(req)
    : { errors: [], links: 0, bridges: 0, tunnels: 0, commands: 0 };
  const errors = [...unreadable, ...r.errors];
  if (errors.length) {
    for (const e of errors) process.stderr.write(`circuit: ${e}\n`);
    throw new CircuitError(`topology: ${errors.length} error${errors.length > 1 ? 's' : ''}`, ExitCode.usage);
  }
  ctx.out(
    `topology ok: ${r.links} links, ${r.bridges} bridges, ${r.tunnels} tunnels, ${r.commands} commands`,
  );
}

export async function show(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const plain = await ctx.api.topologyShow(readable(args, 'circuit topology show FILE... [--json]'));
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
  const req = readable(args, 'circuit topology apply FILE...');
  const runcRoot = str(args.flags, 'runc-root');
  print(ctx, await ctx.api.topologyApply(runcRoot !== undefined ? { ...req, runcRoot } : req));
}

export async function del(ctx: CliContext, args: ParsedArgs): Promise<void> {
  print(ctx, await ctx.api.topologyDelete(readable(args, 'circuit topology delete FILE...')));
}

export async function dot(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const text = await ctx.api.topologyDot(
    readable(args, 'circuit topology dot FILE... [--svg] [--output FILE]'),
  );
  const out = args.flags.svg === true ? await dotToSvg(text) : text;
  const file = str(args.flags, 'output');
  if (file) writeFileSync(file, out);
  else ctx.out(out);
}
