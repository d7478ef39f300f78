// Integration: the real hook binary against Debian's CNI plugins, in test-made netns.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addrsIn, bridgeNetwork, iptablesGuard, iptablesMentions, leases } from '../helpers/cni';
import { ociBundle } from '../helpers/oci';
import { circuit, defer, links, netns, sh, subnet, TEST_PLUGINS, tmpDir, trySh, uid } from '../helpers/sys';

function hook(stage: string, state: string, stateDir: string, env: Record<string, string>) {
  return circuit(['hook', stage], { stateDir, input: state, env });
}

function stateEmpty(stateDir: string): void {
  for (const sub of ['containers', 'cache/results']) {
    const d = join(stateDir, sub);
    assert.deepEqual(existsSync(d) ? readdirSync(d) : [], [], `${sub} is empty`);
  }
}

describe('CNI plugins through the hook (real netns)', () => {
  for (const version of ['0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0']) {
    it(`bridge + host-local, cniVersion ${version}`, (t) => {
      const dir = tmpDir(t);
      const stateDir = join(dir, 'state');
      const ns = netns(t);
      const net = bridgeNetwork(t, dir, {
        version,
        list: version === '1.0.0' || version === '0.4.0',
      });
      const b = ociBundle(dir, { netnsPath: ns.path });
      const add = hook('createRuntime', b.state(), stateDir, { CNI_CONF: net.file });
      assert.equal(add.code, 0, add.err);
      const addrs = addrsIn(ns.name, 'eth0');
      assert.equal(addrs.length, 1);
      assert.ok(addrs[0]?.startsWith(`${net.prefix}.`), `${addrs[0]} in ${net.subnet}`);
      assert.equal(leases(net).length, 1);

      const ips = circuit(['network', 'ips', b.id], { stateDir });
      assert.equal(ips.code, 0, ips.err);
      assert.match(
        ips.out,
        new RegExp(`${net.name}\\s+${addrs[0]?.split('/')[0]?.replace(/\./g, '\\.')}\\s+eth0`),
      );

      const del = hook('poststop', b.state('stopped'), stateDir, { CNI_CONF: net.file });
      assert.equal(del.code, 0, del.err);
      assert.deepEqual(leases(net), []);
      assert.equal(trySh(['ip', '-n', ns.name, 'link', 'show', 'eth0']).code, 1, 'eth0 removed');
      stateEmpty(stateDir);
      const again = hook('poststop', b.state('stopped'), stateDir, { CNI_CONF: net.file });
      assert.equal(again.code, 0, 'second poststop is a no-op');
    });
  }

  it('ptp', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const ns = netns(t);
    const sn = subnet();
    const file = join(dir, 'ptp.conflist');
    const name = `ptp-${uid()}`;
    writeFileSync(
      file,
      JSON.stringify({
        cniVersion: '1.0.0',
        name,
        plugins: [
          {
            type: 'ptp',
            ipMasq: false,
            ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), subnet: sn.cidr },
          },
        ],
      }),
    );
    const before = links();
    const b = ociBundle(dir, { netnsPath: ns.path });
    const add = hook('createRuntime', b.state(), stateDir, { CNI_CONF: file });
    assert.equal(add.code, 0, add.err);
    assert.ok(addrsIn(ns.name, 'eth0')[0]?.startsWith(`${sn.prefix}.`));
    assert.ok(links().length > before.length, 'host-side veth exists');
    // host reaches container over the ptp link (198.18/15 only)
    const ip = addrsIn(ns.name, 'eth0')[0]?.split('/')[0] ?? '';
    sh(['ping', '-c', '1', '-W', '2', ip]);
    const del = hook('poststop', b.state('stopped'), stateDir, { CNI_CONF: file });
    assert.equal(del.code, 0, del.err);
    assert.deepEqual(links().sort(), before.sort(), 'host-side veth removed');
    stateEmpty(stateDir);
  });

  it('macvlan on a test-made master', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const ns = netns(t);
    const master = `cm${uid()}`;
    sh(['ip', 'link', 'add', master, 'type', 'veth', 'peer', 'name', `${master}p`]);
    defer(t, () => {
      trySh(['ip', 'link', 'del', master]);
    });
    sh(['ip', 'link', 'set', master, 'up']);
    const sn = subnet();
    const file = join(dir, 'mv.conf');
    writeFileSync(
      file,
      JSON.stringify({
        cniVersion: '0.4.0',
        name: `mv-${uid()}`,
        type: 'macvlan',
        master,
        mode: 'bridge',
        ipam: { type: 'host-local', dataDir: join(dir, 'ipam'), subnet: sn.cidr },
      }),
    );
    const b = ociBundle(dir, { netnsPath: ns.path });
    const add = hook('createRuntime', b.state(), stateDir, { CNI_CONF: file });
    assert.equal(add.code, 0, add.err);
    const link = JSON.parse(sh(['ip', '-n', ns.name, '-d', '-j', 'link', 'show', 'eth0']))[0];
    assert.equal(link.linkinfo.info_kind, 'macvlan');
    const del = hook('poststop', b.state('stopped'), stateDir, { CNI_CONF: file });
    assert.equal(del.code, 0, del.err);
    assert.equal(trySh(['ip', '-n', ns.name, 'link', 'show', 'eth0']).code, 1);
    stateEmpty(stateDir);
  });

  it('conflist bridge + portmap + firewall + tuning, with port and ip annotations', (t) => {
    iptablesGuard(t);
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const ns = netns(t);
    const net = bridgeNetwork(t, dir, {
      extra: [
        { type: 'portmap', capabilities: { portMappings: true }, snat: false },
        { type: 'firewall', backend: 'iptables' },
        { type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.rp_filter': '2' } },
      ],
    });
    const created = circuit(['network', 'create', net.file], { stateDir });
    assert.equal(created.code, 0, created.err);
    const wantIp = `${net.prefix}.77`;
    const b = ociBundle(dir, {
      netnsPath: ns.path,
      annotations: {
        'io.circuit.network': net.name,
        'io.circuit.ports': '18080:80/tcp',
        'io.circuit.ip': `${wantIp}/24`,
      },
    });
    const add = hook('createRuntime', b.state(), stateDir, {});
    assert.equal(add.code, 0, add.err);
    assert.deepEqual(addrsIn(ns.name, 'eth0'), [`${wantIp}/24`]);
    assert.equal(
      sh(['ip', 'netns', 'exec', ns.name, 'cat', '/proc/sys/net/ipv4/conf/eth0/rp_filter']).trim(),
      '2',
    );
    assert.ok(iptablesMentions(b.id), 'portmap/firewall rules name the container');
    const list = circuit(['network', 'list'], { stateDir });
    assert.match(
      list.out,
      new RegExp(`${net.name}\\s+bridge\\s+1\\.0\\.0\\s+${wantIp.replace(/\./g, '\\.')}`),
    );
    const del = hook('poststop', b.state('stopped'), stateDir, {});
    assert.equal(del.code, 0, del.err);
    assert.equal(iptablesMentions(b.id), false, 'no iptables rule names the container');
    assert.deepEqual(leases(net), []);
    stateEmpty(stateDir);
  });

  it('attaches several networks from io.circuit.network as eth0, eth1', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const ns = netns(t);
    const a = bridgeNetwork(t, dir);
    const b2 = bridgeNetwork(t, dir);
    for (const n of [a, b2]) assert.equal(circuit(['network', 'create', n.file], { stateDir }).code, 0);
    const b = ociBundle(dir, {
      netnsPath: ns.path,
      annotations: { 'io.circuit.network': `${a.name},${b2.name}` },
    });
    const add = hook('createRuntime', b.state(), stateDir, {});
    assert.equal(add.code, 0, add.err);
    assert.ok(addrsIn(ns.name, 'eth0')[0]?.startsWith(a.prefix));
    assert.ok(addrsIn(ns.name, 'eth1')[0]?.startsWith(b2.prefix));
    assert.equal(hook('poststop', b.state('stopped'), stateDir, {}).code, 0);
    assert.deepEqual([...leases(a), ...leases(b2)], []);
    stateEmpty(stateDir);
  });

  it('cniVersion 1.1.0: ADD, CHECK, GC with a 1.1.0 plugin', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const recordDir = join(dir, 'records');
    const ns = netns(t);
    const name = `v11-${uid()}`;
    const file = join(dir, 'v11.conflist');
    writeFileSync(
      file,
      JSON.stringify({
        cniVersion: '1.1.0',
        name,
        plugins: [{ type: 'circuit-test', recordDir, address: '198.18.250.9/24' }],
      }),
    );
    assert.equal(circuit(['network', 'create', file], { stateDir }).code, 0);
    const b = ociBundle(dir, { netnsPath: ns.path, annotations: { 'io.circuit.network': name } });
    assert.equal(hook('createRuntime', b.state(), stateDir, {}).code, 0);
    const check = circuit(['check', b.id], { stateDir });
    assert.equal(check.code, 0, check.err);
    assert.match(check.out, /: ok/);
    // a stale record the plugin holds for a container circuit does not know: GC removes it
    writeFileSync(join(recordDir, `${name}--ghost--eth0`), '{}');
    const gc = circuit(['gc'], { stateDir });
    assert.equal(gc.code, 0, gc.err);
    assert.match(gc.out, new RegExp(`CNI GC ran for network ${name}`));
    assert.deepEqual(readdirSync(recordDir), [`${name}--${b.id}--eth0`]);
    assert.equal(hook('poststop', b.state('stopped'), stateDir, {}).code, 0);
    assert.deepEqual(readdirSync(recordDir), []);
    assert.ok(TEST_PLUGINS);
  });
});
