import { z } from 'zod';
import { containerId, ifName, networkName } from '../names';

export const networkRecordSchema = z.object({
  name: networkName,
  /** The conflist document (re-validated with parseNetworkConfig on use). */
  config: z.record(z.string(), z.unknown()),
  source: z.string().optional(),
  createdAt: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type NetworkRecord = z.infer<typeof networkRecordSchema>;

export const attachmentStatus = z.enum(['adding', 'attached', 'deleting', 'failed']);

export const attachmentSchema = z.object({
  network: networkName,
  ifName: ifName,
  status: attachmentStatus,
  ips: z.array(z.string()),
  mac: z.string().optional(),
  error: z.string().optional(),
  /** pid of the process with an ADD/DEL in flight (status adding/deleting). */
  owner: z.number().int().positive().optional(),
  updatedAt: z.string(),
});
export type Attachment = z.infer<typeof attachmentSchema>;

export const netnsRefSchema = z.object({
  path: z.string(),
  /** Inode of the netns at attach time, so a recycled PID is never mistaken for the container. */
  ino: z.number().optional(),
});
export type NetnsRef = z.infer<typeof netnsRefSchema>;

export const containerRecordSchema = z.object({
  id: containerId,
  pid: z.number().int().nonnegative().optional(),
  netns: netnsRefSchema,
  bundle: z.string().optional(),
  source: z.enum(['hook', 'cli', 'containerd']),
  /** The runtime's own name for the container (containerd: its container id), and namespace. */
  name: z.string().optional(),
  namespace: z.string().optional(),
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
  netns: z.string().optional(),
  cniArgs: z.array(z.tuple([z.string(), z.string()])).optional(),
  capabilityArgs: z.record(z.string(), z.unknown()).optional(),
  result: z.record(z.string(), z.unknown()).optional(),
});
export type CacheEntry = z.infer<typeof cacheEntrySchema>;
