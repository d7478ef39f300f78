// Hook benchmarks: runc lifecycle, parallel starts, state-dir size, netavark comparison.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeNetwork, leases } from '../test/helpers/cni';
import { busyboxRootfs, runcEnv } from '../test/helpers/runc';
import { CIRCUIT_BIN, CIRCUIT_EXE, CNI_PATH, netns, ROOT, sh, tmpDir, trySh } from '../test/helpers/sys';
import { fmt, median, percentile, ratio, type Scope, timed } from './util';

const RAW = join(ROOT, 'bench/raw-hook.sh');
type Variant = 'none' | 'shell' | 'circuit-node' | 'circuit-bin';

interface Lab {
  dir: string;
  rootfs: string;
  conf: string;
  conflist: string;
  net: ReturnType<typeof bridgeNetwork>;
}

function lab(scope: Scope): Lab {
  const dir = tmpDir(scope, 'circuit-bench-');
  const net = bridgeNetwork(scope, dir, { list: false });
  const conflist = join(dir, 'net.conflist');
  const { cniVersion, name, ...plugin } = net.conf as Record<string, unknown>;
  writeFileSync(conflist, JSON.stringify({ cniVersion, name, plugins: [plugin] }));
  return { dir, rootfs: busyboxRootfs(dir), conf: net.file, conflist, net };
}

/** A runc environment whose bundles use the given hook variant. */
function bundler(scope: Scope, l: Lab, v: Variant) {
  const d = join(l.dir, v);
  mkdirSync(d, { recursive: true });
  const rc = runcEnv(scope, d, l.rootfs);
  const make = () => {
    if (v === 'none') return rc.bundle({ hooks: false });
    const b = rc.bundle({
      cniConf: l.conflist,
      ...(v === 'circuit-bin' ? { bin: CIRCUIT_EXE } : { bin: CIRCUIT_BIN }),
    });
    if (v === 'shell') {
      const file = join(b.bundle, 'config.json');
      const spec = JSON.parse(sh(['cat', file])) as { hooks: Record<string, unknown> };
      const env = [`PATH=${process.env.PATH}`];
      spec.hooks = {
        createRuntime: [{ path: RAW, args: ['raw-hook.sh', 'add', l.conf], env }],
        poststop: [{ path: RAW, args: ['raw-hook.sh', 'del', l.conf], env }],
      };
      writeFileSync(file, JSON.stringify(spec));
    }
    return b;
  };
  return { rc, make };
}

/** `runc run -d` + `runc delete --force`, n times; returns per-lifecycle ms. */
async function lifecycles(scope: Scope, l: Lab, v: Variant, n: number): Promise<number[]> {
  const { rc, make } = bundler(scope, l, v);
  const out: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    const b = make();
    const t0 = performance.now();
    await timed(['runc', '--root', rc.root, 'run', '-d', '--bundle', b.bundle, b.id]);
    await timed(['runc', '--root', rc.root, 'delete', '--force', b.id]);
    if (i > 0) out.push(performance.now() - t0); // first run warms caches
  }
  if (leases(l.net).length) throw new Error(`${v}: leases leaked`);
  return out;
}

/** k containers started at once; per-container start latency and total wall. */
async function parallel(scope: Scope, l: Lab, v: Variant, k: number) {
  const { rc, make } = bundler(scope, l, v);
  const bs = Array.from({ length: k }, make);
  const t0 = performance.now();
  const lat = await Promise.all(
    bs.map((b) => timed(['runc', '--root', rc.root, 'run', '-d', '--bundle', b.bundle, b.id])),
  );
  const wall = performance.now() - t0;
  let ips = new Set<string>();
  if (v.startsWith('circuit')) {
    ips = new Set(
      bs.map(
        (b) =>
          (
            JSON.parse(sh([CIRCUIT_EXE, 'network', 'ips', b.id, '--json', '--state-dir', rc.stateDir])) as {
              ip: string;
            }[]
          )[0]?.ip ?? '',
      ),
    );
  }
  await Promise.all(bs.map((b) => timed(['runc', '--root', rc.root, 'delete', '--force', b.id])));
  return {
    wall,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    distinct: ips.size,
    leaked: leases(l.net).length,
  };
}

