// The Docker driver's pure parts: IPAM pools and addresses, host links, published ports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCidr } from '../../src/cni/subnets';
import { planAddress, planPool } from '../../src/docker/ipam';
import { bridgeFor, bridgePlan, type DockerNet, macFor, vethFor, vethPlan } from '../../src/docker/links';
import { parsePortmap, portScript } from '../../src/docker/ports';

const pool = (extra = {}) =>
  planPool(
    { addressSpace: 'CircuitLocal', pool: '198.18.20.0/24', subPool: '', v6: false, ...extra },
    { pools: [], subnets: [] },
  );

describe('docker IPAM', () => {
  it('pools: explicit subnet only, no overlap with pools or circuit networks, ip-range inside', () => {
    assert.deepEqual(pool(), {
      id: 'CircuitLocal/198.18.20.0/24',
      pool: '198.18.20.0/24',
      v6: false,
      allocated: [],
    });
    assert.throws(() => pool({ pool: '' }), /give the network a subnet/);
    assert.throws(() => pool({ pool: 'fd00::/64' }), /not an IPv4 subnet/);
    assert.throws(() => pool({ pool: '198.18.20.0/31' }), /too small/);
    assert.throws(() => pool({ subPool: '198.18.21.0/28' }), /not inside subnet/);
    assert.throws(
      () =>
        planPool(
          { addressSpace: '', pool: '198.18.20.128/25', subPool: '', v6: false },
          { pools: [pool()], subnets: [] },
        ),
      /overlaps 198.18.20.0\/24 \(pool in use\)/,
    );
    assert.throws(
      () =>
        planPool(
          { addressSpace: '', pool: '198.18.0.0/16', subPool: '', v6: false },
          { pools: [], subnets: [parseCidr('198.18.20.0/24', 'x')] },
        ),
      /of an existing circuit network/,
    );
  });

  it('addresses: gateway first host, asked ones checked, dynamic from the ip-range skipping the taken', () => {
    const p = pool({ subPool: '198.18.20.64/28' });
    assert.deepEqual(planAddress(p, { address: '', gateway: true }), {
      ip: '198.18.20.1',
      cidr: '198.18.20.1/24',
    });
    p.allocated.push('198.18.20.1', '198.18.20.65');
    assert.equal(planAddress(p, { address: '', gateway: false }).ip, '198.18.20.66');
    assert.equal(planAddress(p, { address: '198.18.20.200', gateway: false }).cidr, '198.18.20.200/24');
    assert.throws(() => planAddress(p, { address: '198.18.20.65', gateway: false }), /already in use/);
    assert.throws(() => planAddress(p, { address: '198.18.21.5', gateway: false }), /not in subnet/);
    assert.throws(() => planAddress(p, { address: '198.18.20.255', gateway: false }), /broadcast/);
    const six = planPool(
      { addressSpace: '', pool: 'fd00:20::/64', subPool: '', v6: true },
      { pools: [], subnets: [] },
    );
    assert.equal(planAddress(six, { address: '', gateway: true }).cidr, 'fd00:20::1/64');
    const full = pool({ pool: '198.18.30.0/30' });
    full.allocated.push('198.18.30.1', '198.18.30.2');
    assert.throws(() => planAddress(full, { address: '', gateway: false }), /no free address/);
  });
});

describe('docker links and ports', () => {
  const net: DockerNet = {
    id: 'ab'.repeat(32),
    bridge: bridgeFor('ab'.repeat(32)),
    ownBridge: true,
    internal: false,
    v4: { pool: '198.18.20.0/24', gateway: '198.18.20.1' },
    v6: { pool: 'fd00:20::/64', gateway: 'fd00:20::1' },
    createdAt: '',
  };
  it('names fit IFNAMSIZ; MACs are stable and locally administered', () => {
    assert.equal(net.bridge, 'cirdababababab');
    assert.deepEqual(vethFor('0123456789abcdef'), { host: 'cvh0123456789a', peer: 'cvp0123456789a' });
    assert.equal(macFor('0123456789abcdef'), '02:01:23:45:67:89');
  });

  it('bridge plan adds only what is missing; internal networks get no gateway address', () => {
    const argvs = (steps: { argv: string[] }[]) => steps.map((st) => st.argv);
    assert.deepEqual(argvs(bridgePlan(net, undefined)), [
      ['ip', 'link', 'add', net.bridge, 'type', 'bridge'],
      ['ip', 'link', 'set', net.bridge, 'up'],
      ['ip', 'addr', 'add', '198.18.20.1/24', 'dev', net.bridge],
      ['ip', 'addr', 'add', 'fd00:20::1/64', 'dev', net.bridge, 'nodad'],
    ]);
    assert.deepEqual(argvs(bridgePlan(net, ['198.18.20.1/24', 'fd00:20::1/64'])), [
      ['ip', 'link', 'set', net.bridge, 'up'],
    ]);
    assert.deepEqual(argvs(bridgePlan({ ...net, internal: true }, [])), [
      ['ip', 'link', 'set', net.bridge, 'up'],
    ]);
    const ep = {
      id: 'e',
      networkId: net.id,
      host: 'cvhx',
      peer: 'cvpx',
      mac: '02:00:00:00:00:01',
      createdAt: '',
    };
    // a host end left from an earlier Join goes first (a gone one is fine)
    const [del] = vethPlan(net, ep);
    assert.deepEqual([del?.argv, del?.tolerate], [['ip', 'link', 'del', 'cvhx'], 'gone']);
    assert.deepEqual(argvs(vethPlan({ ...net, mtu: 1400 }, ep).slice(1)), [
      ['ip', 'link', 'add', 'cvhx', 'mtu', '1400', 'type', 'veth', 'peer', 'name', 'cvpx', 'address', ep.mac],
      ['ip', 'link', 'set', 'cvhx', 'master', net.bridge, 'up'],
    ]);
  });

  it('ports: Docker portmap → one atomic table, removed when empty; unsupported forms refused', () => {
    const ports = parsePortmap([{ Proto: 6, HostIP: '', HostPort: 8080, HostPortEnd: 8080, Port: 80 }]);
    assert.deepEqual(ports, [{ proto: 'tcp', hostPort: 8080, port: 80 }]);
    const script = portScript([{ endpoint: 'e'.repeat(64), address: '198.18.20.2', ports }]);
    assert.match(script, /fib daddr type local tcp dport 8080 dnat ip to 198\.18\.20\.2:80/);
    assert.match(script, /chain output/);
    assert.equal(portScript([]), 'table inet circuit_docker\ndelete table inet circuit_docker\n');
    assert.throws(() => parsePortmap([{ Proto: 6, HostPort: 0, Port: 80 }]), /give the host port/);
    assert.throws(() => parsePortmap([{ Proto: 132, HostPort: 1, Port: 1 }]), /tcp and udp only/);
    assert.throws(() => parsePortmap([{ Proto: 6, HostPort: 1, HostPortEnd: 5, Port: 1 }]), /ranges/);
  });
});
