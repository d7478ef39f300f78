// Kernel lane: topology link types and tunnels the host kernel lacks (vlan, ipvlan, dummy, geneve,
// netem). The "containers" are processes in their own network namespaces, named by PID.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { circuit, defer, links, netns, sh, subnet, tmpDir, trySh, uid } from '../helpers/sys';

/** A process sleeping in a fresh netns: a container as far as a topology is concerned. */
async function sleeper(t: TestContext): Promise<number> {
  const ns = netns(t);
  const p = spawn('ip', ['netns', 'exec', ns.name, 'sleep', '600'], { stdio: 'ignore' });
  defer(t, () => void p.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 200));
  return p.pid ?? 0;
}

const inside = (pid: number, ...argv: string[]) => trySh(['nsenter', `--net=/proc/${pid}/ns/net`, ...argv]);

function applied(t: TestContext, yaml: string): { stateDir: string; file: string } {
  const dir = tmpDir(t);
  const stateDir = join(dir, 'state');
  const file = join(dir, 'topo.yaml');
  writeFileSync(file, yaml);
  defer(t, () => void circuit(['topology', 'delete', file], { stateDir }));
  const r = circuit(['topology', 'apply', file], { stateDir });
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /applied/);
  return { stateDir, file };
}

function veth(t: TestContext, a: string, b: string): void {
  sh(['ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
  defer(t, () => void trySh(['ip', 'link', 'del', a]));
  sh(['ip', 'link', 'set', a, 'up']);
  sh(['ip', 'link', 'set', b, 'up']);
}

describe('topology link types and tunnels (kernel lane)', { timeout: 180_000 }, () => {
  it('vlan with vlanid, ipvlan and dummy links; removed by delete', async (t) => {
    const [a, b] = [await sleeper(t), await sleeper(t)];
    const [pa, pb, qa] = [`kv${uid(2)}a`, `kv${uid(2)}b`, `kq${uid(2)}a`];
    veth(t, pa, pb);
    veth(t, qa, `${qa}x`);
    const v = subnet().prefix;
    const i = subnet().prefix;
    const { stateDir, file } = applied(
      t,
      `links:
  - {container: "${a}", type: vlan, outer-dev: ${pa}, vlanid: 100, dev: v100, ip: ${v}.1/24}
  - {container: "${b}", type: vlan, outer-dev: ${pb}, vlanid: 100, dev: v100, ip: ${v}.2/24}
  - {container: "${a}", type: ipvlan, outer-dev: ${qa}, dev: iv0, ip: ${i}.1/24}
  - {container: "${b}", type: ipvlan, outer-dev: ${qa}, dev: iv0, ip: ${i}.2/24, mode: l2}
  - {container: "${a}", type: dummy, dev: dm0, ip: 198.19.254.1/32}
`,
    );
    assert.match(inside(a, 'ip', '-d', 'link', 'show', 'v100').out, /vlan protocol 802\.1Q id 100/);
    assert.match(inside(a, 'ip', '-d', 'link', 'show', 'iv0').out, /ipvlan\s+mode l2/);
    assert.match(inside(a, 'ip', '-d', 'link', 'show', 'dm0').out, /dummy/);
    assert.match(inside(a, 'ip', 'addr', 'show', 'dm0').out, /198\.19\.254\.1\/32/);
    for (const ip of [`${v}.2`, `${i}.2`]) {
      const pg = inside(a, 'ping', '-c', '1', '-W', '3', ip);
      assert.equal(pg.code, 0, `${ip}: ${pg.out}${pg.err}`);
    }
    const d = circuit(['topology', 'delete', file], { stateDir });
    assert.equal(d.code, 0, d.err);
    for (const dev of ['v100', 'iv0', 'dm0'])
      assert.notEqual(inside(a, 'ip', 'link', 'show', dev).code, 0, dev);
  });

  it('two "hosts" joined by a geneve tunnel', async (t) => {
    const hostA = netns(t);
    const hostB = netns(t);
    const u = subnet().prefix;
    const p = subnet().prefix;
    sh([
      'ip',
      'link',
      'add',
      'ul0',
      'netns',
      hostA.name,
      'type',
      'veth',
      'peer',
      'name',
      'ul0',
      'netns',
      hostB.name,
    ]);
    sh(['ip', '-n', hostA.name, 'addr', 'add', `${u}.1/24`, 'dev', 'ul0']);
    sh(['ip', '-n', hostB.name, 'addr', 'add', `${u}.2/24`, 'dev', 'ul0']);
    sh(['ip', '-n', hostA.name, 'link', 'set', 'ul0', 'up']);
    sh(['ip', '-n', hostB.name, 'link', 'set', 'ul0', 'up']);
    const [a, b] = [await sleeper(t), await sleeper(t)];
    const side = (ns: string, pid: number, ip: string, remote: string) =>
      applied(
        t,
        `namespace: ${ns}
links: [{container: "${pid}", bridge: lan, ip: ${ip}/24, mtu: 1400}]
tunnels: [{type: geneve, bridge: lan, remote: ${remote}, vni: 7}]
`,
      );
    side(hostA.name, a, `${p}.1`, `${u}.2`);
    side(hostB.name, b, `${p}.2`, `${u}.1`);
    assert.match(sh(['ip', '-n', hostA.name, '-d', 'link', 'show', 'gn7']), /geneve id 7 remote/);
    const pg = inside(a, 'ping', '-c', '2', '-W', '3', `${p}.2`);
    assert.equal(pg.code, 0, pg.out + pg.err);
  });

  it('netem 40ms on two links gives ~80 ms RTT between them', async (t) => {
    const [a, b] = [await sleeper(t), await sleeper(t)];
    const br = `n${uid()}`;
    const p = subnet().prefix;
    const before = links();
    const { stateDir, file } = applied(
      t,
      `links:
  - {container: "${a}", bridge: ${br}, ip: ${p}.1/24, netem: "delay 40ms"}
  - {container: "${b}", bridge: ${br}, ip: ${p}.2/24, netem: ["delay 40ms"]}
`,
    );
    assert.match(inside(a, 'tc', 'qdisc', 'show', 'dev', 'eth0').out, /netem .*delay 40ms/);
    const pg = inside(a, 'ping', '-c', '3', '-i', '0.3', `${p}.2`);
    assert.equal(pg.code, 0, pg.out + pg.err);
    const min = Number(/= ([\d.]+)\//.exec(pg.out)?.[1]);
    assert.ok(min >= 78 && min < 150, `min RTT ${min} ms`);
    assert.equal(circuit(['topology', 'delete', file], { stateDir }).code, 0);
    assert.deepEqual(links(), before, 'bridge and outer ends gone');
  });
});
