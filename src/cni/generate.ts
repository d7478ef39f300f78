import { createHash } from 'node:crypto';
import { ConflictError, UsageError } from '../errors';
import { firstIssue, ifName } from '../names';
import { type Cidr, contains, nth, parseCidr, parseIp } from './subnets';

export const DRIVERS = ['bridge', 'macvlan', 'ipvlan', 'ptp'] as const;
export type Driver = (typeof DRIVERS)[number];

/** `network create NAME --subnet ...`: what the user asked for, before validation. */
export interface NetworkSpec {
  subnets: string[];
  gateways: string[];
  ipRanges: string[];
  driver: string;
  parent?: string;
  bridge?: string;
  mtu?: number;
  internal: boolean;
  ipMasq: boolean;
}

/** The CNI version generated documents use (what Debian's plugins 1.1.x speak). */
export const GENERATED_CNI_VERSION = '1.0.0';

function validIf(value: string, what: string): string {
  const r = ifName.safeParse(value);
  if (!r.success) throw new UsageError(`${what}: ${firstIssue(r.error)}`);
  return value;
}

/** A bridge name derived from the network name, within IFNAMSIZ and unused by other networks. */
export function bridgeNameFor(network: string, taken: ReadonlySet<string>): string {
  const plain = `cir-${network}`;
  if (plain.length <= 15 && !taken.has(plain) && ifName.safeParse(plain).success) return plain;
  for (let salt = 0; ; salt++) {
    const h = createHash('sha256').update(`${network}\0${salt}`).digest('hex').slice(0, 8);
    const name = `cir-${h}`;
    if (!taken.has(name)) return name;
  }
}

interface Range {
  subnet: string;
  gateway?: string;
  rangeStart?: string;
  rangeEnd?: string;
}

/** One host-local range per subnet, with the gateway and --ip-range of its address family. */
function ranges(spec: NetworkSpec, subnets: Cidr[], withGateway: boolean): Range[] {
  const byFamily = <T>(items: T[], family: (t: T) => 4 | 6, what: string) => {
    const out = new Map<4 | 6, T>();
    for (const it of items) {
      const f = family(it);
      if (out.has(f)) throw new UsageError(`${what}: at most one per address family`);
      if (!subnets.some((s) => s.family === f))
        throw new UsageError(`${what}: no IPv${f} --subnet for ${String(it)}`);
      out.set(f, it);
    }
    return out;
  };
  const gws = byFamily(
    spec.gateways.map((g) => parseIp(g, '--gateway')),
    (ip) => (ip.kind() === 'ipv6' ? 6 : 4),
    '--gateway',
  );
  const rngs = byFamily(
    spec.ipRanges.map((r) => parseCidr(r, '--ip-range')),
    (c) => c.family,
    '--ip-range',
  );
  return subnets.map((net) => {
    const out: Range = { subnet: net.text };
    const gw = gws.get(net.family);
    if (gw) {
      if (!contains(net, gw)) throw new UsageError(`--gateway ${gw.toString()} is outside ${net.text}`);
      if (gw.toString() === net.addr.toString())
        throw new UsageError(`--gateway ${gw.toString()} is the network address of ${net.text}`);
    }
    if (withGateway) out.gateway = (gw ?? nth(net, 1)).toString();
    const r = rngs.get(net.family);
    if (r) {
      if (r.prefix < net.prefix || !contains(net, r.addr))
        throw new UsageError(`--ip-range ${r.text} is not inside --subnet ${net.text}`);
      const start = r.addr.toString() === net.addr.toString() ? nth(r, 1) : nth(r, 0);
      const last = nth(r, -1);
      const end = net.family === 4 && last.toString() === nth(net, -1).toString() ? nth(r, -2) : last;
      out.rangeStart = start.toString();
      out.rangeEnd = end.toString();
    }
    return out;
  });
}

/**
 * A conflist in the style of nerdctl's defaults: bridge + portmap + firewall + tuning for bridge
 * networks, host-local IPAM (one range set per subnet: dual-stack with two subnets), a default
 * route per family unless internal. Pure; `takenBridges` are the bridges of stored networks.
 */
