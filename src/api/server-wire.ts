/**
 * Server side of the gRPC wire (proto-loader objects, camelCase keys): each RPC's request is
 * decoded and validated with zod (the API boundary), handed to the Api, and its result encoded.
 * The client side (responses back into API types) is client-wire.ts.
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import { firstIssue } from '../names';
import type { Api, CreateNetworkRequest, TopologyRequest } from './types';

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

const topologySchema = z.object({
  files: z
    .array(
      z.object({
        name: text.min(1, 'a file without a name'),
        content: z.string().max(MAX_DOC, 'a topology file larger than 1 MiB'),
      }),
    )
    .min(1, 'no topology file given')
    .max(64, 'at most 64 topology files'),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a variable name'), text),
});

function topologyRequest(raw: unknown): TopologyRequest {
  const r = parse(topologySchema, raw);
  return { files: r.files, env: r.env };
}

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
  TopologyService: {
    CheckTopology: async (api, raw) => ({ ...(await api.topologyCheck(topologyRequest(raw))) }),
    ShowTopology: async (api, raw) => ({
      topologyJson: JSON.stringify(await api.topologyShow(topologyRequest(raw))),
    }),
    ApplyTopology: async (api, raw) => {
      const { runcRoot } = parse(z.object({ runcRoot: opt }), raw);
      const req = topologyRequest(raw);
      return { reports: await api.topologyApply(runcRoot !== undefined ? { ...req, runcRoot } : req) };
    },
    DeleteTopology: async (api, raw) => ({ reports: await api.topologyDelete(topologyRequest(raw)) }),
    DotTopology: async (api, raw) => ({ dot: await api.topologyDot(topologyRequest(raw)) }),
  },
};
