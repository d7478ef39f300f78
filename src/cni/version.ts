/** CNI spec versions circuit speaks, oldest first. */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

export function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** a >= b for dotted versions; unparsable versions compare as 0.0.0. */
export function versionAtLeast(a: string, b: string): boolean {
  const pa = parseVersion(a) ?? [0, 0, 0];
  const pb = parseVersion(b) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Results before 0.3.0 use the ip4/ip6 shape; later ones the ips[] shape. */
export function hasLegacyResult(v: string): boolean {
  return !versionAtLeast(v, '0.3.0');
}

/** DEL receives prevResult, and CHECK exists, from 0.4.0 on. */
export function supportsPrevResultOnDel(v: string): boolean {
  return versionAtLeast(v, '0.4.0');
}
export function supportsCheck(v: string): boolean {
  return versionAtLeast(v, '0.4.0');
}
/** GC and STATUS exist from 1.1.0 on. */
export function supportsGc(v: string): boolean {
  return versionAtLeast(v, '1.1.0');
}
