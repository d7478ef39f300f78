import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipvsRestoreLines, parseIpvsSave, serviceKey } from '../../src/lb/ipvs-plan';
import { chainIndex, nftScript, slots } from '../../src/lb/nft-plan';
import { checkBackendSupport, parseEndpoint, type Service } from '../../src/lb/spec';
import { parseIpvsStats, parseNftStats } from '../../src/lb/stats';

const svc = (o: Partial<Service> = {}): Service => ({
  name: 'web',
  addr: '198.19.0.10',
  port: 80,
  protocol: 'tcp',
  scheduler: 'rr',
  forward: 'masq',
  backend: 'nftables',
  targets: [
    { addr: '198.18.1.2', port: 8080, weight: 1 },
    { addr: '198.18.1.3', port: 8080, weight: 2 },
  ],
  createdAt: 'x',
  ...o,
});

describe('lb endpoints and capabilities', () => {
  it('parses IPv4 and IPv6 endpoints', () => {
    assert.deepEqual(parseEndpoint('198.19.0.1:80'), { addr: '198.19.0.1', port: 80, family: 4 });
    assert.deepEqual(parseEndpoint('[fd00:0::1]:443'), { addr: 'fd00::1', port: 443, family: 6 });
    for (const bad of ['198.19.0.1', 'host:80', '198.19.0.1:0', '198.19.0.1:70000', 'fd00::1:80']) {
      assert.throws(() => parseEndpoint(bad), /invalid address/, bad);
    }
  });
  it('knows what nftables cannot do', () => {
    assert.throws(() => checkBackendSupport(svc({ scheduler: 'lc' })), /supported: rr, wrr, sh, dh/);
    assert.throws(() => checkBackendSupport(svc({ forward: 'tunnel' })), /ipvs/);
    assert.throws(() => checkBackendSupport(svc({ persistent: 30 })), /ipvs/);
    checkBackendSupport(svc({ backend: 'ipvs', scheduler: 'lc', persistent: 30, forward: 'tunnel' }));
  });
});

describe('nftables planner', () => {
  it('weights become numgen ranges for wrr; weight 0 is left out', () => {
    const s = svc({
      scheduler: 'wrr',
      targets: [...svc().targets, { addr: '198.18.1.4', port: 8080, weight: 0 }],
    });
    assert.deepEqual(
      slots(s).map((x) => [x.index, x.from, x.to]),
      [
        [0, 0, 0],
        [1, 1, 2],
      ],
    );
    assert.match(nftScript([s]), /numgen inc mod 3 vmap \{ 0 : goto be_0_0, 1-2 : goto be_0_1 \}/);
  });

  it('renders one atomic script for the dedicated table', () => {
    const text = nftScript([svc()]);
    const lines = text.split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      'table inet circuit',
      'delete table inet circuit',
      'table inet circuit {',
    ]);
    assert.match(text, /ip daddr 198\.19\.0\.10 tcp dport 80 goto svc_0 comment "lb web"/);
    assert.match(text, /ct status dnat ct original ip daddr \{ 198\.19\.0\.10 \} masquerade/);
    assert.match(text, /meta l4proto tcp counter dnat ip to 198\.18\.1\.3:8080/);
    assert.ok(!/table (ip|ip6|inet) (?!circuit)/.test(text), 'no other table named');
  });

  it('sh/dh hash, IPv6, route mode, empty', () => {
    assert.match(nftScript([svc({ scheduler: 'sh' })]), /jhash ip saddr mod 2/);
    assert.match(nftScript([svc({ scheduler: 'dh' })]), /jhash ip daddr mod 2/);
    const v6 = nftScript([svc({ addr: 'fd00::10', targets: [{ addr: 'fd00::2', port: 80, weight: 1 }] })]);
    assert.match(v6, /ip6 daddr fd00::10 tcp dport 80/);
    assert.match(v6, /dnat ip6 to \[fd00::2\]:80/);
    assert.doesNotMatch(nftScript([svc({ forward: 'route' })]), /masquerade/);
    assert.match(nftScript([svc({ targets: [] })]), /counter reject/);
    assert.equal(nftScript([]), 'table inet circuit\ndelete table inet circuit\n');
  });

  it('IPVS masq VIPs get the conntrack masquerade rule', () => {
    assert.match(
      nftScript([svc({ backend: 'ipvs' })]),
      /ct direction original ct original ip daddr \{ 198\.19\.0\.10 \} masquerade/,
    );
  });

  it('counters map back to targets', () => {
    const s = svc();
    const doc = {
      nftables: [
        { rule: { chain: 'be_0_1', expr: [{ match: {} }, { counter: { packets: 7, bytes: 420 } }] } },
        { rule: { chain: 'svc_0', expr: [] } },
      ],
    };
    assert.deepEqual(parseNftStats(JSON.stringify(doc), [s]), [
      { service: 'web', target: '198.18.1.3:8080', connections: 7, packets: 7, bytes: 420 },
    ]);
    assert.equal(chainIndex([s]).size, 2);
  });
});

