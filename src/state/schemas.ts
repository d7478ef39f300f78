import { containerId, ifName, networkName } from '../names';
import * as z from '../schema';

/** The `source` of network and container records that circuit's Docker driver keeps. */
export const DOCKER_SOURCE = 'docker';
/** Container records of Docker containers are `docker.<container id, 12 hex>`. */
export const DOCKER_ID_PREFIX = 'docker.';

export const networkRecordSchema = z.object({
  name: networkName,
  /** The conflist document (re-validated with parseNetworkConfig on use). */
  config: z.record(z.string(), z.unknown()),
  source: z.optional(z.string()),
  createdAt: z.string(),
  labels: z.optional(z.record(z.string(), z.string())),
});
export type NetworkRecord = z.infer<typeof networkRecordSchema>;

export const attachmentStatus = z.enum(['adding', 'attached', 'deleting', 'failed']);

export const attachmentSchema = z.object({
  network: networkName,
  ifName: ifName,
  status: attachmentStatus,
  ips: z.array(z.string()),
  mac: z.optional(z.string()),
  /**
   * The host-side device when no CNI result names it: a Docker endpoint's host veth (Docker's
   * driver, not CNI, made it). Readers prefer it to the cache entry's result.
   */
  hostDevice: z.optional(ifName),
  error: z.optional(z.string()),
  /** pid of the process with an ADD/DEL in flight (status adding/deleting). */
  owner: z.optional(z.int().check(z.positive())),
  updatedAt: z.string(),
});
export type Attachment = z.infer<typeof attachmentSchema>;

export const netnsRefSchema = z.object({
  path: z.string(),
  /** Inode of the netns at attach time, so a recycled PID is never mistaken for the container. */
  ino: z.optional(z.number()),
});
export type NetnsRef = z.infer<typeof netnsRefSchema>;

export const containerRecordSchema = z.object({
  id: containerId,
  pid: z.optional(z.int().check(z.nonnegative())),
  netns: netnsRefSchema,
  bundle: z.optional(z.string()),
  /** Who attached it; `podman`: the hook, for a container podman runs (hooks.d). */
  source: z.enum(['hook', 'cli', 'containerd', 'docker', 'podman']),
  /** The runtime's own name (containerd: its container id; podman: its name), and namespace. */
  name: z.optional(z.string()),
  namespace: z.optional(z.string()),
  createdAt: z.string(),
  attachments: z.array(attachmentSchema),
});
export type ContainerRecord = z.infer<typeof containerRecordSchema>;

/** libcni's on-disk cache entry (kind cniCacheV1); config is the base64 conflist. */
export const cacheEntrySchema = z.object({
  kind: z.literal('cniCacheV1'),
  containerId: containerId,
  config: z.string(),
  ifName: ifName,
  networkName: networkName,
  netns: z.optional(z.string()),
  cniArgs: z.optional(z.array(z.tuple([z.string(), z.string()]))),
  capabilityArgs: z.optional(z.record(z.string(), z.unknown())),
  result: z.optional(z.record(z.string(), z.unknown())),
});
export type CacheEntry = z.infer<typeof cacheEntrySchema>;
