// `network create NAME --subnet ...` end to end: generated conflists with Debian's plugins and runc.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { leakAudit } from '../helpers/audit';
import { iptablesGuard, leases } from '../helpers/cni';
import { busyboxRootfs, type Runc, runcEnv } from '../helpers/runc';
import { circuit, defer, sh, subnet, tmpDir, trySh, uid } from '../helpers/sys';

const IPAM_DIR = '/var/lib/cni/networks';

let rootfs = '';

const swept = new WeakMap<object, string[]>();

/**
 * Removes the IPAM dirs of the test's generated networks last (registered before runc, whose
 * cleanup runs the poststop hooks that would recreate them).
 */
function ipamSweep(t: Parameters<typeof defer>[0]): void {
  const names: string[] = [];
  swept.set(t, names);
  defer(t, () => {
    for (const n of names) trySh(['rm', '-rf', `${IPAM_DIR}/${n}`]);
  });
}

/** A generated network; its bridge goes after the test, whatever happens. */
function generated(t: Parameters<typeof defer>[0], stateDir: string, args: string[]) {
  const name = `g${uid()}`;
  swept.get(t)?.push(name);
  const r = circuit(['network', 'create', name, ...args], { stateDir });
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(circuit(['network', 'inspect', name], { stateDir }).out) as {
    config: { plugins: { bridge?: string }[] };
  };
  const bridge = doc.config.plugins[0]?.bridge;
  if (bridge) defer(t, () => void trySh(['ip', 'link', 'del', bridge]));
  return { name, bridge, dataDir: IPAM_DIR };
}

function ips(rc: Runc, id: string): string[] {
  const r = circuit(['network', 'ips', id, '--json'], { stateDir: rc.stateDir });
  assert.equal(r.code, 0, r.err);
  return (JSON.parse(r.out) as { ip: string }[]).map((x) => x.ip);
}

async function start(rc: Runc, network: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = rc.bundle({ cniConf: network });
    const r = await rc.run(c.id, c.bundle);
    assert.equal(r.code, 0, r.err);
    ids.push(c.id);
  }
  return ids;
}

function pings(rc: Runc, id: string, addr: string): boolean {
  for (let i = 0; i < 3; i++) if (rc.exec(id, ['ping', '-c', '1', '-W', '2', addr]).code === 0) return true;
  return false;
}

