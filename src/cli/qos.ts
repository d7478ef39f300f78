import { expectPositional, type ParsedArgs, str } from '../args';
import { QOS_OPTIONS } from '../qos/options';
import type { CliContext } from './context';
import { json, table } from './table';

const scope = (container: string | undefined, network: string) =>
  `${container ? `container ${container} on ` : ''}${network}`;

export async function set(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [network = ''] = expectPositional(
    args,
    1,
    1,
    'circuit network qos set NETWORK [--container ID] [options]',
  );
  const options: Record<string, string> = {};
  for (const k of QOS_OPTIONS) {
    const v = str(args.flags, k);
    if (v !== undefined) options[k] = v;
  }
  const container = str(args.flags, 'container');
  await ctx.api.qosSet({ network, ...(container !== undefined ? { container } : {}), options });
  ctx.out(`qos configured for ${scope(container, network)}`);
}

export async function reset(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [network = ''] = expectPositional(args, 1, 1, 'circuit network qos reset NETWORK [--container ID]');
  const container = str(args.flags, 'container');
  await ctx.api.qosReset(network, container);
  ctx.out(`qos reset for ${scope(container, network)}`);
}

export async function show(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [network] = expectPositional(args, 0, 1, 'circuit network qos show [NETWORK] [--json]');
  const rows = await ctx.api.qosShow(network);
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
