import { linkAddrs, linkExists } from '../kernel/ip-json';
import { ipvsAvailable, ipvsRestore, ipvsSave } from '../kernel/ipvs';
import { linkDeleteStep } from '../kernel/links';
import { replaceNftTable } from '../kernel/nft';
import { runSteps, type Step } from '../kernel/step';
import { writeSysctl } from '../kernel/sysctl';
import type { Runner } from '../runner';
import { type IpvsService, ipvsRestoreLines, parseIpvsSave } from './ipvs-plan';
import { NFT_TABLE, nftRules } from './nft-plan';
import { familyOf, type Service } from './spec';

export const VIP_LINK = 'circuit-lb0';

export { ipvsAvailable };

export async function readIpvs(run: Runner): Promise<IpvsService[]> {
  return parseIpvsSave(await ipvsSave(run));
}

/** Program the nftables table (one atomic transaction) for all services. */
export async function applyNft(run: Runner, services: Service[]): Promise<void> {
  await replaceNftTable(run, { family: 'inet', name: NFT_TABLE }, nftRules(services));
}

/** Bring IPVS in line with the state for circuit's services (one `ipvsadm -R` batch). */
export async function applyIpvs(run: Runner, services: Service[], owned: Set<string>): Promise<number> {
  const ipvs = services.filter((s) => s.backend === 'ipvs');
  if (ipvs.length === 0 && owned.size === 0) return 0;
  const lines = ipvsRestoreLines(services, await readIpvs(run), owned);
  await ipvsRestore(run, lines);
  await syncVips(run, ipvs);
  return lines.length;
}

/** VIPs of IPVS services are local addresses on a dummy link, so IPVS sees their traffic. */
async function syncVips(run: Runner, ipvs: Service[]): Promise<void> {
  const want = new Set(ipvs.map((s) => `${s.addr}/${familyOf(s.addr) === 6 ? 128 : 32}`));
  const exists = await linkExists(run, VIP_LINK);
  if (want.size === 0) {
    if (exists) await runSteps(run, [linkDeleteStep(VIP_LINK)]);
    return;
  }
  const steps: Step[] = [];
  if (!exists) steps.push({ argv: ['ip', 'link', 'add', VIP_LINK, 'type', 'dummy'], tolerate: 'exists' });
  steps.push({ argv: ['ip', 'link', 'set', VIP_LINK, 'up'] });
  await runSteps(run, steps);
  const have = new Set((await linkAddrs(run, VIP_LINK)) ?? []);
  await runSteps(run, [
    ...[...want]
      .filter((a) => !have.has(a))
      .map((a) => ({ argv: ['ip', 'addr', 'add', a, 'dev', VIP_LINK] })),
    ...[...have]
      .filter((a) => !want.has(a))
      .map((a) => ({ argv: ['ip', 'addr', 'del', a, 'dev', VIP_LINK] })),
  ]);
  // forwarded IPVS connections must be seen by conntrack for the masquerade rule (best effort:
  // older kernels have no such setting)
  if (ipvs.some((s) => s.forward === 'masq')) writeSysctl('net/ipv4/vs/conntrack', '1');
}
