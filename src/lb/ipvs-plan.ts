import { formatEndpoint, type Service } from './spec';

const FORWARD_FLAG = { masq: '-m', route: '-g', tunnel: '-i' } as const;

function svcFlag(s: Pick<Service, 'protocol' | 'addr' | 'port'>): string[] {
  return [s.protocol === 'udp' ? '-u' : '-t', formatEndpoint(s.addr, s.port)];
}

export interface IpvsService {
  protocol: 'tcp' | 'udp';
  addr: string;
  port: number;
  scheduler: string;
  persistent?: number;
  targets: { addr: string; port: number; weight: number; forward: string }[];
}

const key = (s: { protocol: string; addr: string; port: number }) =>
  `${s.protocol} ${formatEndpoint(s.addr, s.port)}`;

/** Parse `ipvsadm -Sn` (save format) output. */
export function parseIpvsSave(text: string): IpvsService[] {
  const out = new Map<string, IpvsService>();
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const get = (flag: string) => {
      const i = words.indexOf(flag);
      return i >= 0 ? words[i + 1] : undefined;
    };
    const proto = get('-t') !== undefined ? 'tcp' : get('-u') !== undefined ? 'udp' : undefined;
    const ep = get('-t') ?? get('-u');
    if (!proto || !ep) continue;
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(ep);
    if (!m) continue;
    const svcKey = `${proto} ${formatEndpoint(m[1] ?? '', Number(m[2]))}`;
    if (words[0] === '-A') {
      const p = get('-p');
      const svc: IpvsService = {
        protocol: proto,
        addr: m[1] ?? '',
        port: Number(m[2]),
        scheduler: get('-s') ?? 'wlc',
        targets: [],
      };
      if (words.includes('-p')) svc.persistent = Number(p ?? 300);
      out.set(svcKey, svc);
    } else if (words[0] === '-a') {
      const r = /^\[?([^\]]+?)\]?:(\d+)$/.exec(get('-r') ?? '');
      const svc = out.get(svcKey);
      if (!r || !svc) continue;
      const fwd = words.includes('-m') ? 'masq' : words.includes('-i') ? 'tunnel' : 'route';
      svc.targets.push({
        addr: r[1] ?? '',
        port: Number(r[2]),
        weight: Number(get('-w') ?? 1),
        forward: fwd,
      });
    }
  }
  return [...out.values()];
}

/**
 * `ipvsadm -R` lines that turn what the kernel has into what the state says, for the services
 * circuit owns (`owned`: every VIP circuit ever programmed), leaving all other services alone.
 * Edits are in place (-E/-e/-d), so unchanged targets keep their connections.
 */
export function ipvsRestoreLines(desired: Service[], kernel: IpvsService[], owned: Set<string>): string[] {
  const lines: string[] = [];
  const have = new Map(kernel.map((s) => [key(s), s]));
  const want = new Map(desired.filter((s) => s.backend === 'ipvs').map((s) => [key(s), s]));
  for (const [k, s] of have) if (!want.has(k) && owned.has(k)) lines.push(['-D', ...svcFlag(s)].join(' '));
  for (const [k, s] of want) {
    const cur = have.get(k);
    const opts = ['-s', s.scheduler, ...(s.persistent ? ['-p', String(s.persistent)] : [])];
    if (!cur) lines.push(['-A', ...svcFlag(s), ...opts].join(' '));
    else if (cur.scheduler !== s.scheduler || cur.persistent !== s.persistent) {
      lines.push(['-E', ...svcFlag(s), ...opts].join(' '));
    }
    const curTargets = new Map((cur?.targets ?? []).map((t) => [formatEndpoint(t.addr, t.port), t]));
    const wantTargets = new Map(s.targets.map((t) => [formatEndpoint(t.addr, t.port), t]));
    for (const [tk] of curTargets)
      if (!wantTargets.has(tk)) lines.push(['-d', ...svcFlag(s), '-r', tk].join(' '));
    for (const [tk, t] of wantTargets) {
      const c = curTargets.get(tk);
      const args = [...svcFlag(s), '-r', tk, FORWARD_FLAG[s.forward], '-w', String(t.weight)];
      if (!c) lines.push(['-a', ...args].join(' '));
      else if (c.weight !== t.weight || c.forward !== s.forward) lines.push(['-e', ...args].join(' '));
    }
  }
  return lines;
}

export function serviceKey(s: Pick<Service, 'protocol' | 'addr' | 'port'>): string {
  return key(s);
}
