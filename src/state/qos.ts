import * as z from '../schema';
import { JsonArea } from './area';
import type { StateStore } from './store';

/** What `qos set` stores: numbers in base units (bit/s, bytes, microseconds, percent). */
export const qosSpecSchema = z.object({
  direction: z.enum(['ingress', 'egress', 'both']),
  rate: z.optional(z.int().check(z.positive())),
  ceiling: z.optional(z.int().check(z.positive())),
  burst: z.optional(z.int().check(z.positive())),
  cburst: z.optional(z.int().check(z.positive())),
  priority: z.optional(z.int().check(z.gte(0), z.lte(7))),
  delay: z.optional(z.int().check(z.nonnegative())),
  jitter: z.optional(z.int().check(z.nonnegative())),
  loss: z.optional(z.number().check(z.gte(0), z.lte(100))),
  duplicate: z.optional(z.number().check(z.gte(0), z.lte(100))),
  corrupt: z.optional(z.number().check(z.gte(0), z.lte(100))),
  reorder: z.optional(z.number().check(z.gte(0), z.lte(100))),
});
export type QosSpec = z.infer<typeof qosSpecSchema>;

/** `qos/<network>.json`: the network's settings and per-container overrides. */
export const qosFileSchema = z.object({
  network: z.optional(qosSpecSchema),
  containers: z.record(z.string(), qosSpecSchema),
});
export type QosFile = z.infer<typeof qosFileSchema>;

/** The QoS area, keyed by network name (lean: the hook checks `has` on every attach). */
export function qosArea(store: StateStore) {
  const area = new JsonArea(store, 'qos', qosFileSchema);
  return {
    has: (network: string) => area.has(network),
    get: (network: string) => area.get(network),
    /** Stores the file; one with no settings left is removed. */
    put: (network: string, file: QosFile) => {
      if (!file.network && Object.keys(file.containers).length === 0) area.remove(network);
      else area.put(network, file);
    },
    remove: (network: string) => area.remove(network),
    corrupt: () => area.corrupt(),
  };
}