export function generateConflist(
  name: string,
  spec: NetworkSpec,
  takenBridges: ReadonlySet<string>,
): Record<string, unknown> {
  if (!(DRIVERS as readonly string[]).includes(spec.driver))
    throw new UsageError(`--driver: ${JSON.stringify(spec.driver)} is not one of ${DRIVERS.join(', ')}`);
  const driver = spec.driver as Driver;
  if (spec.subnets.length === 0) throw new UsageError('network create: --subnet CIDR is required');
  const subnets = spec.subnets.map((s) => parseCidr(s, '--subnet'));
  const families = new Set(subnets.map((s) => s.family));
  if (subnets.length > 2 || families.size !== subnets.length)
    throw new UsageError('--subnet: give one IPv4 and/or one IPv6 subnet');
  for (const s of subnets) {
    const max = s.family === 4 ? 30 : 126;
    if (s.prefix > max) throw new UsageError(`--subnet ${s.text}: too small (at most /${max})`);
  }
  if (spec.internal && spec.ipMasq) throw new UsageError('--internal and --ipmasq exclude each other');
  if (spec.mtu !== undefined && (!Number.isInteger(spec.mtu) || spec.mtu < 68 || spec.mtu > 65535))
    throw new UsageError('--mtu: expected a whole number from 68 to 65535');
  const needsParent = driver === 'macvlan' || driver === 'ipvlan';
  if (needsParent && spec.parent === undefined)
    throw new UsageError(`--driver ${driver} needs --parent DEV (the host interface to attach to)`);
  if (!needsParent && spec.parent !== undefined)
    throw new UsageError(`--parent is only for --driver macvlan or ipvlan`);
  if (driver !== 'bridge' && spec.bridge !== undefined)
    throw new UsageError('--bridge is only for --driver bridge');
  if (driver !== 'bridge' && driver !== 'ptp' && spec.ipMasq)
    throw new UsageError(`--ipmasq is only for --driver bridge or ptp`);

  const routes = spec.internal ? [] : subnets.map((s) => ({ dst: s.family === 4 ? '0.0.0.0/0' : '::/0' }));
  const ipam = {
    type: 'host-local',
    ranges: ranges(spec, subnets, driver !== 'ptp').map((r) => [r]),
    ...(routes.length ? { routes } : {}),
  };
  const mtu = spec.mtu !== undefined ? { mtu: spec.mtu } : {};
  const ipsCap = { capabilities: { ips: true } };
  const plugins: Record<string, unknown>[] = [];
  if (driver === 'bridge') {
    let bridge: string;
    if (spec.bridge !== undefined) {
      bridge = validIf(spec.bridge, '--bridge');
      if (takenBridges.has(bridge))
        throw new ConflictError(`--bridge ${bridge} is already used by another circuit network`);
    } else bridge = bridgeNameFor(name, takenBridges);
    plugins.push(
      {
        type: 'bridge',
        bridge,
        isGateway: true,
        ipMasq: spec.ipMasq,
        hairpinMode: true,
        ...mtu,
        ...ipsCap,
        ipam,
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'firewall', ingressPolicy: 'same-bridge' },
      { type: 'tuning', capabilities: { mac: true } },
    );
  } else if (driver === 'ptp') {
    plugins.push(
      { type: 'ptp', ipMasq: spec.ipMasq, ...mtu, ...ipsCap, ipam },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'tuning', capabilities: { mac: true } },
    );
  } else {
    const master = validIf(spec.parent ?? '', '--parent');
    const mode = driver === 'macvlan' ? 'bridge' : 'l2';
    plugins.push({ type: driver, master, mode, ...mtu, ...ipsCap, ipam });
    if (driver === 'macvlan') plugins.push({ type: 'tuning', capabilities: { mac: true } });
  }
  return { cniVersion: GENERATED_CNI_VERSION, name, plugins };
}

/** The bridge device a stored document uses, if its first plugin is a bridge. */
export function documentBridge(doc: Record<string, unknown>): string | undefined {
  const first = Array.isArray(doc.plugins) ? doc.plugins[0] : doc;
  if (typeof first !== 'object' || first === null) return undefined;
  const p = first as { type?: unknown; bridge?: unknown };
  if (p.type !== 'bridge') return undefined;
  return typeof p.bridge === 'string' ? p.bridge : 'cni0';
}
