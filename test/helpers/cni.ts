import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CIRCUIT_ARGV, defer, sh, subnet, trySh, uid } from './sys';

export interface BridgeNet {
  name: string;
  bridge: string;
  subnet: string;
  prefix: string;
  dataDir: string;
  conf: Record<string, unknown>;
  file: string;
}

/** Remove a bridge (and anything CNI left of it) after the test. */
export function cleanupBridge(t: Pick<TestContext, 'after'>, bridge: string): void {
  defer(t, () => {
    trySh(['ip', 'link', 'del', bridge]);
  });
}

/** A bridge + host-local network on a fresh 198.18/15 /24, IPAM leases kept in dir/ipam. */
export function bridgeNetwork(
  t: Pick<TestContext, 'after'>,
  dir: string,
  opts: {
    version?: string;
    extra?: Record<string, unknown>[];
    list?: boolean;
    /** Restrict the range to this single host number (e.g. 10 → x.y.z.10). */
    onlyHost?: number;
    bridgeExtra?: Record<string, unknown>;
  } = {},
): BridgeNet {
  const name = `net-${uid()}`;
  const bridge = `cb${uid()}`;
  const sn = subnet();
  const dataDir = join(dir, 'ipam');
  const range: Record<string, unknown> = { subnet: sn.cidr };
  if (opts.onlyHost !== undefined) {
    range.rangeStart = `${sn.prefix}.${opts.onlyHost}`;
    range.rangeEnd = `${sn.prefix}.${opts.onlyHost}`;
  }
  const bridgePlugin: Record<string, unknown> = {
    type: 'bridge',
    bridge,
    isGateway: true,
    ipMasq: false,
    capabilities: { ips: true, mac: true },
    ipam: { type: 'host-local', dataDir, ranges: [[range]], routes: [{ dst: '198.18.0.0/15' }] },
    ...opts.bridgeExtra,
  };
  const version = opts.version ?? '1.0.0';
  const conf =
    opts.list === false
      ? { cniVersion: version, name, ...bridgePlugin }
      : { cniVersion: version, name, plugins: [bridgePlugin, ...(opts.extra ?? [])] };
  const file = join(dir, `${name}.${opts.list === false ? 'conf' : 'conflist'}`);
  writeFileSync(file, JSON.stringify(conf, null, 2));
  cleanupBridge(t, bridge);
  return { name, bridge, subnet: sn.cidr, prefix: sn.prefix, dataDir, conf, file };
}

/** IP leases host-local holds for a network (files named after addresses). */
export function leases(net: { dataDir: string; name: string }): string[] {
  const r = trySh(['ls', join(net.dataDir, net.name)]);
  if (r.code !== 0) return [];
  return r.out.split('\n').filter((f) => /^\d+\.\d+\.\d+\.\d+$|:/.test(f) && !f.startsWith('last_reserved'));
}

/** Addresses on an interface inside a netns. */
export function addrsIn(ns: string, ifName: string): string[] {
  const j = JSON.parse(sh(['ip', '-n', ns, '-j', 'addr', 'show', 'dev', ifName])) as {
    addr_info: { family: string; local: string; prefixlen: number }[];
  }[];
  return (j[0]?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

/** Snapshot iptables chains so a test can remove the CNI-* chains plugins created. */
export function iptablesGuard(t: Pick<TestContext, 'after'>): void {
  const chains = (cmd: string) => {
    const out = new Map<string, Set<string>>();
    let table = '';
    for (const line of trySh([cmd]).out.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.startsWith(':')) {
        const set = out.get(table) ?? new Set<string>();
        set.add(line.slice(1).split(' ')[0] ?? '');
        out.set(table, set);
      }
    }
    return out;
  };
  for (const [save, bin] of [
    ['iptables-save', 'iptables'],
    ['ip6tables-save', 'ip6tables'],
  ] as const) {
    const before = chains(save);
    defer(t, () => {
      const after = chains(save);
      const dump = trySh([save]).out.split('\n');
      let table = '';
      for (const [tbl, set] of after) {
        const fresh = [...set].filter((c) => !before.get(tbl)?.has(c));
        if (fresh.length === 0) continue;
        for (const line of dump) {
          if (line.startsWith('*')) table = line.slice(1);
          if (table !== tbl || !line.startsWith('-A ')) continue;
          const parts = line.split(' ');
          const chain = parts[1] ?? '';
          const target = parts[parts.indexOf('-j') + 1] ?? '';
          if (!fresh.includes(chain) && fresh.includes(target)) {
            trySh([bin, '-t', tbl, '-D', chain, ...splitRule(line.slice(3 + chain.length + 1))]);
          }
        }
        for (const c of fresh) trySh([bin, '-t', tbl, '-F', c]);
        for (const c of fresh) trySh([bin, '-t', tbl, '-X', c]);
      }
    });
  }
}

/** Split an iptables-save rule into argv, honouring double quotes. */
function splitRule(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(rule); m; m = re.exec(rule))
    out.push(m[1] !== undefined ? m[1].replace(/\\"/g, '"') : (m[2] ?? ''));
  return out;
}

export function iptablesMentions(text: string): boolean {
  return (trySh(['iptables-save']).out + trySh(['ip6tables-save']).out).includes(text);
}

/**
 * A bridge + host-local network with a fixed name (the same network name on several "nodes" of a
 * test cluster), on its own bridge and /24, registered in `stateDir`.
 */
export function namedBridgeNetwork(
  t: Pick<TestContext, 'after'>,
  home: string,
  name: string,
  stateDir: string,
): { prefix: string; gateway: string; bridge: string } {
  const sn = subnet();
  const bridge = `cb${uid()}`;
  cleanupBridge(t, bridge);
  const file = join(home, `${name}.conflist`);
  const ipam = { type: 'host-local', dataDir: join(home, 'ipam'), ranges: [[{ subnet: sn.cidr }]] };
  const plugins = [{ type: 'bridge', bridge, isGateway: true, ipMasq: false, ipam }];
  writeFileSync(file, JSON.stringify({ cniVersion: '1.0.0', name, plugins }));
  const r = trySh([...CIRCUIT_ARGV, 'network', 'create', file, '--state-dir', stateDir]);
  if (r.code !== 0) throw new Error(`network create ${name}: ${r.err}`);
  return { prefix: sn.prefix, gateway: `${sn.prefix}.1`, bridge };
}
