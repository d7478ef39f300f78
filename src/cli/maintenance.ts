import { expectPositional, type ParsedArgs } from '../args';
import { CircuitError, ExitCode } from '../errors';
import type { CliContext } from './context';
import { json, table } from './table';

export async function check(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [id = ''] = expectPositional(args, 1, 1, 'circuit check CONTAINER');
  const results = await ctx.api.check(id);
  if (ctx.json) ctx.out(json(results));
  else
    for (const r of results)
      ctx.out(`${r.network} (${r.ifName}): ${r.status}${r.detail ? `: ${r.detail}` : ''}`);
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length)
    throw new CircuitError(`check failed for ${failed.map((f) => f.network).join(', ')}`, ExitCode.plugin);
}

export async function gc(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit gc [--json]');
  const report = await ctx.api.gc();
  if (ctx.json) ctx.out(json(report));
  else {
    for (const r of report.released) ctx.out(`released ${r.container} from ${r.network} (${r.ifName})`);
    for (const r of report.repaired) ctx.out(r);
    for (const n of report.cniGc) ctx.out(`CNI GC ran for network ${n}`);
    for (const c of report.corrupt) ctx.out(`cannot repair: ${c}`);
    ctx.out(
      `gc: ${report.released.length} released, ${report.repaired.length} repaired, ${report.errors.length} errors, ${report.corrupt.length} corrupt`,
    );
  }
  // a record gc cannot rebuild is data loss (6) and outranks a failed release (5)
  if (report.corrupt.length)
    throw new CircuitError(`gc: cannot repair ${report.corrupt.join('; ')}`, ExitCode.state);
  if (report.errors.length) throw new CircuitError(`gc: ${report.errors.join('; ')}`, ExitCode.plugin);
}

const GIB = 1024 ** 3;

function duration(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d${h}h` : h ? `${h}h${m}m` : m ? `${m}m${s % 60}s` : `${s}s`;
}

export async function clusterNodes(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit cluster nodes [--json]');
  const nodes = [...(await ctx.api.clusterNodes())].sort((a, b) => a.name.localeCompare(b.name));
  if (ctx.json) return ctx.out(json(nodes));
  ctx.out(
    table(
      ['NAME', 'VERSION', 'CPUS', 'MEMORY', 'UPTIME', 'KERNEL', 'CONTAINERS'],
      nodes.map((n) => [
        n.name,
        n.version,
        String(n.cpus),
        `${(n.memory / GIB).toFixed(1)}GiB`,
        duration(n.uptime),
        n.kernel,
        String(n.containers),
      ]),
      10,
    ),
  );
}
