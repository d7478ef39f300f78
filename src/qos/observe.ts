import type { QosSpec } from './spec';
import { hasNetem } from './spec';
import { formatDuration, formatRate } from './units';

/** What the kernel has, in the spec's units. */
export interface Observed {
  rate?: number;
  ceiling?: number;
  delay?: number;
  jitter?: number;
  loss?: number;
  netem: boolean;
  htb: boolean;
}

const RATE: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12 };
function tcRate(s: string | undefined): number | undefined {
  const m = /^([\d.]+)([KMGT]?bit)$/i.exec(s ?? '');
  return m ? Math.round(Number(m[1]) * (RATE[(m[2] ?? '').toLowerCase()] ?? 1)) : undefined;
}
function tcTime(s: string | undefined): number | undefined {
  const m = /^([\d.]+)(us|ms|s)$/.exec(s ?? '');
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1e6 : m[2] === 'ms' ? 1e3 : 1));
}

/** Parse `tc qdisc show` + `tc class show` text for circuit's layout (class 1:10, netem 10:). */
export function parseObserved(qdiscs: string, classes: string): Observed {
  const o: Observed = { netem: false, htb: /qdisc htb 1: root/.test(qdiscs) };
  const leaf = /class htb 1:10 .*?rate (\S+) ceil (\S+)/.exec(classes);
  if (leaf) {
    o.rate = tcRate(leaf[1]);
    o.ceiling = tcRate(leaf[2]);
  }
  const netem = /qdisc netem 10: parent 1:10 (.*)/.exec(qdiscs);
  if (netem) {
    o.netem = true;
    const opts = netem[1] ?? '';
    const d = /delay (\S+)(?:\s+(\d\S*s))?/.exec(opts);
    if (d) {
      o.delay = tcTime(d[1]);
      if (d[2]) o.jitter = tcTime(d[2]);
    }
    const l = /loss (?:random )?([\d.]+)%/.exec(opts);
    if (l) o.loss = Number(l[1]);
  }
  return o;
}

const close = (a: number | undefined, b: number | undefined) =>
  a === b || (a !== undefined && b !== undefined && Math.abs(a - b) <= Math.max(1, b * 0.01));

/** Differences between what is stored and what the kernel has ([] = in sync). */
export function drift(spec: QosSpec | undefined, o: Observed | undefined, unshapedRate: number): string[] {
  if (!spec) return o?.htb ? ['kernel has circuit qdiscs but nothing is stored'] : [];
  if (!o?.htb) return ['no qdisc in the kernel'];
  const out: string[] = [];
  const rate = spec.rate ?? unshapedRate;
  if (!close(o.rate, rate)) out.push(`rate ${o.rate ?? '-'} != ${rate}`);
  if (!close(o.ceiling, spec.ceiling ?? rate))
    out.push(`ceiling ${o.ceiling ?? '-'} != ${spec.ceiling ?? rate}`);
  if (hasNetem(spec) !== o.netem) out.push(o.netem ? 'unexpected netem' : 'netem missing');
  if (spec.delay !== undefined && !close(o.delay, spec.delay))
    out.push(`delay ${o.delay ?? '-'} != ${spec.delay}`);
  if (spec.loss !== undefined && !close(o.loss, spec.loss)) out.push(`loss ${o.loss ?? '-'} != ${spec.loss}`);
  return out;
}

export function describeSpec(s: QosSpec | undefined): string {
  if (!s) return '-';
  const p: string[] = [];
  if (s.rate !== undefined) p.push(`rate ${formatRate(s.rate)}`);
  if (s.ceiling !== undefined) p.push(`ceil ${formatRate(s.ceiling)}`);
  if (s.delay !== undefined)
    p.push(`delay ${formatDuration(s.delay)}${s.jitter ? `±${formatDuration(s.jitter)}` : ''}`);
  if (s.loss !== undefined) p.push(`loss ${s.loss}%`);
  if (s.duplicate !== undefined) p.push(`dup ${s.duplicate}%`);
  if (s.corrupt !== undefined) p.push(`corrupt ${s.corrupt}%`);
  if (s.reorder !== undefined) p.push(`reorder ${s.reorder}%`);
  return p.join(' ');
}

export function describeObserved(o: Observed | undefined): string {
  if (!o?.htb) return '-';
  const p: string[] = [];
  if (o.rate !== undefined) p.push(`rate ${formatRate(o.rate)}`);
  if (o.ceiling !== undefined && o.ceiling !== o.rate) p.push(`ceil ${formatRate(o.ceiling)}`);
  if (o.delay !== undefined) p.push(`delay ${formatDuration(o.delay)}`);
  if (o.loss !== undefined) p.push(`loss ${o.loss}%`);
  return p.join(' ') || 'htb';
}
