import { expectPositional, type ParsedArgs, str } from '../args';
import type { CliContext } from './context';
import { json, table } from './table';

export async function networkConnect(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [container = '', network = ''] = expectPositional(
    args,
    2,
    2,
    'circuit network connect CONTAINER|PID NETWORK [--ifname IF] [--ip IP] [--mac MAC]',
  );
  const opt = (k: string) => str(args.flags, k);
  const r = await ctx.api.connect({
    container,
    network,
    ...(opt('ifname') !== undefined ? { ifName: opt('ifname') } : {}),
    ...(opt('ip') !== undefined ? { ip: opt('ip') } : {}),
    ...(opt('mac') !== undefined ? { mac: opt('mac') } : {}),
    ...(opt('runc-root') !== undefined ? { runcRoot: opt('runc-root') } : {}),
  });
  if (r.already) return ctx.out(`container ${container} is already connected to network ${r.network}`);
  ctx.out(
    `connected container ${container} to network ${r.network}${r.ips.length ? ` with ip=${r.ips.join(',')}` : ''}`,
  );
}

export async function networkDisconnect(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [container = '', network = ''] = expectPositional(
    args,
    2,
    2,
    'circuit network disconnect CONTAINER|PID NETWORK',
  );
  const r = await ctx.api.disconnect(container, network);
  ctx.out(
    r.released
      ? `disconnected container ${container} from network ${network}`
      : `container ${container} is not connected to network ${network}; nothing to do`,
  );
}

export async function networkIps(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [container = ''] = expectPositional(args, 1, 1, 'circuit network ips CONTAINER|PID [--json]');
  const rows = await ctx.api.containerIps(container);
  if (ctx.json) return ctx.out(json(rows));
  const clustered = rows.some((r) => r.node !== undefined);
  const header = ['NETWORK', 'IP', 'INTERFACE', ...(clustered ? ['NODE'] : [])];
  ctx.out(
    table(
      header,
      rows.map((r) => [r.network, r.ip || '-', r.interface, ...(clustered ? [r.node ?? '-'] : [])]),
      10,
    ),
  );
}
