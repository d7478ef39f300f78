import { collectGarbage } from '../attach/gc';
import { cachedConfig } from '../cni/cache';
import { checkChain } from '../cni/chain';
import { CircuitError, ExitCode, errorMessage, NotFoundError } from '../errors';
import type { ParsedArgs } from './args';
import { expectPositional } from './args';
import type { CliContext } from './context';
import { json } from './table';

export async function check(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [id = ''] = expectPositional(args, 1, 1, 'circuit check CONTAINER');
  const rec = ctx.store.getContainer(id);
  if (!rec) throw new NotFoundError(`container ${id} has no circuit networks`);
  const results = await ctx.store.locked(async () => {
    const out: { network: string; ifName: string; status: string; detail?: string }[] = [];
    for (const att of rec.attachments) {
      const cache = ctx.store.getCache(att.network, id, att.ifName);
      if (!cache || att.status !== 'attached') {
        out.push({
          network: att.network,
          ifName: att.ifName,
          status: 'failed',
          detail: `attachment is ${att.status}`,
        });
        continue;
      }
      const net = cachedConfig(cache);
      try {
        const ran = await checkChain(
          ctx.deps,
          net,
          {
            containerId: id,
            netns: rec.netns.path,
            ifName: att.ifName,
            args: cache.cniArgs ?? [],
            capabilityArgs: cache.capabilityArgs ?? {},
          },
          cache.result,
        );
        out.push(
          ran
            ? { network: att.network, ifName: att.ifName, status: 'ok' }
            : {
                network: att.network,
                ifName: att.ifName,
                status: 'skipped',
                detail: `no CHECK in cniVersion ${net.cniVersion}`,
              },
        );
      } catch (err) {
        out.push({ network: att.network, ifName: att.ifName, status: 'failed', detail: errorMessage(err) });
      }
    }
    return out;
  });
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
  const report = await ctx.store.locked(() => collectGarbage(ctx.store, ctx.deps));
  if (ctx.json) ctx.out(json(report));
  else {
    for (const r of report.released) ctx.out(`released ${r.container} from ${r.network} (${r.ifName})`);
    for (const r of report.repaired) ctx.out(r);
    for (const n of report.cniGc) ctx.out(`CNI GC ran for network ${n}`);
    ctx.out(
      `gc: ${report.released.length} released, ${report.repaired.length} repaired, ${report.errors.length} errors`,
    );
  }
  if (report.errors.length) throw new CircuitError(`gc: ${report.errors.join('; ')}`, ExitCode.plugin);
}
