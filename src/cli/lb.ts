import { expectPositional, type ParsedArgs, str } from '../args';
import { formatEndpoint } from '../lb/spec';
import type { CliContext } from './context';
import { json, table } from './table';

export async function create(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name = '', vip = ''] = expectPositional(
    args,
    2,
    2,
    'circuit lb create NAME VIP:PORT [--scheduler S] [--protocol tcp|udp] ...',
  );
  const req: Parameters<CliContext['api']['lbCreate']>[0] = { name, vip };
  for (const k of ['scheduler', 'protocol', 'persistent', 'forward', 'backend'] as const) {
    const v = str(args.flags, k);
    if (v !== undefined) req[k] = v;
  }
  const r = await ctx.api.lbCreate(req);
  ctx.out(r.created ? `service ${name} created` : `service ${name} already exists`);
  if (r.note) process.stderr.write(`circuit: ${r.note}\n`);
}

const HEADER = ['NAME', 'ADDR', 'PROTOCOL', 'SCHEDULER'];

export async function list(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit lb list [--details] [--json]');
  const svcs = await ctx.api.lbList();
  if (ctx.json) return ctx.out(json(svcs));
  const lines = [table(HEADER, [])];
  for (const s of svcs) {
    lines.push(
      table(HEADER, [[s.name, formatEndpoint(s.addr, s.port), s.protocol, s.scheduler]]).split('\n')[1] ?? '',
    );
    if (args.flags.details === true) {
      for (const t of s.targets)
        lines.push(`  -> ${formatEndpoint(t.addr, t.port)}${t.weight !== 1 ? ` weight ${t.weight}` : ''}`);
    }
  }
  ctx.out(lines.join('\n'));
}

export async function add(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name = '', ...targets] = expectPositional(
    args,
    2,
    100_000,
    'circuit lb add NAME TARGET:PORT... [--weight N]',
  );
  await ctx.api.lbAdd(name, targets, str(args.flags, 'weight'));
  ctx.out(`service ${name} updated`);
}

export async function remove(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name = '', ...targets] = expectPositional(args, 2, 100_000, 'circuit lb remove NAME TARGET:PORT...');
  await ctx.api.lbRemove(name, targets);
  ctx.out(`service ${name} updated`);
}

export async function del(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name = ''] = expectPositional(args, 1, 1, 'circuit lb delete NAME');
  const r = await ctx.api.lbDelete(name);
  ctx.out(r.deleted ? `service ${name} removed` : `service ${name} does not exist; nothing to delete`);
}

export async function clear(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit lb clear');
  ctx.out(`${(await ctx.api.lbClear()).count} service(s) removed`);
}

export async function restore(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit lb restore');
  ctx.out(`${(await ctx.api.lbRestore()).count} service(s) restored`);
}

export async function stats(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name] = expectPositional(args, 0, 1, 'circuit lb stats [NAME] [--json]');
  const rows = await ctx.api.lbStats(name);
  if (ctx.json) return ctx.out(json(rows));
  ctx.out(
    table(
      ['NAME', 'TARGET', 'CONNECTIONS', 'PACKETS', 'BYTES'],
      rows.map((r) => [r.service, r.target, String(r.connections), String(r.packets), String(r.bytes)]),
    ),
  );
}
