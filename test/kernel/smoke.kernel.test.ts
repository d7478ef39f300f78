// Kernel lane smoke test: the features the host kernel lacks are present in the lane's kernel.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { netns, sh, trySh, uid } from '../helpers/sys';

/** Two netns joined by a veth pair, 198.18.254.1 <-> 198.18.254.2. */
function pair(t: Parameters<typeof netns>[0]) {
  const a = netns(t);
  const b = netns(t);
  const va = `va${uid()}`;
  sh(['ip', 'link', 'add', va, 'netns', a.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b.name]);
  sh(['ip', '-n', a.name, 'addr', 'add', '198.18.254.1/24', 'dev', va]);
  sh(['ip', '-n', b.name, 'addr', 'add', '198.18.254.2/24', 'dev', 'eth0']);
  for (const [ns, dev] of [
    [a.name, va],
    [b.name, 'eth0'],
    [a.name, 'lo'],
    [b.name, 'lo'],
  ] as const)
    sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
  return { a, b, va };
}

function avgRtt(ns: string, ip: string, count = 5): number {
  const out = sh(['ip', 'netns', 'exec', ns, 'ping', '-c', String(count), '-i', '0.2', '-W', '3', ip]);
  const m = /= [\d.]+\/([\d.]+)\//.exec(out);
  assert.ok(m, out);
  return Number(m[1]);
}

describe('kernel lane smoke', () => {
  it('IPVS: create and list a virtual service', (t) => {
    const ns = netns(t);
    sh(['ip', '-n', ns.name, 'link', 'add', 'dm0', 'type', 'dummy']);
    sh(['ip', '-n', ns.name, 'addr', 'add', '198.18.253.10/24', 'dev', 'dm0']);
    sh(['ip', '-n', ns.name, 'link', 'set', 'dm0', 'up']);
    sh(['ip', 'netns', 'exec', ns.name, 'ipvsadm', '-A', '-t', '198.18.253.1:80', '-s', 'rr']);
    sh([
      'ip',
      'netns',
      'exec',
      ns.name,
      'ipvsadm',
      '-a',
      '-t',
      '198.18.253.1:80',
      '-r',
      '198.18.253.2:80',
      '-m',
    ]);
    const list = sh(['ip', 'netns', 'exec', ns.name, 'ipvsadm', '-Ln']);
    assert.match(list, /TCP\s+198\.18\.253\.1:80 rr/);
    assert.match(list, /-> 198\.18\.253\.2:80\s+Masq/);
  });

  it('netem: delay on a veth raises the RTT', (t) => {
    const p = pair(t);
    const base = avgRtt(p.a.name, '198.18.254.2');
    sh([
      'ip',
      'netns',
      'exec',
      p.a.name,
      'tc',
      'qdisc',
      'add',
      'dev',
      p.va,
      'root',
      'netem',
      'delay',
      '50ms',
    ]);
    const delayed = avgRtt(p.a.name, '198.18.254.2');
    assert.ok(delayed >= 45 && delayed < 100 + base, `rtt ${base} -> ${delayed} ms`);
  });

  it('ipvlan, vlan, dummy and geneve links can be created', (t) => {
    const p = pair(t);
    const ns = p.b.name;
    sh(['ip', '-n', ns, 'link', 'add', 'link', 'eth0', 'name', 'ipv0', 'type', 'ipvlan', 'mode', 'l2']);
    sh(['ip', '-n', ns, 'link', 'add', 'link', 'eth0', 'name', 'eth0.42', 'type', 'vlan', 'id', '42']);
    sh(['ip', '-n', ns, 'link', 'add', 'dm0', 'type', 'dummy']);
    sh(['ip', '-n', ns, 'link', 'add', 'gn0', 'type', 'geneve', 'id', '7', 'remote', '198.18.254.1']);
    const kinds = (
      JSON.parse(sh(['ip', '-n', ns, '-d', '-j', 'link', 'show'])) as { linkinfo?: { info_kind?: string } }[]
    )
      .map((l) => l.linkinfo?.info_kind)
      .filter(Boolean);
    for (const k of ['ipvlan', 'vlan', 'dummy', 'geneve'])
      assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
    assert.equal(trySh(['ip', '-n', ns, 'link', 'del', 'gn0']).code, 0);
  });
});
