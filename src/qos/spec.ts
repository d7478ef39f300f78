import { UsageError } from '../errors';
import type { QosSpec } from '../state/qos';

export { type QosFile, type QosSpec, qosFileSchema, qosSpecSchema } from '../state/qos';

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
