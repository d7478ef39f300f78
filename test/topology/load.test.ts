// biome-ignore-all lint/suspicious/noTemplateCurlyInString: topology files write ${VAR} themselves
// Topology files: structure, variables, merging, defaults, and one clear error with its path for
// each broken file (the CLI part checks that nothing is created for them).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTopology, loadValidTopology } from '../../src/topology/load';
import { interpolate } from '../../src/topology/vars';
import { circuit, links, tmpDir } from '../helpers/sys';

type Case = [name: string, yaml: string, error: RegExp];

/** Each broken file and the error it must give (file: path: what). */
const BROKEN: Case[] = [
  ['unknown top-level key', 'linkz: []', /\(top level\): unknown key "linkz"/],
  ['unknown link key', 'links: [{container: a, bridge: s, colour: red}]', /links\[0\]: unknown key "colour"/],
  ['unknown bridge key', 'bridges: [{bridge: s, stp: on}]', /bridges\[0\]: unknown key "stp"/],
  [
    'unknown tunnel key',
    'tunnels: [{type: vxlan, bridge: s, remote: 198.18.0.1, vni: 1, ttl: 3}]',
    /tunnels\[0\]: unknown key "ttl"/,
  ],
  [
    'unknown command key',
    'commands: [{container: a, command: x, user: root}]',
    /commands\[0\]: unknown key "user"/,
  ],
  ['links not a list', 'links: {container: a}', /links: .*expected array/i],
  ['mtu not a number', 'links: [{container: a, bridge: s, mtu: big}]', /links\[0\]\.mtu: .*expected number/i],
  ['unknown link type', 'links: [{container: a, type: tun}]', /links\[0\]\.type: /],
  ['veth without bridge', 'links: [{container: a}]', /links\[0\]\.bridge: required for type veth/],
  ['no container', 'links: [{bridge: s}]', /links\[0\]\.container: required/],
  [
    'compose service',
    'links: [{service: web, bridge: s}]',
    /links\[0\]\.service: compose services are not supported/,
  ],
  [
    'dev too long',
    'links: [{container: a, bridge: s, dev: abcdefghijklmnop}]',
    /links\[0\]\.dev: interface name is longer than 15/,
  ],
  [
    'outer-dev too long',
    'links: [{container: a, bridge: s, outer-dev: abcdefghijklmnop}]',
    /links\[0\]\.outer-dev: .*longer than 15/,
  ],
  [
    'bridge name too long',
    'links: [{container: a, bridge: abcdefghijklmnop}]',
    /links\[0\]\.bridge: .*longer than 15/,
  ],
  [
    'bad container id',
    'links: [{container: "-x", bridge: s}]',
    /links\[0\]\.container: container id may only/,
  ],
  [
    'bad ip',
    'links: [{container: a, bridge: s, ip: 198.18.0.300/24}]',
    /links\[0\]\.ip: .*not an address with a prefix/,
  ],
  ['ip without prefix', 'links: [{container: a, bridge: s, ip: 198.18.0.3}]', /links\[0\]\.ip: /],
  ['bad mac', 'links: [{container: a, bridge: s, mac: "02:00:00:00:00"}]', /links\[0\]\.mac: .*not a MAC/],
  [
    'multicast mac',
    'links: [{container: a, bridge: s, mac: "03:00:00:00:00:01"}]',
    /links\[0\]\.mac: .*multicast/,
  ],
  [
    'mac on ipvlan',
    'links: [{container: a, type: ipvlan, outer-dev: p0, mac: "02:00:00:00:00:01"}]',
    /links\[0\]\.mac: not for type ipvlan/,
  ],
  [
    'mtu too small',
    'links: [{container: a, bridge: s, mtu: 20}]',
    /links\[0\]\.mtu: must be an integer from 68/,
  ],
  [
    'vlan without vlanid',
    'links: [{container: a, type: vlan, outer-dev: p0}]',
    /links\[0\]\.vlanid: required for type vlan/,
  ],
  [
    'vlanid out of range',
    'links: [{container: a, type: vlan, outer-dev: p0, vlanid: 5000}]',
    /links\[0\]\.vlanid: must be from 1 to 4094/,
  ],
  [
    'vlanid on veth',
    'links: [{container: a, bridge: s, vlanid: 5}]',
    /links\[0\]\.vlanid: only for type vlan/,
  ],
  [
    'macvlan without parent',
    'links: [{container: a, type: macvlan}]',
    /links\[0\]\.outer-dev: required for type macvlan/,
  ],
  [
    'bad macvlan mode',
    'links: [{container: a, type: macvlan, outer-dev: p0, mode: l2}]',
    /links\[0\]\.mode: "l2" is not one of bridge/,
  ],
  ['mode on veth', 'links: [{container: a, bridge: s, mode: bridge}]', /links\[0\]\.mode: only for macvlan/],
  [
    'bridge on dummy',
    'links: [{container: a, type: dummy, bridge: s}]',
    /links\[0\]\.bridge: only for type veth/,
  ],
  [
    'outer-dev on dummy',
    'links: [{container: a, type: dummy, outer-dev: x}]',
    /links\[0\]\.outer-dev: not used by type dummy/,
  ],
  [
    'bad netem',
    'links: [{container: a, bridge: s, netem: "wobble 3"}]',
    /links\[0\]\.netem\[0\]: "wobble 3" is not a netem option/,
  ],
  [
    'nat without ip',
    'links: [{container: a, bridge: s, nat: 198.18.9.9}]',
    /links\[0\]\.nat: needs an IPv4 ip/,
  ],
  [
    'nat not an address',
    'links: [{container: a, bridge: s, ip: 198.18.0.2/24, nat: here}]',
    /links\[0\]\.nat: "here" is not an IPv4/,
  ],
  [
    'bad forward',
    'links: [{container: a, bridge: s, ip: 198.18.0.2/24, forward: "80-90"}]',
    /links\[0\]\.forward\[0\]: "80-90" is not PORT:CONTAINER_PORT/,
  ],
  [
    'forward on macvlan',
    'links: [{container: a, type: macvlan, outer-dev: p0, ip: 198.18.0.2/24, forward: "80:80"}]',
    /links\[0\]\.forward: only for type veth/,
  ],
  [
    'ethtool without option',
    'links: [{container: a, bridge: s, ethtool: "rx off"}]',
    /links\[0\]\.ethtool\[0\]: .*must start with an ethtool option/,
  ],
  [
    'same dev twice via outer-dev clash',
    'links: [{container: a, bridge: s, outer-dev: o1}, {container: b, bridge: s, outer-dev: o1}]',
    /links\[1\]\.outer-dev: o1 is already the outer end of .*links\[0\]/,
  ],
  ['ovs bridge', 'bridges: [{bridge: s, mode: ovs}]', /bridges\.s\.mode: ovs needs Open vSwitch/],
  ['bad bridge mode', 'bridges: [{bridge: s, mode: hub}]', /bridges\[0\]\.mode: /],
  [
    'patch with three links',
    'bridges: [{bridge: p, mode: patch}]\nlinks: [{container: a, bridge: p}, {container: b, bridge: p}, {container: c, bridge: p}]',
    /links\[2\]\.bridge: bridge p is a patch: it joins exactly two links/,
  ],
  [
    'tunnel without vni',
    'tunnels: [{type: vxlan, bridge: s, remote: 198.18.0.1}]',
    /tunnels\[0\]\.vni: required/,
  ],
  [
    'tunnel bad remote',
    'tunnels: [{type: geneve, bridge: s, remote: far, vni: 3}]',
    /tunnels\[0\]\.remote: "far" is not an IP/,
  ],
  [
    'tunnel vni too big',
    'tunnels: [{type: vxlan, bridge: s, remote: 198.18.0.1, vni: 16777216}]',
    /tunnels\[0\]\.vni: must be from 0/,
  ],
  [
    'tunnel type unknown',
    'tunnels: [{type: gre, bridge: s, remote: 198.18.0.1, vni: 3}]',
    /tunnels\[0\]\.type: /,
  ],
  [
    'two tunnels one vni',
    'tunnels: [{type: vxlan, bridge: s, remote: 198.18.0.1, vni: 3}, {type: vxlan, bridge: t, remote: 198.18.0.2, vni: 3}]',
    /tunnels\[1\]\.vni: another vxlan tunnel already uses VNI 3/,
  ],
  ['command without command', 'commands: [{container: a}]', /commands\[0\]\.command: required/],
  ['command empty list', 'commands: [{container: a, command: []}]', /commands\[0\]\.command: empty/],
  [
    'undefined variable with :?',
    'links: [{container: a, bridge: s, ip: "${CIRCUIT_TEST_UNSET:?give the address}"}]',
    /links\[0\]\.ip: CIRCUIT_TEST_UNSET: give the address/,
  ],
  [
    'undefined variable',
    'links: [{container: "${CIRCUIT_TEST_UNSET}", bridge: s}]',
    /links\[0\]\.container: variable CIRCUIT_TEST_UNSET is not set/,
  ],
  ['bad namespace name', 'namespace: "a/b"', /namespace: "a\/b" is not a network namespace name/],
  ['yaml syntax', 'links: [{container: a', /t\.yaml: /],
  ['duplicate key', 'links: []\nlinks: []', /t\.yaml: .*(duplicate|unique)/i],
];

