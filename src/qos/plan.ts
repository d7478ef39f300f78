import type { QosSpec } from './spec';
import { hasNetem } from './spec';
import { formatDuration } from './units';

/** Rate used for the HTB class when only netem options are given (HTB needs one). */
export const UNSHAPED_RATE = 10e9;

function quantum(rateBits: number): number {
  return Math.max(1514, Math.min(200_000, Math.floor(rateBits / 8 / 10)));
}

/**
 * tc batch lines (for `tc -force -batch -`) that replace whatever is on `dev` with:
 *   root htb 1: default 10 ── class 1:1 (rate=ceil) ── class 1:10 (rate, ceil, burst, prio) ── netem 10:
 * The parent class 1:1 is what lets 1:10 borrow up to its ceiling. netem, when asked for, is the
 * leaf qdisc of 1:10: shaping and impairment combine, one never replaces the other.
 */
export function tcApplyLines(dev: string, s: QosSpec): string[] {
  const rate = s.rate ?? UNSHAPED_RATE;
  const ceil = s.ceiling ?? rate;
  const leaf = [`class add dev ${dev} parent 1:1 classid 1:10 htb rate ${rate}bit ceil ${ceil}bit`];
  if (s.burst !== undefined) leaf.push(`burst ${s.burst}b`);
  if (s.cburst !== undefined) leaf.push(`cburst ${s.cburst}b`);
  if (s.priority !== undefined) leaf.push(`prio ${s.priority}`);
  leaf.push(`quantum ${quantum(rate)}`);
  const lines = [
    `qdisc del dev ${dev} root`,
    `qdisc add dev ${dev} root handle 1: htb default 10`,
    `class add dev ${dev} parent 1: classid 1:1 htb rate ${ceil}bit ceil ${ceil}bit quantum ${quantum(ceil)}`,
    leaf.join(' '),
  ];
  if (hasNetem(s)) lines.push(`qdisc add dev ${dev} parent 1:10 handle 10: ${netemArgs(s).join(' ')}`);
  return lines;
}

export function netemArgs(s: QosSpec): string[] {
  const a = ['netem'];
  if (s.delay !== undefined) {
    a.push('delay', formatDuration(s.delay));
    if (s.jitter !== undefined) a.push(formatDuration(s.jitter));
  }
  if (s.loss !== undefined) a.push('loss', `${s.loss}%`);
  if (s.duplicate !== undefined) a.push('duplicate', `${s.duplicate}%`);
  if (s.corrupt !== undefined) a.push('corrupt', `${s.corrupt}%`);
  if (s.reorder !== undefined) a.push('reorder', `${s.reorder}%`);
  // the default 1000-packet limit drops at high rate x delay; keep a delay's worth of packets
  a.push(
    'limit',
    String(Math.max(1000, Math.ceil((((s.rate ?? 1e9) / 8 / 1500) * (s.delay ?? 0)) / 1e6) * 2)),
  );
  return a;
}

export function tcResetLines(dev: string): string[] {
  return [`qdisc del dev ${dev} root`];
}

/** Which side(s) a direction touches: ingress = host-side device, egress = container side. */
export function sides(direction: QosSpec['direction']): ('host' | 'container')[] {
  if (direction === 'ingress') return ['host'];
  if (direction === 'egress') return ['container'];
  return ['host', 'container'];
}
