/** eth0 → eth0, eth1, eth2 …; a base without trailing digits gets them appended from 1. */
export function ifNameSeries(base: string, count: number): string[] {
  const m = /^(.*?)(\d+)$/.exec(base);
  const prefix = m ? (m[1] ?? '') : base;
  const start = m ? Number(m[2]) : 0;
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(i === 0 ? base : `${prefix}${start + i}`);
  return out;
}

/** The first ethN not used by any of the given names. */
export function nextFreeIfName(used: readonly string[], prefix = 'eth'): string {
  for (let i = 0; ; i++) if (!used.includes(`${prefix}${i}`)) return `${prefix}${i}`;
}
