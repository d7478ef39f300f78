/**
 * The gRPC wire forms of the API (proto-loader objects, camelCase keys) and their conversions.
 * Requests are validated with zod on the server (the API boundary); responses are rebuilt in
 * the API's own key order on the client, so `--json` through a daemon prints the same bytes.
 */
import { z } from 'zod';
import type { GcReport } from '../attach/gc';
import { UsageError } from '../errors';
import type { Service } from '../lb/spec';
import type { TargetStats } from '../lb/stats';
import { firstIssue } from '../names';
import type { QosRow } from '../qos/service';
import type {
  Api,
  CheckResult,
  CreateNetworkRequest,
  IpRow,
  NetworkDetail,
  NetworkSummary,
  NodeInfo,
  Peer,
} from './types';

type Wire = Record<string, unknown>;
const MAX_TEXT = 4096;
const MAX_DOC = 1024 * 1024;
const text = z.string().max(MAX_TEXT, `longer than ${MAX_TEXT} characters`);
/** proto3 has no presence for scalars: "" (or 0) means not given. */
const opt = text.optional().transform((v) => (v === '' ? undefined : v));
const texts = z.array(text).max(100_000);
const strMap = z.record(text, text);

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new UsageError(`bad request: ${firstIssue(r.error)}`);
  return r.data;
}

const specSchema = z.object({
  subnets: texts,
  gateways: texts,
  ipRanges: texts,
  driver: text,
  parent: opt,
  bridge: opt,
  mtu: z
    .number()
    .int()
    .optional()
    .transform((v) => (v === 0 ? undefined : v)),
  internal: z.boolean(),
  ipMasq: z.boolean(),
});

const createSchema = z.object({
  name: opt,
  configJson: z
    .string()
    .max(MAX_DOC, 'config_json is larger than 1 MiB')
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  source: opt,
  spec: specSchema.nullable().optional(),
  labels: strMap,
  skipPluginCheck: z.boolean(),
  allowOverlap: z.boolean(),
  dryRun: z.boolean(),
});

function createRequest(raw: unknown): CreateNetworkRequest {
  const r = parse(createSchema, raw);
  let config: unknown;
  if (r.configJson !== undefined) {
    try {
      config = JSON.parse(r.configJson);
    } catch (err) {
      throw new UsageError(`config_json: not valid JSON (${(err as Error).message})`);
    }
  }
  const spec = r.spec
    ? {
        subnets: r.spec.subnets,
        gateways: r.spec.gateways,
        ipRanges: r.spec.ipRanges,
        driver: r.spec.driver || 'bridge',
        internal: r.spec.internal,
        ipMasq: r.spec.ipMasq,
        ...(r.spec.parent !== undefined ? { parent: r.spec.parent } : {}),
        ...(r.spec.bridge !== undefined ? { bridge: r.spec.bridge } : {}),
        ...(r.spec.mtu !== undefined ? { mtu: r.spec.mtu } : {}),
      }
    : undefined;
  return {
    ...(r.name !== undefined ? { name: r.name } : {}),
    ...(config !== undefined ? { config } : {}),
    ...(r.source !== undefined ? { source: r.source } : {}),
    ...(spec ? { spec } : {}),
    labels: r.labels,
    skipPluginCheck: r.skipPluginCheck,
    allowOverlap: r.allowOverlap,
    dryRun: r.dryRun,
  };
}

/** Drop undefined values (proto3 `optional` fields that are absent). */
function defined<T extends Wire>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const name = z.object({ name: text });
const container = z.object({ container: text });
const optName = z.object({ name: opt });
const netAndContainer = z.object({ network: text, container: opt });

/** Server side: RPC name → handler (decode and validate, call the API, encode). */
export const HANDLERS: Record<string, Record<string, (api: Api, raw: unknown) => Promise<Wire>>> = {
  NetworkService: {
    CreateNetwork: async (api, raw) => {
      const r = await api.createNetwork(createRequest(raw));
      return { name: r.name, created: r.created, configJson: JSON.stringify(r.config) };
    },
    ListNetworks: async (api) => ({ networks: await api.listNetworks() }),
    GetNetwork: async (api, raw) => {
      const n = await api.inspectNetwork(parse(name, raw).name);
      return defined({ ...n, configJson: JSON.stringify(n.config), config: undefined });
    },
    DeleteNetwork: async (api, raw) => {
      const r = parse(z.object({ name: text, force: z.boolean() }), raw);
      return api.deleteNetwork(r.name, r.force);
    },
    Connect: async (api, raw) => {
      const r = parse(
        z.object({ container: text, network: text, ifName: opt, ip: opt, mac: opt, runcRoot: opt }),
        raw,
      );
      return api.connect(defined(r));
    },
    Disconnect: async (api, raw) => {
      const r = parse(z.object({ container: text, network: text }), raw);
      return api.disconnect(r.container, r.network);
    },
    ContainerIps: async (api, raw) => ({ ips: await api.containerIps(parse(container, raw).container) }),
  },
  QosService: {
    SetQos: async (api, raw) => {
      const r = parse(netAndContainer.extend({ options: strMap }), raw);
      await api.qosSet(defined(r));
      return {};
    },
    ResetQos: async (api, raw) => {
      const r = parse(netAndContainer, raw);
      await api.qosReset(r.network, r.container);
      return {};
    },
    ShowQos: async (api, raw) => ({
      rows: await api.qosShow(parse(z.object({ network: opt }), raw).network),
    }),
  },
  LoadBalancerService: {
    CreateService: async (api, raw) => {
      const r = parse(
        z.object({
          name: text,
          vip: text,
          scheduler: opt,
          protocol: opt,
          persistent: opt,
          forward: opt,
          backend: opt,
        }),
        raw,
      );
      return api.lbCreate(defined(r));
    },
    ListServices: async (api) => ({ services: await api.lbList() }),
    AddTargets: async (api, raw) => {
      const r = parse(z.object({ name: text, targets: texts, weight: opt }), raw);
      await api.lbAdd(r.name, r.targets, r.weight);
      return {};
    },
    RemoveTargets: async (api, raw) => {
      const r = parse(z.object({ name: text, targets: texts }), raw);
      await api.lbRemove(r.name, r.targets);
      return {};
    },
    DeleteService: async (api, raw) => api.lbDelete(parse(name, raw).name),
    ClearServices: async (api) => api.lbClear(),
    RestoreServices: async (api) => api.lbRestore(),
    Stats: async (api, raw) => ({ stats: await api.lbStats(parse(optName, raw).name) }),
  },
  MaintenanceService: {
    Check: async (api, raw) => ({ results: await api.check(parse(container, raw).container) }),
    Gc: async (api) => {
      const r = await api.gc();
      return { ...r, cniGc: r.cniGc };
    },
  },
  ClusterService: {
    ListNodes: async (api) => ({ nodes: await api.clusterNodes() }),
  },
};