describe('ipvs planner', () => {
  const ipvs = svc({ backend: 'ipvs', scheduler: 'wrr' });
  it('creates a service and targets in one batch', () => {
    assert.deepEqual(ipvsRestoreLines([ipvs], [], new Set()), [
      '-A -t 198.19.0.10:80 -s wrr',
      '-a -t 198.19.0.10:80 -r 198.18.1.2:8080 -m -w 1',
      '-a -t 198.19.0.10:80 -r 198.18.1.3:8080 -m -w 2',
    ]);
  });

  it('edits in place: weight change, removal, scheduler change; leaves foreign services alone', () => {
    const kernel = parseIpvsSave(
      [
        '-A -t 198.19.0.10:80 -s rr',
        '-a -t 198.19.0.10:80 -r 198.18.1.2:8080 -m -w 1',
        '-a -t 198.19.0.10:80 -r 198.18.1.9:8080 -m -w 1',
        '-a -t 198.19.0.10:80 -r 198.18.1.3:8080 -m -w 5',
        '-A -u 198.19.0.99:53 -s rr',
        '-A -t 198.19.0.11:80 -s rr -p 300',
      ].join('\n'),
    );
    assert.deepEqual(ipvsRestoreLines([ipvs], kernel, new Set([serviceKey(ipvs), 'tcp 198.19.0.11:80'])), [
      '-D -t 198.19.0.11:80',
      '-E -t 198.19.0.10:80 -s wrr',
      '-d -t 198.19.0.10:80 -r 198.18.1.9:8080',
      '-e -t 198.19.0.10:80 -r 198.18.1.3:8080 -m -w 2',
    ]);
  });

  it('in sync means no lines; udp, persistence, route/tunnel, IPv6', () => {
    const kernel = parseIpvsSave(ipvsRestoreLines([ipvs], [], new Set()).join('\n'));
    assert.deepEqual(ipvsRestoreLines([ipvs], kernel, new Set([serviceKey(ipvs)])), []);
    const other = svc({
      backend: 'ipvs',
      protocol: 'udp',
      persistent: 60,
      forward: 'route',
      addr: 'fd00::10',
      targets: [{ addr: 'fd00::2', port: 53, weight: 1 }],
    });
    assert.deepEqual(ipvsRestoreLines([other], [], new Set()), [
      '-A -u [fd00::10]:80 -s rr -p 60',
      '-a -u [fd00::10]:80 -r [fd00::2]:53 -g -w 1',
    ]);
    assert.match(
      ipvsRestoreLines([svc({ backend: 'ipvs', forward: 'tunnel' })], [], new Set())[1] ?? '',
      / -i -w 1$/,
    );
  });

  it('parses ipvsadm stats', () => {
    const text = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  198.19.0.10:80                    300     1800     1500   120000   300000
  -> 198.18.1.2:8080                   100      600      500    40000   100000
  -> 198.18.1.3:8080                   200     1200     1000    80000   200000
`;
    assert.deepEqual(
      parseIpvsStats(text, [ipvs]).map((s) => [s.target, s.connections, s.packets]),
      [
        ['198.18.1.2:8080', 100, 1100],
        ['198.18.1.3:8080', 200, 2200],
      ],
    );
  });
});