describe('networks from --subnet (real plugins, runc)', { timeout: 180_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  it('bridge, dual-stack: containers get v4 and v6 addresses and ping each other over both', async (t) => {
    iptablesGuard(t);
    ipamSweep(t);
    const dir = tmpDir(t);
    const rc = runcEnv(t, dir, rootfs);
    const v4 = subnet();
    const v6 = `fd00:${uid(2)}::/64`;
    const net = generated(t, rc.stateDir, ['--subnet', v4.cidr, '--subnet', v6, '--label', 'team=ci']);
    assert.ok(net.bridge?.startsWith('cir-'));
    const [a = '', b = ''] = await start(rc, net.name, 2);
    const [a4, a6] = ips(rc, a);
    const [b4, b6] = ips(rc, b);
    assert.ok(a4?.startsWith(`${v4.prefix}.`) && b4?.startsWith(`${v4.prefix}.`), `${a4} ${b4}`);
    assert.ok(a6?.startsWith('fd00:') && b6?.startsWith('fd00:'), `${a6} ${b6}`);
    assert.ok(pings(rc, a, b4 ?? ''), 'v4 ping');
    assert.ok(pings(rc, b, a6 ?? ''), 'v6 ping');
    const route = rc.exec(a, ['ip', 'route']);
    assert.match(route.out, new RegExp(`default via ${v4.prefix}\\.1`));
    const inspect = JSON.parse(circuit(['network', 'inspect', net.name], { stateDir: rc.stateDir }).out);
    assert.deepEqual(inspect.labels, { team: 'ci' });
    for (const id of [a, b]) assert.equal(rc.del(id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a, b], runc: rc });
  });

  it('--ip-range, --gateway and --internal shape what the container gets', async (t) => {
    iptablesGuard(t);
    ipamSweep(t);
    const dir = tmpDir(t);
    const rc = runcEnv(t, dir, rootfs);
    const sn = subnet();
    const net = generated(t, rc.stateDir, [
      '--subnet',
      sn.cidr,
      '--gateway',
      `${sn.prefix}.254`,
      '--ip-range',
      `${sn.prefix}.64/26`,
      '--internal',
    ]);
    const [a = ''] = await start(rc, net.name, 1);
    const [ip = ''] = ips(rc, a);
    const last = Number(ip.split('.')[3]);
    assert.ok(last >= 64 && last < 128, ip);
    assert.doesNotMatch(rc.exec(a, ['ip', 'route']).out, /default/, 'internal: no default route');
    assert.ok(pings(rc, a, `${sn.prefix}.254`), 'the gateway address is on the bridge');
    assert.equal(rc.del(a).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a], runc: rc });
  });

  it('macvlan on a test-made parent, and ptp', async (t) => {
    iptablesGuard(t);
    ipamSweep(t);
    const dir = tmpDir(t);
    const rc = runcEnv(t, dir, rootfs);
    const parent = `mvp${uid()}`;
    sh(['ip', 'link', 'add', parent, 'type', 'veth', 'peer', 'name', `${parent}x`]);
    defer(t, () => void trySh(['ip', 'link', 'del', parent]));
    sh(['ip', 'link', 'set', parent, 'up']);
    sh(['ip', 'link', 'set', `${parent}x`, 'up']);
    const mv = generated(t, rc.stateDir, [
      '--subnet',
      subnet().cidr,
      '--driver',
      'macvlan',
      '--parent',
      parent,
    ]);
    const [a = '', b = ''] = await start(rc, mv.name, 2);
    const pid = JSON.parse(sh(['runc', '--root', rc.root, 'state', a])).pid as number;
    assert.match(
      sh(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', '-d', 'link', 'show', 'eth0']),
      /macvlan mode bridge/,
    );
    assert.ok(pings(rc, a, ips(rc, b)[0] ?? ''), 'macvlan siblings reach each other');
    const p = subnet();
    const ptp = generated(t, rc.stateDir, ['--subnet', p.cidr, '--driver', 'ptp', '--mtu', '1400']);
    const [c = ''] = await start(rc, ptp.name, 1);
    assert.ok(ips(rc, c)[0]?.startsWith(`${p.prefix}.`));
    assert.match(rc.exec(c, ['ip', 'link', 'show', 'eth0']).out, /mtu 1400/);
    const gw = /default via (\S+)/.exec(rc.exec(c, ['ip', 'route']).out)?.[1] ?? '';
    assert.ok(pings(rc, c, gw), `ptp container reaches its host side ${gw}`);
    for (const id of [a, b, c]) assert.equal(rc.del(id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [mv, ptp], containerIds: [a, b, c], runc: rc });
  });

  it('overlapping subnets are refused unless allowed; --dry-run stores nothing', (t) => {
    ipamSweep(t);
    const dir = tmpDir(t);
    const stateDir = `${dir}/state`;
    const sn = subnet();
    const first = generated(t, stateDir, ['--subnet', sn.cidr]);
    const clash = circuit(['network', 'create', `o${uid()}`, '--subnet', `${sn.prefix}.128/25`], {
      stateDir,
    });
    assert.equal(clash.code, 4);
    assert.match(clash.err, new RegExp(`overlaps ${sn.cidr.replace(/\./g, '\\.')} of network ${first.name}`));
    const allowed = generated(t, stateDir, ['--subnet', `${sn.prefix}.128/25`, '--allow-overlap']);
    assert.notEqual(allowed.bridge, first.bridge);
    const before = circuit(['network', 'list', '--json'], { stateDir }).out;
    const dry = circuit(['network', 'create', 'dry', '--subnet', subnet().cidr, '--dry-run'], { stateDir });
    assert.equal(dry.code, 0, dry.err);
    assert.equal(JSON.parse(dry.out).plugins[0].type, 'bridge');
    assert.equal(circuit(['network', 'list', '--json'], { stateDir }).out, before, 'dry run stored nothing');
    const bad = circuit(['network', 'create', 'bad', '--subnet', '198.18.0.0/24', '--gateway', '10.0.0.1'], {
      stateDir,
    });
    assert.equal(bad.code, 2);
    assert.equal(bad.err.trim().split('\n').length, 1);
    assert.equal(
      circuit(['network', 'list', '--json'], { stateDir }).out,
      before,
      'a refused create stored nothing',
    );
    assert.deepEqual(leases(first), []);
  });
});