// ---------------------------------------------------------------- client side: wire → API types

const s = (v: unknown) => (typeof v === 'string' ? v : '');
const n = (v: unknown) => (typeof v === 'number' ? v : Number(v ?? 0));
const arr = (v: unknown): Wire[] => (Array.isArray(v) ? (v as Wire[]) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
/** A field that proto3 sends as "" or 0 when absent. */
const optional = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
  (v === undefined || v === null || v === '' || v === 0 ? {} : { [k]: v }) as { [P in K]?: V };

function peer(w: Wire): Peer {
  return {
    container: s(w.container),
    ...optional('pid', w.pid === undefined ? undefined : n(w.pid)),
    ifName: s(w.ifName),
    status: s(w.status),
    ips: strs(w.ips),
    ...optional('name', w.name === undefined ? undefined : s(w.name)),
    ...optional('runtime', w.runtime === undefined ? undefined : s(w.runtime)),
  };
}

export const fromWire = {
  summary: (w: Wire): NetworkSummary => ({
    name: s(w.name),
    type: s(w.type),
    plugins: strs(w.plugins),
    version: s(w.version),
    peers: arr(w.peers).map(peer),
  }),
  detail: (w: Wire): NetworkDetail => {
    const labels = (w.labels ?? {}) as Record<string, string>;
    return {
      name: s(w.name),
      config: JSON.parse(s(w.configJson) || '{}') as Record<string, unknown>,
      ...optional('source', w.source as string | undefined),
      createdAt: s(w.createdAt),
      ...optional('labels', Object.keys(labels).length ? labels : undefined),
      attachments: arr(w.attachments).map(peer),
    };
  },
  ip: (w: Wire): IpRow => ({
    network: s(w.network),
    ip: s(w.ip),
    cidr: s(w.cidr),
    interface: s(w.interface),
    status: s(w.status),
    ...optional('node', w.node as string | undefined),
  }),
  qosRow: (w: Wire): QosRow => ({
    network: s(w.network),
    container: s(w.container),
    side: s(w.side) as QosRow['side'],
    device: s(w.device),
    scope: s(w.scope) as QosRow['scope'],
    stored: s(w.stored),
    kernel: s(w.kernel),
    status: s(w.status) as QosRow['status'],
    drift: strs(w.drift),
  }),
  service: (w: Wire): Service => ({
    name: s(w.name),
    addr: s(w.addr),
    port: n(w.port),
    protocol: s(w.protocol) as Service['protocol'],
    scheduler: s(w.scheduler) as Service['scheduler'],
    ...optional('persistent', w.persistent === undefined ? undefined : n(w.persistent)),
    forward: s(w.forward) as Service['forward'],
    backend: s(w.backend) as Service['backend'],
    targets: arr(w.targets).map((t) => ({ addr: s(t.addr), port: n(t.port), weight: n(t.weight) })),
    createdAt: s(w.createdAt),
  }),
  stats: (w: Wire): TargetStats => ({
    service: s(w.service),
    target: s(w.target),
    connections: n(w.connections),
    packets: n(w.packets),
    bytes: n(w.bytes),
  }),
  check: (w: Wire): CheckResult => ({
    network: s(w.network),
    ifName: s(w.ifName),
    status: s(w.status),
    ...optional('detail', w.detail as string | undefined),
  }),
  gc: (w: Wire): GcReport => ({
    released: arr(w.released).map((r) => ({
      container: s(r.container),
      network: s(r.network),
      ifName: s(r.ifName),
    })),
    repaired: strs(w.repaired),
    cniGc: strs(w.cniGc),
    errors: strs(w.errors),
  }),
  node: (w: Wire): NodeInfo => ({
    name: s(w.name),
    version: s(w.version),
    cpus: n(w.cpus),
    memory: n(w.memory),
    uptime: n(w.uptime),
    kernel: s(w.kernel),
    address: s(w.address),
    containers: n(w.containers),
    lastSeen: s(w.lastSeen),
  }),
};
