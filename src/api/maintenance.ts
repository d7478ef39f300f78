import { collectGarbage, type GcReport } from '../attach/gc';
import { cachedConfig } from '../cni/cache';
import { checkChain } from '../cni/chain';
import { errorMessage, NotFoundError } from '../errors';
import { containerId, validName } from '../names';
import type { LocalContext } from './context';
import type { CheckResult } from './types';

/** CNI CHECK of every attachment of a container; failures are results, not errors. */
export async function check(ctx: LocalContext, id: string): Promise<CheckResult[]> {
  validName(containerId, id, 'container id');
  const rec = ctx.store.getContainer(id);
  if (!rec) throw new NotFoundError(`container ${id} has no circuit networks`);
  return ctx.store.locked(async () => {
    const out: CheckResult[] = [];
    for (const att of rec.attachments) {
      const cache = ctx.store.getCache(att.network, id, att.ifName);
      const base = { network: att.network, ifName: att.ifName };
      if (!cache || att.status !== 'attached') {
        out.push({ ...base, status: 'failed', detail: `attachment is ${att.status}` });
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
            ? { ...base, status: 'ok' }
            : { ...base, status: 'skipped', detail: `no CHECK in cniVersion ${net.cniVersion}` },
        );
      } catch (err) {
        out.push({ ...base, status: 'failed', detail: errorMessage(err) });
      }
    }
    return out;
  });
}

export async function gc(ctx: LocalContext): Promise<GcReport> {
  const report = await ctx.store.locked(() => collectGarbage(ctx.store, ctx.deps));
  // topology links of containers that are gone, and the bridges/tunnels/namespaces only they
  // used: under the topology area's own lock, not the global one (kernel work)
  const { TopologyEngine } = await import('../topology/apply');
  try {
    report.repaired.push(...(await new TopologyEngine(ctx.store, ctx.deps.run).collect()));
  } catch (err) {
    report.errors.push(`topology: ${errorMessage(err)}`);
  }
  return report;
}
