import { z } from 'zod';
import { KernelError } from '../errors';
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

const NFT_LIST = ['nft', '-j', 'list', 'table', 'inet', NFT_TABLE];

const nftListSchema = z.object({
  nftables: z
    .array(
      z.looseObject({
        rule: z
          .looseObject({
            chain: z.string(),
            expr: z.array(
              z.looseObject({
                counter: z.looseObject({ packets: z.number(), bytes: z.number() }).optional(),
              }),
            ),
          })
          .optional(),
      }),
    )
    .optional(),
});

/** Counters of the per-target chains (nat chains see the first packet of each connection). */
export function parseNftStats(json: string, services: Service[]): TargetStats[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    raw = undefined;
  }
  const parsed = nftListSchema.safeParse(raw);
  if (!parsed.success) throw new KernelError(NFT_LIST, `${NFT_LIST.join(' ')}: unexpected output`);
  const doc = parsed.data;
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
