import { UsageError } from '../errors';
import { containerId, firstIssue } from '../names';
import { type QosSpec, validateSpec } from './spec';
import { parseDuration, parsePercent, parseRate, parseSize } from './units';

/** The option names of `qos set` (CLI flags and API request keys alike). */
export const QOS_OPTIONS = [
  'direction',
  'rate',
  'ceiling',
  'burst',
  'cburst',
  'priority',
  'delay',
  'jitter',
  'loss',
  'duplicate',
  'corrupt',
  'reorder',
] as const;

export function checkedContainer(id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  const r = containerId.safeParse(id);
  if (!r.success) throw new UsageError(`--container: ${firstIssue(r.error)}`);
  return id;
}

/** Option values as typed (e.g. rate "20mbit", loss "1%") → validated spec (pure). */
export function specFromOptions(opts: Readonly<Record<string, string | undefined>>): QosSpec {
  for (const k of Object.keys(opts)) {
    if (!(QOS_OPTIONS as readonly string[]).includes(k)) throw new UsageError(`qos: unknown option ${k}`);
  }
  const dir = opts.direction ?? 'both';
  if (dir !== 'ingress' && dir !== 'egress' && dir !== 'both') {
    throw new UsageError(`--direction: expected ingress, egress or both, not ${JSON.stringify(dir)}`);
  }
  const spec: QosSpec = { direction: dir };
  if (opts.rate !== undefined) spec.rate = parseRate(opts.rate, 'rate');
  if (opts.ceiling !== undefined) spec.ceiling = parseRate(opts.ceiling, 'ceiling');
  if (opts.burst !== undefined) spec.burst = parseSize(opts.burst, 'burst');
  if (opts.cburst !== undefined) spec.cburst = parseSize(opts.cburst, 'cburst');
  if (opts.priority !== undefined) {
    if (!/^[0-7]$/.test(opts.priority)) throw new UsageError('--priority: expected 0 to 7');
    spec.priority = Number(opts.priority);
  }
  if (opts.delay !== undefined) spec.delay = parseDuration(opts.delay, 'delay');
  if (opts.jitter !== undefined) spec.jitter = parseDuration(opts.jitter, 'jitter');
  for (const k of ['loss', 'duplicate', 'corrupt', 'reorder'] as const) {
    const v = opts[k];
    if (v !== undefined) spec[k] = parsePercent(v, k);
  }
  return validateSpec(spec);
}
