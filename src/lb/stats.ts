import { ipvsStats } from '../kernel/ipvs';
import { listNftTable } from '../kernel/nft';
import type { Runner } from '../runner';
import { chainIndex, NFT_TABLE } from './nft-plan';
import { formatEndpoint, type Service } from './spec';

export interface TargetStats {
  service: string;
  target: string;
  connections: number;
  packets: number;
  bytes: number;
}

/** Parse `ipvsadm -Ln --stats --exact`. */
export function parseIpvsStats(text: string, services: Service[]): TargetStats[] {
  const out: TargetStats[] = [];
  let current: Service | undefined;
  for (const line of text.split('\n')) {
    const svc = /^(TCP|UDP)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
    if (svc) {
      current = services.find(
        (s) => s.protocol === svc[1]?.toLowerCase() && formatEndpoint(s.addr, s.port) === svc[2],
      );
      continue;
    }
    const t = /^\s+->\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
    if (t && current) {
      out.push({
        service: current.name,
        target: t[1] ?? '',
        connections: Number(t[2]),
        packets: Number(t[3]) + Number(t[4]),
        bytes: Number(t[5]) + Number(t[6]),
      });
    }
  }
  return out;
}

/** Counters of the per-target chains (nat chains see the first packet of each connection). */
export function parseNftStats(json: string, services: Service[]): TargetStats[] {
  const doc = JSON.parse(json) as {
    nftables?: { rule?: { chain: string; expr: { counter?: { packets: number; bytes: number } }[] } }[];
  };
  const index = chainIndex(services);
  const out: TargetStats[] = [];
  for (const item of doc.nftables ?? []) {
    const rule = item.rule;
    const where = rule ? index.get(rule.chain) : undefined;
    const counter = rule?.expr.find((e) => e.counter)?.counter;
    if (!where || !counter) continue;
    out.push({
      service: where.service,
      target: formatEndpoint(where.target.addr, where.target.port),
      connections: counter.packets,
      packets: counter.packets,
      bytes: counter.bytes,
    });
  }
  return out;
}

/** Counters of every service from the kernel; a failed read is an error (never "no traffic"). */
export async function readStats(run: Runner, services: Service[]): Promise<TargetStats[]> {
  const out: TargetStats[] = [];
  const ipvs = services.filter((s) => s.backend === 'ipvs');
  if (ipvs.length > 0) out.push(...parseIpvsStats(await ipvsStats(run), ipvs));
  if (services.some((s) => s.backend === 'nftables')) {
    const json = await listNftTable(run, { family: 'inet', name: NFT_TABLE });
    if (json !== undefined) out.push(...parseNftStats(json, services));
  }
  return out;
}
