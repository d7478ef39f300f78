import { UsageError } from '../errors';
import * as z from '../schema';

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

export const qosFileSchema = z.object({
  network: z.optional(qosSpecSchema),
  containers: z.record(z.string(), qosSpecSchema),
});
export type QosFile = z.infer<typeof qosFileSchema>;

export function hasShaping(s: QosSpec): boolean {
  return s.rate !== undefined;
}

export function hasNetem(s: QosSpec): boolean {
  return [s.delay, s.jitter, s.loss, s.duplicate, s.corrupt, s.reorder].some((v) => v !== undefined);
}

/** Cross-field rules; throws UsageError. */
export function validateSpec(s: QosSpec): QosSpec {
  if (s.ceiling !== undefined && s.rate === undefined) throw new UsageError('--ceiling needs --rate');
  if ((s.burst !== undefined || s.cburst !== undefined || s.priority !== undefined) && s.rate === undefined) {
    throw new UsageError('--burst, --cburst and --priority need --rate');
  }
  if (s.ceiling !== undefined && s.rate !== undefined && s.ceiling < s.rate) {
    throw new UsageError('--ceiling must not be lower than --rate');
  }
  if (!hasShaping(s) && !hasNetem(s))
    throw new UsageError('qos set: give at least --rate or a netem option (--delay, --loss, ...)');
  if (s.jitter !== undefined && s.delay === undefined) throw new UsageError('--jitter needs --delay');
  if (s.reorder !== undefined && s.delay === undefined)
    throw new UsageError('--reorder needs --delay (netem reorders by delaying the others)');
  return s;
}