/** Hook ADD+DEL against a netns (no runc), with `records` fake attachments already in the state dir. */
async function hookOnly(
  scope: Scope,
  l: Lab,
  records: number,
  n: number,
  bin = CIRCUIT_EXE,
): Promise<number[]> {
  const stateDir = join(l.dir, `state-${records}-${Math.random().toString(16).slice(2, 6)}`);
  mkdirSync(join(stateDir, 'containers'), { recursive: true, mode: 0o700 });
  mkdirSync(join(stateDir, 'cache/results'), { recursive: true, mode: 0o700 });
  for (let i = 0; i < records; i++) {
    const id = `filler-${i}`;
    writeFileSync(
      join(stateDir, 'containers', `${id}.json`),
      JSON.stringify({
        id,
        pid: 1,
        netns: { path: `/proc/1/ns/net`, ino: 1 },
        source: 'hook',
        createdAt: '2026-01-01T00:00:00Z',
        attachments: [
          {
            network: l.net.name,
            ifName: 'eth0',
            status: 'attached',
            ips: [`198.19.${i >> 8}.${i & 255}/16`],
            updatedAt: '2026-01-01T00:00:00Z',
          },
        ],
      }),
    );
    writeFileSync(join(stateDir, 'cache/results', `${l.net.name}-${id}-eth0`), '{}');
  }
  const ns = netns(scope);
  const bundle = join(l.dir, `hb-${records}`);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(
    join(bundle, 'config.json'),
    JSON.stringify({ ociVersion: '1.0.2', linux: { namespaces: [{ type: 'network', path: ns.path }] } }),
  );
  const env = { PATH: process.env.PATH ?? '', CNI_PATH, CNI_CONF: l.conflist, CIRCUIT_STATE_DIR: stateDir };
  const state = (status: string) =>
    JSON.stringify({ ociVersion: '1.0.2', id: 'bench-1', status, pid: process.pid, bundle });
  const out: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    const a = await timed([bin, 'hook', 'createRuntime'], state('creating'), env);
    const d = await timed([bin, 'hook', 'poststop'], state('stopped'), env);
    if (i > 0) out.push(a + d);
  }
  return out;
}

/** netavark setup+teardown vs the raw plugin vs circuit's hook, same subnet, same netns. */
async function netavarkCompare(scope: Scope, l: Lab, n: number) {
  const nv = '/usr/lib/podman/netavark';
  if (trySh([nv, '--version']).code !== 0) return undefined;
  const ns = netns(scope);
  const cfg = tmpDir(scope, 'circuit-bench-nv-');
  const prefix = l.net.prefix.replace(/\.\d+$/, '.250');
  const opts = JSON.stringify({
    container_id: 'f'.repeat(64),
    container_name: 'bench',
    networks: { bench: { static_ips: [`${prefix}.2`], interface_name: 'eth0' } },
    network_info: {
      bench: {
        name: 'bench',
        id: 'e'.repeat(64),
        driver: 'bridge',
        network_interface: `nv${l.net.bridge.slice(2, 10)}`,
        subnets: [{ subnet: `${prefix}.0/24`, gateway: `${prefix}.1` }],
        ipv6_enabled: false,
        internal: true,
        dns_enabled: false,
        ipam_options: { driver: 'host-local' },
      },
    },
    port_mappings: [],
  });
  const nvTimes: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    const s = await timed([nv, '--config', cfg, 'setup', ns.path], opts);
    const t = await timed([nv, '--config', cfg, 'teardown', ns.path], opts);
    if (i > 0) nvTimes.push(s + t);
  }
  const rawTimes: number[] = [];
  const st = JSON.stringify({ ociVersion: '1.0.2', id: 'rawbench', status: 'creating', pid: 0, bundle: '/' });
  for (let i = 0; i < n + 1; i++) {
    const env = {
      PATH: process.env.PATH ?? '',
      CNI_CONTAINERID: 'rawbench',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/usr/lib/cni',
    };
    const a = await timed(['/usr/lib/cni/bridge'], sh(['cat', l.conf]), {
      ...env,
      CNI_COMMAND: 'ADD',
      CNI_NETNS: ns.path,
    });
    const d = await timed(['/usr/lib/cni/bridge'], sh(['cat', l.conf]), {
      ...env,
      CNI_COMMAND: 'DEL',
      CNI_NETNS: ns.path,
    });
    if (i > 0) rawTimes.push(a + d);
  }
  void st;
  return { netavark: median(nvTimes), raw: median(rawTimes) };
}

