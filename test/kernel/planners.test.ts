// Pure parts of the kernel layer: the gone/exists matcher, the netns entry, the nft table
// renderer, the veth/bridge planners and the `ip -j` parser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KernelError, PluginError } from '../../src/errors';
import { parseIpJson } from '../../src/kernel/ip-json';
import { bridgeSteps, linkDeleteStep, vethSteps } from '../../src/kernel/links';
import { isDeviceGone, isExists, isGone, lastLine, missingFeature } from '../../src/kernel/match';
import { inNetns, namedNetns, netnsOf } from '../../src/kernel/netns';
import { nftReplaceStep, nftTableScript } from '../../src/kernel/nft';
import { stepArgv } from '../../src/kernel/step';
import { failedBatchLines } from '../../src/kernel/tc';

describe('kernel: matcher', () => {
  it('"gone" in the words of ip, tc, nft, nsenter, ipvsadm', () => {
    for (const text of [
      'Cannot find device "cvh123"',
      'Device "x" does not exist.',
      'Error: Could not process rule: No such file or directory\ndelete table ip t',
      'nsenter: cannot open /run/netns/x: No such file or directory',
      'Memory allocation problem\nNo such process',
      'RTNETLINK answers: Invalid handle',
      'Error: Cannot find specified qdisc on specified device.',
    ])
      assert.ok(isGone(text), text);
    assert.ok(!isGone('RTNETLINK answers: Operation not permitted'));
    assert.ok(!isGone('RTNETLINK answers: File exists'));
  });
  it('"exists" and a device that is gone', () => {
    assert.ok(isExists('RTNETLINK answers: File exists'));
    assert.ok(isExists('Error: Could not process rule: Object already exists'));
    assert.ok(!isExists('Cannot find device "x"'));
    assert.ok(isDeviceGone('Cannot find device "cvh1"\nCommand failed -:1'));
    assert.ok(!isDeviceGone('RTNETLINK answers: No such file or directory\nCommand failed -:1'));
  });
  it('a missing kernel feature in words a user can act on; the last line of stderr', () => {
    assert.match(missingFeature('Error: Specified qdisc kind is unknown.') ?? '', /no netem/);
    assert.equal(missingFeature('RTNETLINK answers: File exists'), undefined);
    assert.equal(lastLine('warning: x\n\n  RTNETLINK   answers: boom  \n'), 'RTNETLINK answers: boom');
    assert.deepEqual(failedBatchLines('x\nCommand failed -:1\ny\nCommand failed -:4\n'), [1, 4]);
  });
});

describe('kernel: netns entry (one style: nsenter --net=PATH)', () => {
  it('host steps run as they are; namespaced ones through nsenter, named ones by path', () => {
    assert.deepEqual(inNetns(undefined, ['ip', 'link']), ['ip', 'link']);
    assert.deepEqual(inNetns('/proc/42/ns/net', ['tc', 'qdisc']), [
      'nsenter',
      '--net=/proc/42/ns/net',
      'tc',
      'qdisc',
    ]);
    assert.equal(namedNetns('lab'), '/run/netns/lab');
    assert.equal(netnsOf(undefined), undefined);
    assert.deepEqual(stepArgv({ argv: ['nft', '-f', '-'], netns: netnsOf('lab') }), [
      'nsenter',
      '--net=/run/netns/lab',
      'nft',
      '-f',
      '-',
    ]);
  });
});

describe('kernel: nft table renderer', () => {
  it('create-if-missing, delete, re-create in one script; without a body only removed', () => {
    assert.equal(nftTableScript('inet', 'circuit'), 'table inet circuit\ndelete table inet circuit\n');
    assert.equal(nftTableScript('ip', 't', []), 'table ip t\ndelete table ip t\n');
    assert.equal(
      nftTableScript('ip', 't', ['  chain c {', '  }']),
      'table ip t\ndelete table ip t\ntable ip t {\n  chain c {\n  }\n}\n',
    );
    const s = nftReplaceStep({ family: 'inet', name: 'x', netns: '/run/netns/n' }, ['  chain c {', '  }']);
    assert.deepEqual(s.argv, ['nft', '-f', '-']);
    assert.equal(s.netns, '/run/netns/n');
    assert.match(s.input ?? '', /^table inet x\ndelete table inet x\ntable inet x \{/);
  });
});

describe('kernel: bridge and veth planners', () => {
  it('a bridge: kept when it exists, MTU, up', () => {
    assert.deepEqual(bridgeSteps('br0', { mtu: 1400 }), [
      { argv: ['ip', 'link', 'add', 'br0', 'type', 'bridge'], netns: undefined, tolerate: 'exists' },
      { argv: ['ip', 'link', 'set', 'br0', 'mtu', '1400'], netns: undefined },
      { argv: ['ip', 'link', 'set', 'br0', 'up'], netns: undefined },
    ]);
  });
  it('a veth: peer named, moved, addressed at creation; host end on its bridge and up', () => {
    const steps = vethSteps({
      host: 'vh0',
      peer: 'eth0',
      netns: '/run/netns/o',
      mtu: 1400,
      peerNetns: 42,
      peerMac: '02:00:00:00:00:01',
      peerMtu: 1400,
      master: 'br0',
    });
    assert.deepEqual(
      steps.map((s) => s.argv.join(' ')),
      [
        'ip link add vh0 mtu 1400 type veth peer name eth0 netns 42 address 02:00:00:00:00:01 mtu 1400',
        'ip link set vh0 master br0 up',
      ],
    );
    assert.ok(steps.every((s) => s.netns === '/run/netns/o' && s.tolerate === undefined));
    assert.deepEqual(
      vethSteps({ host: 'a', peer: 'b', up: false }).map((s) => s.argv.join(' ')),
      ['ip link add a type veth peer name b'],
    );
    assert.deepEqual(linkDeleteStep('vh0'), {
      argv: ['ip', 'link', 'del', 'vh0'],
      netns: undefined,
      tolerate: 'gone',
    });
  });
});

describe('kernel: ip -j parser', () => {
  it('links and addresses, validated', () => {
    const links = parseIpJson(
      JSON.stringify([
        {
          ifindex: 1,
          ifname: 'lo',
          mtu: 65536,
          addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }],
        },
        { ifindex: 2, ifname: 'eth0', extra: { kept: true } },
      ]),
    );
    assert.deepEqual(
      links.map((l) => l.ifname),
      ['lo', 'eth0'],
    );
    assert.equal(links[0]?.addr_info?.[0]?.local, '127.0.0.1');
    assert.deepEqual(parseIpJson(''), []);
  });
  it('anything else is a KernelError (exit 5), never an empty list', () => {
    for (const bad of [
      'not json',
      '{"ifname":"x"}',
      '[{"ifindex":1}]',
      '[{"ifname":"x","addr_info":[{}]}]',
    ]) {
      assert.throws(
        () => parseIpJson(bad, ['ip', '-j', 'link', 'show']),
        (e: unknown) =>
          e instanceof KernelError &&
          e instanceof PluginError &&
          e.exitCode === 5 &&
          /ip -j link show/.test(e.message),
        bad,
      );
    }
  });
});
