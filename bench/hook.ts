// Hook benchmarks: runc lifecycle, parallel starts, state-dir size, netavark comparison.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeNetwork, leases } from '../test/helpers/cni';
import { busyboxRootfs, runcEnv } from '../test/helpers/runc';
import { CIRCUIT_BIN, CIRCUIT_EXE, CNI_PATH, netns, ROOT, sh, tmpDir, trySh } from '../test/helpers/sys';
import { type Check, fmt, median, percentile, ratio, type Scope, timed } from './util';

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
function bundler(scope: Scope, l: Lab, v: Variant, args?: string[]) {
  const d = join(l.dir, `${v}-${Math.random().toString(16).slice(2, 6)}`);
  mkdirSync(d, { recursive: true });
  const rc = runcEnv(scope, d, l.rootfs);
  const make = () => {
    if (v === 'none') return rc.bundle({ hooks: false, ...(args ? { args } : {}) });
    const b = rc.bundle({
      ...(args ? { args } : {}),
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

/** Foreground `runc run` of a container that runs `true` (create, hooks, start, exit, delete), n times. */
async function lifecycles(scope: Scope, l: Lab, v: Variant, n: number): Promise<number[]> {
  const { rc, make } = bundler(scope, l, v, ['/bin/true']);
  const out: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    const b = make();
    const ms = await timed(['runc', '--root', rc.root, 'run', '--bundle', b.bundle, b.id]);
    if (i > 0) out.push(ms); // first run warms caches
  }
  if (leases(l.net).length) throw new Error(`${v}: leases leaked`);
  return out;
}

/** k containers started at once; per-container start latency and total wall. */
async function parallel(scope: Scope, l: Lab, v: Variant, k: number) {
  const { rc, make } = bundler(scope, l, v);
  const bs = Array.from({ length: k }, make);
  const t0 = performance.now();
  let failures = 0;
  const lat = await Promise.all(
    bs.map((b) =>
      timed(['runc', '--root', rc.root, 'run', '-d', '--bundle', b.bundle, b.id]).catch(() => {
        failures++;
        return Number.NaN;
      }),
    ),
  );
  const wall = performance.now() - t0;
  let ips = new Set<string>();
  if (v.startsWith('circuit')) {
    ips = new Set(
      bs.map((b) => {
        const r = trySh([CIRCUIT_EXE, 'network', 'ips', b.id, '--json', '--state-dir', rc.stateDir]);
        return r.code === 0 ? ((JSON.parse(r.out) as { ip: string }[])[0]?.ip ?? '') : '';
      }),
    );
  }
  await Promise.all(bs.map((b) => timed(['runc', '--root', rc.root, 'delete', '--force', b.id])));
  ips.delete('');
  const ok = lat.filter((x) => !Number.isNaN(x));
  return {
    wall,
    failures,
    p50: percentile(ok, 50),
    p99: percentile(ok, 99),
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
  lastCpu = hookCpu(stateDir).slice(2); // the first pair warmed caches
  return out;
}

let lastCpu: number[] = [];

/** The hook's own CPU per call (user+sys of the hook process, not its plugins), from its log. */
function hookCpu(stateDir: string): number[] {
  return readFileSync(join(stateDir, 'hook.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { cpuMs?: number }).cpuMs ?? Number.NaN);
}

/** CPU of a bare `node -e` run, measured the same way (at the end of the script). */
async function nodeBareCpu(n: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const out = sh([
      process.execPath,
      '-e',
      'const c=process.cpuUsage();console.log((c.user+c.system)/1000)',
    ]);
    xs.push(Number(out.trim()));
  }
  return median(xs);
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

export async function hookBench(
  scope: Scope,
  n: number,
  k: number,
  records: number,
  checks: Check[],
): Promise<string[]> {
  const l = lab(scope);
  const lines: string[] = [];
  const target = (what: string, value: number, max: number, unit = 'x') =>
    checks.push({ what, value, max, unit });

  // (a) one netns, no runtime: hook ADD+DEL vs the plugin's own calls vs netavark
  const nv = await netavarkCompare(scope, l, n);
  const bin = median(await hookOnly(scope, l, 0, n));
  const binCpu = median(lastCpu);
  const node = median(await hookOnly(scope, l, 0, n, CIRCUIT_BIN));
  const nodeCpu = median(lastCpu);
  lines.push(`(a) setup+teardown of one netns (bridge + host-local), median of ${n}:`);
  lines.push(
    `   circuit-bin hook ${fmt(bin)}, circuit node ${fmt(node)}, raw plugin calls ${nv ? fmt(nv.raw) : '-'}, netavark ${nv ? fmt(nv.netavark) : 'not installed (apt-get install netavark)'}`,
  );
  if (nv) {
    lines.push(
      `   circuit-bin / netavark = ${ratio(bin, nv.netavark)} (target 0.75x), circuit-bin / raw plugin = ${ratio(bin, nv.raw)} (target 1.5x)`,
    );
    target('hook ADD+DEL / netavark setup+teardown', bin / nv.netavark, 0.75);
    target('hook ADD+DEL / raw plugin ADD+DEL', bin / nv.raw, 1.5);
  }

  // (b) the runtime's lifecycle
  const m: Record<string, number> = {};
  for (const v of ['none', 'shell', 'circuit-bin', 'circuit-node'] as Variant[])
    m[v] = median(await lifecycles(scope, l, v, n));
  const none = m.none ?? 1;
  const shell = m.shell ?? 1;
  lines.push(`(b) foreground \`runc run\` of a container running \`true\` (hooks included), median of ${n}:`);
  for (const v of ['circuit-bin', 'circuit-node', 'shell', 'none'] as Variant[]) {
    const x = m[v] ?? 0;
    lines.push(
      `   ${v.padEnd(13)} ${fmt(x).padStart(9)}   ${ratio(x, shell)} of shell hook   ${ratio(x, none)} of no hook`,
    );
  }
  target('runc run with circuit-bin hooks / shell hook', (m['circuit-bin'] ?? 0) / shell, 1.3);

  // (c) the hook process' own CPU
  const bare = await nodeBareCpu(n);
  lines.push('(c) CPU of one hook call (user+sys of the hook process, plugins excluded), median:');
  lines.push(
    `   circuit-bin ${fmt(binCpu)} (target 8 ms), circuit node ${fmt(nodeCpu)} = ${ratio(nodeCpu, bare)} of \`node -e 0\` (${fmt(bare)}; target 2x)`,
  );
  target('hook CPU per call, circuit-bin', binCpu, 8, ' ms');
  target('hook CPU per call, node build / node -e 0', nodeCpu / bare, 2);

  // (d) parallel starts
  lines.push(`(d) ${k} containers started in parallel (runc run -d):`);
  const par: Record<string, Awaited<ReturnType<typeof parallel>>> = {};
  for (const v of ['circuit-bin', 'shell'] as Variant[]) par[v] = await parallel(scope, l, v, k);
  for (const v of ['circuit-bin', 'shell']) {
    const p = par[v];
    if (!p) continue;
    lines.push(
      `   ${v.padEnd(13)} wall ${fmt(p.wall).padStart(10)}  p50 ${fmt(p.p50).padStart(9)}  p99 ${fmt(p.p99).padStart(9)}  failures ${p.failures}${v.startsWith('circuit') ? `  distinct IPs ${p.distinct}/${k}` : ''}  leaked leases ${p.leaked}`,
    );
  }
  const pb = par['circuit-bin'];
  const ps = par.shell;
  if (pb && ps) {
    lines.push(
      `   circuit-bin / shell: wall ${ratio(pb.wall, ps.wall)} (target 1.5x), p50 ${ratio(pb.p50, ps.p50)}, p99 ${ratio(pb.p99, ps.p99)}`,
    );
    target(`${k} parallel starts, wall / shell hook`, pb.wall / ps.wall, 1.5);
    target(
      `${k} parallel starts, failures + duplicate IPs + leaked leases`,
      pb.failures + (k - pb.distinct) + pb.leaked,
      0,
      '',
    );
  }

  // (e) state-dir size
  const empty = median(await hookOnly(scope, l, 0, n));
  const full = median(await hookOnly(scope, l, records, n));
  lines.push(`(e) hook ADD+DEL with ${records} attachments in the state dir vs none (median of ${n}):`);
  lines.push(`   none ${fmt(empty)}, ${records} ${fmt(full)}: ${ratio(full, empty)} (target 1.1x)`);
  target(`hook with ${records} attachments / none`, full / empty, 1.1);
  return lines;
}
