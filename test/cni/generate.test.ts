// The pure planner behind `network create NAME --subnet ...`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bridgeNameFor, generateConflist, type NetworkSpec } from '../../src/cni/generate';
import { documentSubnets, overlaps, parseCidr } from '../../src/cni/subnets';

const base: NetworkSpec = {
  subnets: [],
  gateways: [],
  ipRanges: [],
  driver: 'bridge',
  internal: false,
  ipMasq: false,
};
const gen = (over: Partial<NetworkSpec>, taken: string[] = [], name = 'web') =>
  generateConflist(name, { ...base, ...over }, new Set(taken)) as {
    plugins: {
      type: string;
      bridge?: string;
      master?: string;
      ipMasq?: boolean;
      mtu?: number;
      ipam?: Record<string, unknown>;
    }[];
  };

describe('generated networks', () => {
  it('bridge: nerdctl-style chain, gateway .1, default route, derived bridge name', () => {
    const doc = gen({ subnets: ['198.18.40.0/24'] });
    assert.deepEqual(
      doc.plugins.map((p) => p.type),
      ['bridge', 'portmap', 'firewall', 'tuning'],
    );
    const br = doc.plugins[0];
    assert.equal(br?.bridge, 'cir-web');
    assert.deepEqual(br?.ipam, {
      type: 'host-local',
      ranges: [[{ subnet: '198.18.40.0/24', gateway: '198.18.40.1' }]],
      routes: [{ dst: '0.0.0.0/0' }],
    });
  });

  it('dual-stack, --gateway per family, --ip-range, --internal, --mtu, --ipmasq', () => {
    const doc = gen({
      subnets: ['198.18.41.0/24', 'fd00:41::/64'],
      gateways: ['198.18.41.254', 'fd00:41::fe'],
      ipRanges: ['198.18.41.128/25'],
      internal: true,
      mtu: 1400,
    });
    const ipam = doc.plugins[0]?.ipam as { ranges: unknown; routes?: unknown };
    assert.deepEqual(ipam.ranges, [
      [
        {
          subnet: '198.18.41.0/24',
          gateway: '198.18.41.254',
          rangeStart: '198.18.41.128',
          rangeEnd: '198.18.41.254',
        },
      ],
      [{ subnet: 'fd00:41::/64', gateway: 'fd00:41::fe' }],
    ]);
    assert.equal(ipam.routes, undefined, 'internal: no default route');
    assert.equal(doc.plugins[0]?.mtu, 1400);
    assert.equal(gen({ subnets: ['198.18.42.0/24'], ipMasq: true }).plugins[0]?.ipMasq, true);
  });

  it('macvlan/ipvlan need --parent, ptp has no gateway', () => {
    assert.throws(() => gen({ subnets: ['198.18.43.0/24'], driver: 'macvlan' }), /needs --parent/);
    const mv = gen({ subnets: ['198.18.43.0/24'], driver: 'macvlan', parent: 'veth-x' });
    assert.deepEqual(
      mv.plugins.map((p) => [p.type, p.master]),
      [
        ['macvlan', 'veth-x'],
        ['tuning', undefined],
      ],
    );
    assert.equal(gen({ subnets: ['198.18.43.0/24'], driver: 'ipvlan', parent: 'p' }).plugins.length, 1);
    const ptp = gen({ subnets: ['198.18.44.0/24'], driver: 'ptp' });
    assert.deepEqual(ptp.plugins[0]?.ipam?.ranges, [[{ subnet: '198.18.44.0/24' }]]);
  });

  it('refuses what does not fit, with the flag in the message', () => {
    const cases: [Partial<NetworkSpec>, RegExp][] = [
      [{}, /--subnet CIDR is required/],
      [{ subnets: ['nope'] }, /--subnet: "nope" is not a CIDR/],
      [{ subnets: ['198.18.0.0/24', '198.18.1.0/24'] }, /one IPv4 and\/or one IPv6/],
      [{ subnets: ['198.18.0.0/31'] }, /too small/],
      [{ subnets: ['198.18.0.0/24'], gateways: ['198.18.1.1'] }, /outside 198\.18\.0\.0\/24/],
      [{ subnets: ['198.18.0.0/24'], gateways: ['198.18.0.0'] }, /network address/],
      [{ subnets: ['198.18.0.0/24'], gateways: ['fd00::1'] }, /no IPv6 --subnet/],
      [{ subnets: ['198.18.0.0/24'], ipRanges: ['198.18.1.0/25'] }, /not inside/],
      [{ subnets: ['198.18.0.0/24'], driver: 'overlay' }, /--driver: "overlay"/],
      [{ subnets: ['198.18.0.0/24'], parent: 'eth9' }, /--parent is only for/],
      [{ subnets: ['198.18.0.0/24'], internal: true, ipMasq: true }, /exclude each other/],
      [{ subnets: ['198.18.0.0/24'], mtu: 20 }, /--mtu/],
      [{ subnets: ['198.18.0.0/24'], bridge: 'x'.repeat(16) }, /--bridge: interface name is longer/],
      [{ subnets: ['198.18.0.0/24'], driver: 'macvlan', parent: 'a/b' }, /--parent/],
    ];
    for (const [spec, re] of cases) assert.throws(() => gen(spec), re, JSON.stringify(spec));
    assert.throws(() => gen({ subnets: ['198.18.0.0/24'], bridge: 'br0' }, ['br0']), /already used/);
  });

  it('bridge names stay within IFNAMSIZ and unique', () => {
    assert.equal(bridgeNameFor('a', new Set()), 'cir-a');
    const long = bridgeNameFor('a-very-long-network-name', new Set());
    assert.ok(long.length <= 15 && long.startsWith('cir-'), long);
    const other = bridgeNameFor('a-very-long-network-name', new Set([long]));
    assert.notEqual(other, long);
    assert.notEqual(bridgeNameFor('web', new Set(['cir-web'])), 'cir-web');
  });

  it('finds subnets in stored documents and detects overlap', () => {
    const doc = gen({ subnets: ['198.18.45.0/24', 'fd00:45::/64'] }) as unknown as Record<string, unknown>;
    assert.deepEqual(
      documentSubnets(doc).map((c) => c.text),
      ['198.18.45.0/24', 'fd00:45::/64'],
    );
    assert.ok(overlaps(parseCidr('198.18.45.128/25', 'x'), parseCidr('198.18.45.0/24', 'y')));
    assert.ok(!overlaps(parseCidr('198.18.46.0/24', 'x'), parseCidr('198.18.45.0/24', 'y')));
    assert.ok(!overlaps(parseCidr('fd00::/8', 'x'), parseCidr('198.18.45.0/24', 'y')));
    assert.deepEqual(
      documentSubnets({
        plugins: [{ type: 'bridge', ipam: { type: 'host-local', subnet: '198.19.0.0/16' } }],
      }).map((c) => c.text),
      ['198.19.0.0/16'],
    );
  });
});
