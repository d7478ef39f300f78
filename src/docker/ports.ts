/** Published ports of Docker endpoints (`docker run -p`) as nftables DNAT (pure). */
import { type NftTable, nftReplaceStep, nftTableScript } from '../kernel/nft';
import type { Step } from '../kernel/step';

export const PORT_TABLE = 'circuit_docker';

export interface PortMap {
  proto: 'tcp' | 'udp';
  hostIp?: string;
  hostPort: number;
  port: number;
}

export interface Published {
  endpoint: string;
  address?: string;
  addressV6?: string;
  ports: PortMap[];
}

/** Docker's "com.docker.network.portmap" entries → port maps; a clear error for what is not supported. */
export function parsePortmap(raw: unknown): PortMap[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((p) => {
    const m = p as {
      Proto?: number;
      HostIP?: string;
      HostPort?: number;
      HostPortEnd?: number;
      Port?: number;
    };
    const proto = m.Proto === 17 ? 'udp' : m.Proto === 6 ? 'tcp' : undefined;
    if (!proto) throw new Error(`circuit: cannot publish protocol ${m.Proto} (tcp and udp only)`);
    if (!m.HostPort)
      throw new Error('circuit: give the host port (-p HOSTPORT:PORT); circuit does not pick one');
    if (m.HostPortEnd && m.HostPortEnd !== m.HostPort)
      throw new Error('circuit: host port ranges are not supported (one -p HOSTPORT:PORT each)');
    if (!m.Port) throw new Error('circuit: a published port needs the container port');
    return { proto, ...(m.HostIP ? { hostIp: m.HostIP } : {}), hostPort: m.HostPort, port: m.Port };
  });
}

/** The table of published ports (the host's namespace). */
export const PORT_TABLE_REF: NftTable = { family: 'inet', name: PORT_TABLE };

/**
 * The content of the `inet circuit_docker` table: DNAT to each endpoint for traffic to a local
 * address (or the given host IP), from outside (prerouting) and from the host itself (output).
 * Empty without published ports (the table is then removed).
 */
export function portTableBody(all: readonly Published[]): string[] {
  const rules: string[] = [];
  for (const e of [...all].sort((a, b) => a.endpoint.localeCompare(b.endpoint))) {
    for (const p of e.ports) {
      const v6 = p.hostIp?.includes(':') ?? false;
      const to = v6 ? e.addressV6 : e.address;
      if (!to) continue;
      const target = v6 ? `[${to}]:${p.port}` : `${to}:${p.port}`;
      const dst = p.hostIp
        ? `${v6 ? 'ip6' : 'ip'} daddr ${p.hostIp}`
        : `meta nfproto ipv4 fib daddr type local`;
      rules.push(
        `    ${dst} ${p.proto} dport ${p.hostPort} dnat ${v6 ? 'ip6' : 'ip'} to ${target} comment "docker ${e.endpoint.slice(0, 12)}"`,
      );
    }
  }
  if (rules.length === 0) return [];
  return [
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...rules,
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    ...rules,
    '  }',
  ];
}

/** The whole table as one atomic `nft -f` script (src/kernel/nft.ts renders it). */
export const portScript = (all: readonly Published[]): string =>
  nftTableScript(PORT_TABLE_REF.family, PORT_TABLE_REF.name, portTableBody(all));

/** The step that replaces the table with the ports of `all` (removes it when none are published). */
export const portStep = (all: readonly Published[]): Step =>
  nftReplaceStep(PORT_TABLE_REF, portTableBody(all));
