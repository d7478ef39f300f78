import { existsSync, writeFileSync } from 'node:fs';
import { PluginError } from '../errors';
import type { Runner } from '../runner';
import { type IpvsService, ipvsRestoreLines, parseIpvsSave } from './ipvs-plan';
import { nftScript } from './nft-plan';
import { familyOf, type Service } from './spec';

export const VIP_LINK = 'circuit-lb0';

async function must(run: Runner, argv: string[], input?: string): Promise<string> {
  const res = await run({ argv, ...(input === undefined ? {} : { input }), timeoutMs: 60_000 });
  if (res.failure || res.exitCode !== 0) {
    const msg = (res.failure ?? res.stderr).replace(/\s+/g, ' ').trim();
    throw new PluginError(argv[0] ?? '?', `${argv[0]} failed: ${msg}`);
  }
  return res.stdout;
}

/** IPVS is usable when /proc/net/ip_vs exists (after trying to load the module). */
export async function ipvsAvailable(run: Runner): Promise<boolean> {
  if (existsSync('/proc/net/ip_vs')) return true;
  await run({ argv: ['modprobe', '-q', 'ip_vs'] }).catch(() => undefined);
  return existsSync('/proc/net/ip_vs');
}

export async function readIpvs(run: Runner): Promise<IpvsService[]> {
  return parseIpvsSave(await must(run, ['ipvsadm', '-Sn']));
}

/** Program the nftables table (one atomic transaction) for all services. */
export async function applyNft(run: Runner, services: Service[]): Promise<void> {
  await must(run, ['nft', '-f', '-'], nftScript(services));
}

/** Bring IPVS in line with the state for circuit's services (one `ipvsadm -R` batch). */
export async function applyIpvs(run: Runner, services: Service[], owned: Set<string>): Promise<number> {
  const ipvs = services.filter((s) => s.backend === 'ipvs');
  if (ipvs.length === 0 && owned.size === 0) return 0;
  const lines = ipvsRestoreLines(services, await readIpvs(run), owned);
  if (lines.length > 0) await must(run, ['ipvsadm', '-R'], `${lines.join('\n')}\n`);
  await syncVips(run, ipvs);
  return lines.length;
}

/** VIPs of IPVS services are local addresses on a dummy link, so IPVS sees their traffic. */
async function syncVips(run: Runner, ipvs: Service[]): Promise<void> {
  const want = new Set(ipvs.map((s) => `${s.addr}/${familyOf(s.addr) === 6 ? 128 : 32}`));
  const exists = (await run({ argv: ['ip', 'link', 'show', VIP_LINK] })).exitCode === 0;
  if (want.size === 0) {
    if (exists) await must(run, ['ip', 'link', 'del', VIP_LINK]);
    return;
  }
  if (!exists) await must(run, ['ip', 'link', 'add', VIP_LINK, 'type', 'dummy']);
  await must(run, ['ip', 'link', 'set', VIP_LINK, 'up']);
  const info = JSON.parse(await must(run, ['ip', '-j', 'addr', 'show', 'dev', VIP_LINK])) as {
    addr_info?: { local: string; prefixlen: number; scope?: string }[];
  }[];
  const have = new Set(
    (info[0]?.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`),
  );
  for (const a of want) if (!have.has(a)) await must(run, ['ip', 'addr', 'add', a, 'dev', VIP_LINK]);
  for (const a of have) if (!want.has(a)) await must(run, ['ip', 'addr', 'del', a, 'dev', VIP_LINK]);
  // forwarded IPVS connections must be seen by conntrack for the masquerade rule
  if (ipvs.some((s) => s.forward === 'masq')) {
    try {
      writeFileSync('/proc/sys/net/ipv4/vs/conntrack', '1');
    } catch {
      // older kernels: best effort
    }
  }
}
