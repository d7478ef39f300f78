/**
 * A topology file's shape (conlink's network configuration: `links`, `bridges`, `tunnels`,
 * `commands`, with conlink's field names) plus circuit's `namespace`. Structure only: the
 * rules between fields are in validate.ts.
 */
import * as z from '../schema';

export const LINK_TYPES = ['veth', 'dummy', 'vlan', 'ipvlan', 'macvlan', 'ipvtap', 'macvtap'] as const;
export type LinkType = (typeof LINK_TYPES)[number];
export const BRIDGE_MODES = ['auto', 'linux', 'ovs', 'patch'] as const;
export const TUNNEL_TYPES = ['vxlan', 'geneve'] as const;

const strings = z.union([z.string(), z.array(z.string())]);

export const rawLinkSchema = z.strictObject({
  type: z.optional(z.enum(LINK_TYPES)),
  container: z.optional(z.string()),
  service: z.optional(z.string()),
  bridge: z.optional(z.string()),
  'outer-dev': z.optional(z.string()),
  dev: z.optional(z.string()),
  ip: z.optional(z.string()),
  mac: z.optional(z.string()),
  mtu: z.optional(z.number()),
  route: z.optional(strings),
  nat: z.optional(z.string()),
  netem: z.optional(strings),
  mode: z.optional(z.string()),
  vlanid: z.optional(z.number()),
  forward: z.optional(strings),
  ethtool: z.optional(strings),
});
export type RawLink = z.infer<typeof rawLinkSchema>;

const bridgeOptions = { mode: z.optional(z.enum(BRIDGE_MODES)) };
export const rawBridgeSchema = z.strictObject({ bridge: z.string(), ...bridgeOptions });
/** conlink writes bridges as a list of {bridge, mode}; a map keyed by bridge name is accepted too. */
export const rawBridgeListSchema = z.array(rawBridgeSchema);
export const rawBridgeMapSchema = z.record(z.string(), z.strictObject(bridgeOptions));

export const rawTunnelSchema = z.strictObject({
  type: z.optional(z.enum(TUNNEL_TYPES)),
  bridge: z.optional(z.string()),
  remote: z.optional(z.string()),
  vni: z.optional(z.number()),
  netem: z.optional(strings),
});
export type RawTunnel = z.infer<typeof rawTunnelSchema>;

export const rawCommandSchema = z.strictObject({
  container: z.optional(z.string()),
  service: z.optional(z.string()),
  command: z.optional(strings),
});
export type RawCommand = z.infer<typeof rawCommandSchema>;

export const rawTopologySchema = z.strictObject({
  namespace: z.optional(z.string()),
  links: z.optional(z.array(rawLinkSchema)),
  bridges: z.optional(z.unknown()),
  tunnels: z.optional(z.array(rawTunnelSchema)),
  commands: z.optional(z.array(rawCommandSchema)),
});

/** One file's content after structural validation, bridges as a map. */
export interface RawTopology {
  namespace?: string | undefined;
  links: RawLink[];
  bridges: Record<string, { mode?: (typeof BRIDGE_MODES)[number] | undefined }>;
  tunnels: RawTunnel[];
  commands: RawCommand[];
}

/** Fields whose values are numbers (a `${VAR}` in them yields a string that must be one). */
export const NUMERIC_FIELDS = new Set(['mtu', 'vlanid', 'vni']);

export interface Forward {
  port: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** A link with defaults applied: what show prints and the planners take. */
export interface Link {
  type: LinkType;
  container: string;
  dev: string;
  /** veth: the outer end; *vlan/*vtap: the parent device. */
  outerDev?: string;
  bridge?: string;
  ip?: string;
  mac?: string;
  mtu?: number;
  route: string[];
  nat?: string;
  netem: string[];
  mode?: string;
  vlanid?: number;
  forward: Forward[];
  ethtool: string[];
  /** Where it was written: `FILE: links[N]`. */
  origin: string;
}

export interface Bridge {
  mode: 'linux' | 'patch';
}

export interface Tunnel {
  type: (typeof TUNNEL_TYPES)[number];
  bridge: string;
  remote: string;
  vni: number;
  netem: string[];
  /** The tunnel's device name in the outer namespace. */
  dev: string;
}

export interface ContainerCommand {
  container: string;
  /** argv; a string in the file becomes ["sh", "-c", STRING]. */
  command: string[];
}

export interface Topology {
  /** Where outer ends live: a named network namespace, or the host's when unset. */
  namespace?: string;
  links: Link[];
  bridges: Record<string, Bridge>;
  tunnels: Tunnel[];
  commands: ContainerCommand[];
}
