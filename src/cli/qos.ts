import { storedNetwork } from '../attach/networks';
import { UsageError } from '../errors';
import { containerId, firstIssue } from '../names';
import { qosReset, qosSet, qosShow } from '../qos/service';
import { type QosSpec, validateSpec } from '../qos/spec';
import { parseDuration, parsePercent, parseRate, parseSize } from '../qos/units';
import { expectPositional, type ParsedArgs, str } from './args';
import type { CliContext } from './context';
import { json, table } from './table';

function containerFlag(args: ParsedArgs): string | undefined {
  const id = str(args.flags, 'container');
  if (id === undefined) return undefined;
  const r = containerId.safeParse(id);
  if (!r.success) throw new UsageError(`--container: ${firstIssue(r.error)}`);
  return id;
}

/** Flags → validated spec (pure). */
export function specFromFlags(flags: ParsedArgs['flags']): QosSpec {
  const dir = str(flags, 'direction') ?? 'both';
  if (dir !== 'ingress' && dir !== 'egress' && dir !== 'both') {
    throw new UsageError(`--direction: expected ingress, egress or both, not ${JSON.stringify(dir)}`);
  }
  const spec: QosSpec = { direction: dir };
  const get = (k: string) => str(flags, k);
  const rate = get('rate');
  if (rate !== undefined) spec.rate = parseRate(rate, 'rate');
  const ceiling = get('ceiling');
  if (ceiling !== undefined) spec.ceiling = parseRate(ceiling, 'ceiling');
  const burst = get('burst');
  if (burst !== undefined) spec.burst = parseSize(burst, 'burst');
  const cburst = get('cburst');
  if (cburst !== undefined) spec.cburst = parseSize(cburst, 'cburst');
  const prio = get('priority');
  if (prio !== undefined) {
    if (!/^[0-7]$/.test(prio)) throw new UsageError('--priority: expected 0 to 7');
    spec.priority = Number(prio);
  }
  const delay = get('delay');
  if (delay !== undefined) spec.delay = parseDuration(delay, 'delay');
  const jitter = get('jitter');
  if (jitter !== undefined) spec.jitter = parseDuration(jitter, 'jitter');
  for (const k of ['loss', 'duplicate', 'corrupt', 'reorder'] as const) {
    const v = get(k);
    if (v !== undefined) spec[k] = parsePercent(v, k);
  }
  return validateSpec(spec);
}

export async function set(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [network = ''] = expectPositional(
    args,
    1,
    1,
    'circuit network qos set NETWORK [--container ID] [options]',
  );
  const spec = specFromFlags(args.flags);
  const id = containerFlag(args);
  storedNetwork(ctx.store, network);
  await ctx.store.locked(() => qosSet(ctx.store, ctx.deps.run, network, id, spec));
  ctx.out(`qos configured for ${id ? `container ${id} on ` : ''}${network}`);
}

export async function reset(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [network = ''] = expectPositional(args, 1, 1, 'circuit network qos reset NETWORK [--container ID]');
  const id = containerFlag(args);
  storedNetwork(ctx.store, network);
  await ctx.store.locked(() => qosReset(ctx.store, ctx.deps.run, network, id));
  ctx.out(`qos reset for ${id ? `container ${id} on ` : ''}${network}`);
}

export async function show(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [network] = expectPositional(args, 0, 1, 'circuit network qos show [NETWORK] [--json]');
  if (network !== undefined) storedNetwork(ctx.store, network);
  const rows = await ctx.store.locked(() => qosShow(ctx.store, ctx.deps.run, network));
  if (ctx.json) return ctx.out(json(rows));
  ctx.out(
    table(
      ['NETWORK', 'CONTAINER', 'DIRECTION', 'DEVICE', 'STORED', 'KERNEL', 'STATUS'],
      rows.map((r) => [
        r.network,
        r.container,
        r.side === 'host' ? 'ingress' : 'egress',
        r.device,
        `${r.stored}${r.scope !== '-' ? ` (${r.scope})` : ''}`,
        r.kernel,
        r.status === 'ok' ? 'ok' : `${r.status}: ${r.drift.join(', ')}`,
      ]),
      12,
    ),
  );
}