export async function hookBench(scope: Scope, n: number, k: number, records: number): Promise<string[]> {
  const l = lab(scope);
  const lines: string[] = [];
  const m: Record<string, number> = {};
  for (const v of ['none', 'shell', 'circuit-bin', 'circuit-node'] as Variant[])
    m[v] = median(await lifecycles(scope, l, v, n));
  const none = m.none ?? 1;
  const shell = m.shell ?? 1;
  lines.push(`1. runc run -d + runc delete (median of ${n}):`);
  for (const v of ['circuit-bin', 'circuit-node', 'shell', 'none'] as Variant[]) {
    const x = m[v] ?? 0;
    lines.push(
      `   ${v.padEnd(13)} ${fmt(x).padStart(9)}   ${ratio(x, shell)} of shell hook   ${ratio(x, none)} of no hook`,
    );
  }
  const hookCost = (v: Variant) => (m[v] ?? 0) - none;
  lines.push(
    `   hook cost over no hook: circuit-bin ${fmt(hookCost('circuit-bin'))}, circuit-node ${fmt(hookCost('circuit-node'))}, shell ${fmt(hookCost('shell'))}`,
  );

  const nv = await netavarkCompare(scope, l, n);
  const direct = median(await hookOnly(scope, l, 0, n));
  const directNode = median(await hookOnly(scope, l, 0, n, CIRCUIT_BIN));
  lines.push(
    `   setup+teardown without runc: circuit-bin hook ${fmt(direct)}, circuit-node ${fmt(directNode)}, raw bridge plugin ${nv ? fmt(nv.raw) : '-'}, netavark ${nv ? fmt(nv.netavark) : 'not installed'}`,
  );
  if (nv)
    lines.push(
      `   circuit-bin / netavark = ${ratio(direct, nv.netavark)}, circuit-bin / raw plugin = ${ratio(direct, nv.raw)}`,
    );

  lines.push(`2. ${k} containers started in parallel:`);
  const par: Record<string, Awaited<ReturnType<typeof parallel>>> = {};
  for (const v of ['circuit-bin', 'shell'] as Variant[]) par[v] = await parallel(scope, l, v, k);
  for (const v of ['circuit-bin', 'shell']) {
    const p = par[v];
    if (!p) continue;
    lines.push(
      `   ${v.padEnd(13)} wall ${fmt(p.wall).padStart(10)}  p50 ${fmt(p.p50).padStart(9)}  p99 ${fmt(p.p99).padStart(9)}${v.startsWith('circuit') ? `  distinct IPs ${p.distinct}/${k}` : ''}  leaked leases ${p.leaked}`,
    );
  }
  const pb = par['circuit-bin'];
  const ps = par.shell;
  if (pb && ps)
    lines.push(
      `   circuit-bin / shell: wall ${ratio(pb.wall, ps.wall)}, p50 ${ratio(pb.p50, ps.p50)}, p99 ${ratio(pb.p99, ps.p99)}`,
    );

  const empty = median(await hookOnly(scope, l, 0, n));
  const full = median(await hookOnly(scope, l, records, n));
  lines.push(`3. hook ADD+DEL with ${records} attachments in the state dir vs none (median of ${n}):`);
  lines.push(`   none ${fmt(empty)}, ${records} ${fmt(full)}: ${ratio(full, empty)}`);
  return lines;
}