describe('topology files', () => {
  it(`${BROKEN.length} broken files: each one clear error with its path`, async (t) => {
    assert.ok(BROKEN.length >= 30);
    const dir = tmpDir(t);
    const file = join(dir, 't.yaml');
    for (const [name, yaml, re] of BROKEN) {
      writeFileSync(file, `${yaml}\n`);
      const { errors } = await loadTopology([file], {});
      assert.ok(errors.length > 0, `${name}: no error`);
      assert.ok(
        errors.some((e) => re.test(e) && e.startsWith(file)),
        `${name}: ${errors.join(' | ')}`,
      );
    }
  });

  it('broken files through the CLI: exit 2, one line per problem, nothing created', async (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const file = join(dir, 't.yaml');
    const before = links();
    for (const [i, [name, yaml]] of BROKEN.entries()) {
      writeFileSync(file, `${yaml}\n`);
      for (const cmd of i < 6 ? ['check', 'apply', 'show', 'dot', 'delete'] : ['apply']) {
        const r = circuit(['topology', cmd, file], { stateDir });
        assert.equal(r.code, 2, `${name} ${cmd}: ${r.out}${r.err}`);
        assert.match(r.err, /^circuit: /, `${name} ${cmd}`);
        if (cmd !== 'check') assert.equal(r.err.trim().split('\n').length, 1, `${name} ${cmd}: ${r.err}`);
      }
    }
    assert.equal(existsSync(join(stateDir, 'topology')), false);
    assert.deepEqual(links(), before);
  });

  it('defaults: veth, eth0, MTU 65535, linux bridge, stable generated MAC and outer name', async (t) => {
    const dir = tmpDir(t);
    const file = join(dir, 'a.yaml');
    writeFileSync(
      file,
      'links:\n  - {container: web, bridge: s1}\n  - {container: db, type: macvlan, outer-dev: p0}\n',
    );
    const a = await loadValidTopology([file], {});
    const b = await loadValidTopology([file], {});
    const [web, db] = a.links;
    assert.ok(web && db);
    assert.equal(web.type, 'veth');
    assert.equal(web.dev, 'eth0');
    assert.equal(web.mtu, 65535);
    assert.match(web.mac ?? '', /^02(:[0-9a-f]{2}){5}$/);
    assert.match(web.outerDev ?? '', /^tp[0-9a-f]{10}$/);
    assert.deepEqual(a.bridges, { s1: { mode: 'linux' } });
    assert.equal(db.mode, 'bridge');
    assert.equal(db.mtu, undefined, 'child links keep their parent MTU');
    assert.deepEqual(a, b, 'generated values are stable');
  });

  it('several files merge: maps merged, lists concatenated, later scalars and link fields win', async (t) => {
    const dir = tmpDir(t);
    const f1 = join(dir, '1.yaml');
    const f2 = join(dir, '2.json');
    writeFileSync(
      f1,
      'namespace: one\nlinks:\n  - {container: a, bridge: s1, ip: 198.18.0.1/24}\nbridges:\n  - {bridge: s1, mode: linux}\ntunnels:\n  - {type: vxlan, bridge: s1, remote: 198.18.9.1, vni: 1}\n',
    );
    writeFileSync(
      f2,
      JSON.stringify({
        namespace: 'two',
        links: [
          { container: 'a', bridge: 's1', ip: '198.18.0.9/24' },
          { container: 'b', bridge: 's2' },
        ],
        bridges: { s2: { mode: 'patch' } },
        tunnels: [{ type: 'vxlan', bridge: 's2', remote: '198.18.9.2', vni: 2 }],
        commands: [{ container: 'b', command: ['true'] }],
      }),
    );
    const t2 = await loadValidTopology([f1, f2], {});
    assert.equal(t2.namespace, 'two');
    assert.deepEqual(
      t2.links.map((l) => [l.container, l.ip]),
      [
        ['a', '198.18.0.9/24'],
        ['b', undefined],
      ],
    );
    assert.deepEqual(t2.bridges, { s1: { mode: 'linux' }, s2: { mode: 'patch' } });
    assert.deepEqual(
      t2.tunnels.map((x) => x.dev),
      ['vx1', 'vx2'],
    );
    assert.deepEqual(t2.commands, [{ container: 'b', command: ['true'] }]);
  });

  it('variables: ${VAR}, ${VAR:-default}, ${VAR:?error}, $$; numbers stay numbers', async (t) => {
    const env = { NET: '198.18.3', EMPTY: '' };
    assert.equal(interpolate('${NET}.2/24', env, 'x'), '198.18.3.2/24');
    assert.equal(interpolate('${NOPE:-eth9}', env, 'x'), 'eth9');
    assert.equal(interpolate('${EMPTY:-d}', env, 'x'), 'd');
    assert.equal(interpolate('${EMPTY-d}', env, 'x'), '');
    assert.equal(interpolate('cost $$5', env, 'x'), 'cost $5');
    assert.throws(
      () => interpolate('${NOPE:?need it}', env, 'f: links[0].ip'),
      /f: links\[0\]\.ip: NOPE: need it/,
    );
    const dir = tmpDir(t);
    const file = join(dir, 'v.yaml');
    writeFileSync(
      file,
      'links:\n  - {container: a, type: vlan, outer-dev: "${PARENT}", vlanid: "${VID}", mtu: "${MTU:-1400}"}\n',
    );
    const topo = await loadValidTopology([file], { PARENT: 'p0', VID: '42' });
    assert.equal(topo.links[0]?.vlanid, 42);
    assert.equal(topo.links[0]?.mtu, 1400);
    assert.equal(topo.links[0]?.outerDev, 'p0');
  });
});
