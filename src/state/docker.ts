import { z } from 'zod';
import { JsonArea } from './area';
import type { StateStore } from './store';

export { DOCKER_ID_PREFIX, DOCKER_SOURCE } from './schemas';

export const poolSchema = z.object({
  id: z.string(),
  pool: z.string(),
  subPool: z.string().optional(),
  v6: z.boolean(),
  allocated: z.array(z.string()),
});
export type PoolRecord = z.infer<typeof poolSchema>;

const family = z.object({ pool: z.string(), gateway: z.string() }).optional();
export const dockerNetSchema = z.object({
  id: z.string(),
  bridge: z.string(),
  /** Whether circuit created the bridge (and so deletes it). */
  ownBridge: z.boolean(),
  internal: z.boolean(),
  mtu: z.number().int().positive().optional(),
  v4: family,
  v6: family,
  createdAt: z.string(),
});
export type DockerNetRecord = z.infer<typeof dockerNetSchema>;

export const dockerEndpointSchema = z.object({
  id: z.string(),
  networkId: z.string(),
  /** The host-side veth; the container record's attachment names it as `hostDevice`. */
  host: z.string(),
  peer: z.string(),
  mac: z.string(),
  address: z.string().optional(),
  addressV6: z.string().optional(),
  /** The container's network namespace (Join's SandboxKey). */
  sandbox: z.string().optional(),
  /** Published ports (docker run -p), set by ProgramExternalConnectivity. */
  ports: z
    .array(
      z.object({
        proto: z.enum(['tcp', 'udp']),
        hostIp: z.string().optional(),
        hostPort: z.number().int(),
        port: z.number().int(),
      }),
    )
    .optional(),
  createdAt: z.string(),
});
export type DockerEndpointRecord = z.infer<typeof dockerEndpointSchema>;

/** Pool ids contain "/" (`CircuitLocal/198.18.0.0/24`): their file names are base64url. */
const poolKey = (id: string) => Buffer.from(id).toString('base64url');

/**
 * The Docker driver's area: `docker/networks/<id>.json`, `docker/endpoints/<id>.json`,
 * `docker/pools/<base64url id>.json`. Its containers are ordinary container records
 * (`DOCKER_ID_PREFIX` + id, source docker) whose attachments carry `hostDevice`.
 */
export function dockerArea(store: StateStore) {
  const networks = new JsonArea(store, 'docker/networks', dockerNetSchema);
  const endpoints = new JsonArea(store, 'docker/endpoints', dockerEndpointSchema, false);
  const pools = new JsonArea(store, 'docker/pools', poolSchema);
  return {
    networks: {
      get: (id: string) => networks.get(id),
      put: (net: DockerNetRecord) => networks.put(net.id, net),
      remove: (id: string) => networks.remove(id),
      all: () => networks.all(),
    },
    endpoints: {
      get: (id: string) => endpoints.get(id),
      put: (ep: DockerEndpointRecord) => endpoints.put(ep.id, ep),
      remove: (id: string) => endpoints.remove(id),
      all: () => endpoints.all(),
      /** For changes rendered from every endpoint (published ports): a corrupt one fails. */
      strictAll: () => endpoints.strictAll(),
    },
    pools: {
      get: (id: string) => pools.get(poolKey(id)),
      put: (pool: PoolRecord) => pools.put(poolKey(pool.id), pool),
      remove: (id: string) => pools.remove(poolKey(id)),
      all: () => pools.all(),
      strictAll: () => pools.strictAll(),
    },
    corrupt: () => [...networks.corrupt(), ...endpoints.corrupt(), ...pools.corrupt()],
  };
}
