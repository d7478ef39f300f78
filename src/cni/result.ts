import * as z from '../schema';

const ipConfig = z.looseObject({
  address: z.string(),
  gateway: z.optional(z.string()),
  interface: z.optional(z.int().check(z.nonnegative())),
});
const iface = z.looseObject({
  name: z.string(),
  mac: z.optional(z.string()),
  sandbox: z.optional(z.string()),
});

/** Results of 0.3.0 and later. */
const currentResult = z.looseObject({
  cniVersion: z.optional(z.string()),
  interfaces: z.optional(z.array(iface)),
  ips: z.optional(z.array(ipConfig)),
  routes: z.optional(z.array(z.looseObject({ dst: z.string() }))),
});
/** Results of 0.1.0/0.2.0. */
const legacyIp = z.looseObject({ ip: z.string(), gateway: z.optional(z.string()) });
const legacyResult = z.looseObject({
  cniVersion: z.optional(z.string()),
  ip4: z.optional(legacyIp),
  ip6: z.optional(legacyIp),
});

export const resultSchema = z.union([currentResult, legacyResult]);

export interface ResultAddress {
  address: string;
  gateway?: string;
  mac?: string;
}

/** Addresses a result assigns inside the container (sandbox) interface(s). */
export function resultAddresses(result: unknown): ResultAddress[] {
  const cur = currentResult.safeParse(result);
  if (cur.success && cur.data.ips) {
    const ifs = cur.data.interfaces ?? [];
    return cur.data.ips.map((ip) => {
      const i = ip.interface === undefined ? undefined : ifs[ip.interface];
      const out: ResultAddress = { address: ip.address };
      if (ip.gateway) out.gateway = ip.gateway;
      if (i?.mac) out.mac = i.mac;
      return out;
    });
  }
  const legacy = legacyResult.safeParse(result);
  if (legacy.success) {
    const out: ResultAddress[] = [];
    for (const l of [legacy.data.ip4, legacy.data.ip6]) {
      if (l) out.push(l.gateway ? { address: l.ip, gateway: l.gateway } : { address: l.ip });
    }
    return out;
  }
  return [];
}

/** The container-side MAC address, if the result names a sandbox interface. */
export function sandboxMac(result: unknown, ifName: string): string | undefined {
  const cur = currentResult.safeParse(result);
  if (!cur.success) return undefined;
  return cur.data.interfaces?.find((i) => i.name === ifName && i.sandbox !== undefined)?.mac;
}
