import { z } from 'zod';

/** What a node publishes about itself (validated on read: Redis data is untrusted). */
export const nodeInfoSchema = z.object({
  name: z.string().min(1).max(253),
  version: z.string().max(64),
  cpus: z.number().int().nonnegative(),
  memory: z.number().nonnegative(),
  uptime: z.number().nonnegative(),
  kernel: z.string().max(256),
  address: z.string().max(512),
  containers: z.number().int().nonnegative(),
  lastSeen: z.string().max(64),
});
export type NodeInfo = z.infer<typeof nodeInfoSchema>;

/** A container's address on some node of the cluster (what `network ips` shows per node). */
export interface NodeIpRow {
  network: string;
  ip: string;
  cidr: string;
  interface: string;
  status: string;
  node: string;
}

/** One attachment row of a container on a node. */
export const attRowSchema = z.object({
  network: z.string().min(1).max(64),
  ip: z.string().max(64),
  cidr: z.string().max(64),
  interface: z.string().max(15),
  status: z.string().max(16),
  runtime: z.string().max(16),
  id: z.string().max(256),
});
export type AttRow = z.infer<typeof attRowSchema>;

export const attRowsSchema = z.array(attRowSchema).max(64);

/** Parse one JSON value from Redis; undefined (never a throw) when it is missing or malformed. */
export function parseStored<S extends z.ZodType>(
  schema: S,
  text: string | null | undefined,
): { ok: true; value: z.infer<S> } | { ok: false; why: string } | undefined {
  if (text === null || text === undefined) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  const r = schema.safeParse(doc);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, why: r.error.issues[0]?.message ?? 'invalid' };
}
