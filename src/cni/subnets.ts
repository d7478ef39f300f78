import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors';

export interface Cidr {
  /** Canonical text, network address and prefix (e.g. 198.18.20.0/24). */
  text: string;
  family: 4 | 6;
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
}

/** Parse a CIDR and normalise it to its network address. Throws UsageError naming `what`. */
export function parseCidr(text: string, what: string): Cidr {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    throw new UsageError(
      `${what}: ${JSON.stringify(text)} is not a CIDR (e.g. 198.18.20.0/24 or fd00:20::/64)`,
    );
  }
  const [addr, prefix] = parsed;
  const family = addr.kind() === 'ipv6' ? 6 : 4;
  const net =
    family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  return { text: `${net.toString()}/${prefix}`, family, addr: net, prefix };
}

export function parseIp(text: string, what: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (!ipaddr.isValid(text)) throw new UsageError(`${what}: ${JSON.stringify(text)} is not an IP address`);
  return ipaddr.parse(text);
}

export function contains(net: Cidr, ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return ip.kind() === net.addr.kind() && ip.match(net.addr, net.prefix);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && (contains(a, b.addr) || contains(b, a.addr));
}

function toBytes(ip: ipaddr.IPv4 | ipaddr.IPv6): number[] {
  return ip.toByteArray();
}

function fromBytes(bytes: number[]): ipaddr.IPv4 | ipaddr.IPv6 {
  return ipaddr.fromByteArray(bytes);
}

/** The address `offset` after the network address (offset may be negative from the broadcast end). */
export function nth(net: Cidr, offset: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = toBytes(net.addr);
  const bits = bytes.length * 8;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  const size = 1n << BigInt(bits - net.prefix);
  const v = offset >= 0 ? value + BigInt(offset) : value + size + BigInt(offset);
  const out: number[] = [];
  let x = v;
  for (let i = 0; i < bytes.length; i++) {
    out.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  return fromBytes(out);
}

/** Subnets named by a conflist's IPAM sections (host-local `ranges`/`subnet`, static addresses). */
export function documentSubnets(doc: Record<string, unknown>): Cidr[] {
  const out: Cidr[] = [];
  const plugins = Array.isArray(doc.plugins) ? doc.plugins : [doc];
  const add = (v: unknown) => {
    if (typeof v !== 'string') return;
    try {
      out.push(parseCidr(v, 'subnet'));
    } catch {
      // a foreign document may carry anything; overlap checks only use what parses
    }
  };
  for (const p of plugins) {
    const ipam = (p as { ipam?: unknown }).ipam;
    if (typeof ipam !== 'object' || ipam === null) continue;
    const i = ipam as { subnet?: unknown; ranges?: unknown };
    add(i.subnet);
    if (Array.isArray(i.ranges)) {
      for (const set of i.ranges) {
        if (Array.isArray(set)) for (const r of set) add((r as { subnet?: unknown })?.subnet);
      }
    }
  }
  return out;
}
