import { nftTableScript } from '../kernel/nft';
import { familyOf, formatEndpoint, type Service, type Target } from './spec';

export const NFT_TABLE = 'circuit';

/** Slots for numgen/jhash maps: each active target gets `weight` slots (rr/dh/sh: one). */
export function slots(s: Service): { target: Target; index: number; from: number; to: number }[] {
  const out: { target: Target; index: number; from: number; to: number }[] = [];
  let next = 0;
  s.targets.forEach((target, index) => {
    if (target.weight === 0) return;
    const width = s.scheduler === 'wrr' ? target.weight : 1;
    out.push({ target, index, from: next, to: next + width - 1 });
    next += width;
  });
  return out;
}

const svcChain = (i: number) => `svc_${i}`;
const beChain = (i: number, j: number) => `be_${i}_${j}`;

function selector(s: Service, total: number): string {
  const fam = familyOf(s.addr) === 6 ? 'ip6' : 'ip';
  if (s.scheduler === 'sh') return `jhash ${fam} saddr mod ${total}`;
  if (s.scheduler === 'dh') return `jhash ${fam} daddr mod ${total}`;
  return `numgen inc mod ${total}`;
}

/**
 * The rules of the whole `inet circuit` table for the nftables services (the lines inside
 * `table inet circuit { ... }`); [] when there is nothing to program (the table is removed).
 * src/kernel/nft.ts renders them as one atomic replace. Only this table is ever touched.
 */
export function nftRules(all: Service[]): string[] {
  const lines: string[] = [];
  const svcs = all.filter((s) => s.backend === 'nftables').sort((a, b) => a.name.localeCompare(b.name));
  // IPVS masq services need their forwarded connections masqueraded too (with net.ipv4.vs.conntrack=1)
  const ipvsMasq = all.filter((s) => s.backend === 'ipvs' && s.forward === 'masq');
  if (svcs.length === 0 && ipvsMasq.length === 0) return [];
  const vips = (list: Service[], fam: 4 | 6) => [
    ...new Set(list.filter((s) => familyOf(s.addr) === fam).map((s) => s.addr)),
  ];
  const masq = svcs.filter((s) => s.forward === 'masq');
  const dispatch = svcs.map((s, i) => {
    const fam = familyOf(s.addr) === 6 ? 'ip6' : 'ip';
    return `    ${fam} daddr ${s.addr} ${s.protocol} dport ${s.port} goto ${svcChain(i)} comment "lb ${s.name}"`;
  });
  lines.push(
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...dispatch,
    '  }',
  );
  lines.push(
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    ...dispatch,
    '  }',
  );
  lines.push('  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;');
  for (const [fam, word] of [
    [4, 'ip'],
    [6, 'ip6'],
  ] as const) {
    const nftVips = vips(masq, fam);
    if (nftVips.length)
      lines.push(`    ct status dnat ct original ${word} daddr { ${nftVips.join(', ')} } masquerade`);
    const ipvsVips = vips(ipvsMasq, fam);
    if (ipvsVips.length)
      lines.push(`    ct direction original ct original ${word} daddr { ${ipvsVips.join(', ')} } masquerade`);
  }
  lines.push('  }');
  svcs.forEach((s, i) => {
    const active = slots(s);
    const total = active.at(-1)?.to;
    const body =
      total === undefined
        ? ['    counter reject']
        : [
            `    ${selector(s, total + 1)} vmap { ${active
              .map((a) => `${a.from === a.to ? a.from : `${a.from}-${a.to}`} : goto ${beChain(i, a.index)}`)
              .join(', ')} }`,
          ];
    lines.push(`  chain ${svcChain(i)} {`, ...body, '  }');
    s.targets.forEach((t, j) => {
      const fam = familyOf(t.addr) === 6 ? 'ip6' : 'ip';
      lines.push(
        `  chain ${beChain(i, j)} {`,
        `    meta l4proto ${s.protocol} counter dnat ${fam} to ${formatEndpoint(t.addr, t.port)}`,
        '  }',
      );
    });
  });
  return lines;
}

/** The `nft -f` script that replaces the table (what applyNft runs). */
export const nftScript = (all: Service[]): string => nftTableScript('inet', NFT_TABLE, nftRules(all));

/** Map chain names back to service/target for stats. */
export function chainIndex(services: Service[]): Map<string, { service: string; target: Target }> {
  const m = new Map<string, { service: string; target: Target }>();
  [...services.filter((s) => s.backend === 'nftables')]
    .sort((a, b) => a.name.localeCompare(b.name))
    .forEach((s, i) => {
      s.targets.forEach((t, j) => {
        m.set(beChain(i, j), { service: s.name, target: t });
      });
    });
  return m;
}
