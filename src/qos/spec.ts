import { z } from 'zod';
import { UsageError } from '../errors';

/** What `qos set` stores: numbers in base units (bit/s, bytes, microseconds, percent). */
export const qosSpecSchema = z.object({
  direction: z.enum(['ingress', 'egress', 'both']),
  rate: z.number().int().positive().optional(),
  ceiling: z.number().int().positive().optional(),
  burst: z.number().int().positive().optional(),
  cburst: z.number().int().positive().optional(),
  priority: z.number().int().min(0).max(7).optional(),
  delay: z.number().int().nonnegative().optional(),
  jitter: z.number().int().nonnegative().optional(),
  loss: z.number().min(0).max(100).optional(),
  duplicate: z.number().min(0).max(100).optional(),
  corrupt: z.number().min(0).max(100).optional(),
  reorder: z.number().min(0).max(100).optional(),
});
export type QosSpec = z.infer<typeof qosSpecSchema>;

export const qosFileSchema = z.object({
  network: qosSpecSchema.optional(),
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
