import { z } from 'zod';
import { networkName } from '../names';
import { JsonArea } from './area';
import type { StateStore } from './store';

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export const targetSchema = z.object({
  addr: z.string(),
  port: z.number().int().min(1).max(65535),
  weight: z.number().int().min(0).max(65535),
});
export type Target = z.infer<typeof targetSchema>;

export const serviceSchema = z.object({
  name: networkName,
  addr: z.string(),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['tcp', 'udp']),
  scheduler: z.enum(SCHEDULERS),
  persistent: z.number().int().positive().optional(),
  forward: z.enum(['masq', 'route', 'tunnel']),
  backend: z.enum(['ipvs', 'nftables']),
  targets: z.array(targetSchema),
  createdAt: z.string(),
});
export type Service = z.infer<typeof serviceSchema>;

/** The load-balancer area: `lb/<service>.json` (the IPVS keys it owns are in the ledger). */
export function lbServices(store: StateStore) {
  const area = new JsonArea(store, 'lb', serviceSchema);
  return {
    get: (name: string) => area.get(name),
    put: (svc: Service) => area.put(svc.name, svc),
    remove: (name: string) => area.remove(name),
    /** For lists and metrics: a corrupt service is skipped with a warning. */
    all: () => area.all().sort(byName),
    /** For changes: the kernel is rendered from every service, so a corrupt one fails (exit 6). */
    strictAll: () => area.strictAll().sort(byName),
    corrupt: () => area.corrupt(),
  };
}

const byName = (a: Service, b: Service) => a.name.localeCompare(b.name);
