import { UsageError } from '../errors';

const RATE_UNITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
  // tc convention: "bps" is bytes per second
  bps: 8,
  kbps: 8e3,
  mbps: 8e6,
  gbps: 8e9,
};

/** A rate in bits per second. Bare numbers are kbit (seed compatibility: --rate 5000 = 5 Mbit). */
export function parseRate(text: string, what = 'rate'): number {
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(text.trim());
  const unit = (m?.[2] ?? '').toLowerCase();
  const factor = unit === '' ? 1e3 : RATE_UNITS[unit];
  if (!m || factor === undefined) {
    throw new UsageError(
      `--${what}: invalid rate ${JSON.stringify(text)} (e.g. 5000 = 5000kbit, 10mbit, 1gbit, 500kbps)`,
    );
  }
  const bits = Math.round(Number(m[1]) * factor);
  if (bits < 8 || bits > 100e9) throw new UsageError(`--${what}: ${text} is out of range (8bit to 100gbit)`);
  return bits;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 * 1024,
  mb: 1024 * 1024,
};

/** A size in bytes (burst/cburst): 15k, 1600, 1mb. */
export function parseSize(text: string, what = 'burst'): number {
  const m = /^(\d+(?:\.\d+)?)([a-z]*)$/i.exec(text.trim());
  const factor = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || factor === undefined)
    throw new UsageError(`--${what}: invalid size ${JSON.stringify(text)} (e.g. 1600, 15k, 1mb)`);
  const bytes = Math.round(Number(m[1]) * factor);
  if (bytes < 1 || bytes > 256 * 1024 * 1024) throw new UsageError(`--${what}: ${text} is out of range`);
  return bytes;
}

const TIME_UNITS: Record<string, number> = { us: 1, ms: 1000, s: 1e6 };

/** A duration in microseconds: 50ms, 200us, 1s (bare numbers are ms, like tc). */
export function parseDuration(text: string, what = 'delay'): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--${what}: invalid duration ${JSON.stringify(text)} (e.g. 50ms, 200us, 1s)`);
  const us = Math.round(Number(m[1]) * (TIME_UNITS[(m[2] ?? 'ms').toLowerCase()] ?? 1000));
  if (us > 60e6) throw new UsageError(`--${what}: ${text} is longer than 60s`);
  return us;
}

/** A percentage 0-100: "1%", "0.5%" or "1". */
export function parsePercent(text: string, what = 'loss'): number {
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(text.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!m || n > 100)
    throw new UsageError(`--${what}: invalid percentage ${JSON.stringify(text)} (0-100, e.g. 1%)`);
  return n;
}

export function formatRate(bits: number): string {
  if (bits % 1e9 === 0) return `${bits / 1e9}gbit`;
  if (bits % 1e6 === 0) return `${bits / 1e6}mbit`;
  if (bits % 1e3 === 0) return `${bits / 1e3}kbit`;
  return `${bits}bit`;
}

export function formatDuration(us: number): string {
  if (us % 1000 === 0) return `${us / 1000}ms`;
  return `${us}us`;
}
