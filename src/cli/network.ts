import type { CreateNetworkRequest, Peer } from '../api/types';
import { expectPositional, list, type ParsedArgs, str } from '../args';
import { readConfigText } from '../attach/networks';
import type { NetworkSpec } from '../cni/generate';
import { UsageError } from '../errors';
import type { CliContext } from './context';
import { json, table } from './table';

/** Read and JSON-decode a network config file (the API validates the document itself). */
function readDocument(path: string): unknown {
  const text = readConfigText(path);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

function labelsFrom(args: ParsedArgs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list(args.flags, 'label')) {
    const i = l.indexOf('=');
    if (i <= 0) throw new UsageError(`--label: expected KEY=VALUE, not ${JSON.stringify(l)}`);
    out[l.slice(0, i)] = l.slice(i + 1);
  }
  return out;
}

const SPEC_ONLY = ['gateway', 'ip-range', 'driver', 'parent', 'bridge', 'mtu', 'internal', 'ipmasq'];

function specFrom(args: ParsedArgs): NetworkSpec | undefined {
  const subnets = list(args.flags, 'subnet');
  if (subnets.length === 0) {
    const stray = SPEC_ONLY.find((f) => args.flags[f] !== undefined && list(args.flags, f).length !== 0);
    if (stray) throw new UsageError(`--${stray} needs --subnet`);
    return undefined;
  }
  const mtu = str(args.flags, 'mtu');
  if (mtu !== undefined && !/^\d+$/.test(mtu)) throw new UsageError('--mtu: expected a whole number');
  const parent = str(args.flags, 'parent');
  const bridge = str(args.flags, 'bridge');
  return {
    subnets,
    gateways: list(args.flags, 'gateway'),
    ipRanges: list(args.flags, 'ip-range'),
    driver: str(args.flags, 'driver') ?? 'bridge',
    ...(parent !== undefined ? { parent } : {}),
    ...(bridge !== undefined ? { bridge } : {}),
    ...(mtu !== undefined ? { mtu: Number(mtu) } : {}),
    internal: args.flags.internal === true,
    ipMasq: args.flags.ipmasq === true,
  };
}

export async function networkCreate(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const spec = specFrom(args);
  const base = {
    labels: labelsFrom(args),
    skipPluginCheck: args.flags['skip-plugin-check'] === true,
    allowOverlap: args.flags['allow-overlap'] === true,
    dryRun: args.flags['dry-run'] === true,
  };
  let req: CreateNetworkRequest;
  if (spec) {
    const [name = ''] = expectPositional(args, 1, 1, 'circuit network create NAME --subnet CIDR [options]');
    req = { ...base, name, spec };
  } else {
    const [a, b] = expectPositional(args, 1, 2, 'circuit network create [NAME] FILE | NAME --subnet CIDR');
    const file = b ?? a ?? '';
    req = { ...base, config: readDocument(file), source: file, ...(b !== undefined ? { name: a } : {}) };
  }
  const r = await ctx.api.createNetwork(req);
  if (base.dryRun) return ctx.out(json(r.config));
  ctx.out(`network ${r.name} created`);
}

export async function networkList(ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit network list [--json]');
  const rows = await ctx.api.listNetworks();
  if (ctx.json) return ctx.out(json(rows));
  ctx.out(
    table(
      ['NAME', 'TYPE', 'VERSION', 'PEERS'],
      rows.map((r) => [
        r.name,
        r.type,
        r.version,
        r.peers
          .map((p) => `${p.ips.map((ip) => ip.split('/')[0]).join(',') || '-'} (${peerLabel(p)})`)
          .join(', '),
      ]),
    ),
  );
}

export async function networkInspect(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name = ''] = expectPositional(args, 1, 1, 'circuit network inspect NAME');
  ctx.out(json(await ctx.api.inspectNetwork(name)));
}

export async function networkDelete(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [name = ''] = expectPositional(args, 1, 1, 'circuit network delete NAME [--force]');
  const r = await ctx.api.deleteNetwork(name, args.flags.force === true);
  ctx.out(r.deleted ? `${name} deleted` : `network ${name} does not exist; nothing to delete`);
}

/** A peer in `network list`: by pid (else record id); podman's by runtime and name ("podman web"). */
function peerLabel(p: Peer): string {
  if (p.runtime === 'podman') return `podman ${p.name ?? p.container}`;
  return String(p.pid ?? p.container);
}
