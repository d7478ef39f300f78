import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { specFromOptions as specFromFlags } from '../../src/qos/options';
import { netemArgs, sides, tcApplyLines, tcResetLines } from '../../src/qos/plan';

const spec = (flags: Record<string, string>) => specFromFlags(flags);

describe('qos tc plan', () => {
  it('rate + ceiling: htb root, parent class at the ceiling, leaf class', () => {
    assert.deepEqual(tcApplyLines('veth1', spec({ rate: '5000', ceiling: '6000' })), [
      'qdisc del dev veth1 root',
      'qdisc add dev veth1 root handle 1: htb default 10',
      'class add dev veth1 parent 1: classid 1:1 htb rate 6000000bit ceil 6000000bit quantum 75000',
      'class add dev veth1 parent 1:1 classid 1:10 htb rate 5000000bit ceil 6000000bit quantum 62500',
    ]);
  });

  it('burst, cburst and priority go on the leaf class', () => {
    const lines = tcApplyLines('eth0', spec({ rate: '1mbit', burst: '15k', cburst: '3k', priority: '3' }));
    assert.equal(
      lines[3],
      'class add dev eth0 parent 1:1 classid 1:10 htb rate 1000000bit ceil 1000000bit burst 15360b cburst 3072b prio 3 quantum 12500',
    );
  });

  it('netem only: still htb (unshaped) with netem as the leaf qdisc', () => {
    const lines = tcApplyLines('eth0', spec({ delay: '50ms' }));
    assert.match(lines[3] ?? '', /rate 10000000000bit/);
    assert.equal(lines[4], 'qdisc add dev eth0 parent 1:10 handle 10: netem delay 50ms limit 8334');
  });

  it('rate + every netem option combine under the class', () => {
    const lines = tcApplyLines(
      'eth0',
      spec({
        rate: '10mbit',
        delay: '100ms',
        jitter: '10ms',
        loss: '1%',
        duplicate: '0.5',
        corrupt: '0.1%',
        reorder: '25%',
      }),
    );
    assert.equal(lines.length, 5);
    assert.equal(
      lines[4],
      'qdisc add dev eth0 parent 1:10 handle 10: netem delay 100ms 10ms loss 1% duplicate 0.5% corrupt 0.1% reorder 25% limit 1000',
    );
  });

  it('netem limit grows with rate x delay', () => {
    const a = netemArgs(spec({ rate: '10gbit', delay: '100ms' }));
    assert.equal(a[a.length - 1], String(Math.ceil(((10e9 / 8 / 1500) * 100_000) / 1e6) * 2));
  });

  it('every single option alone plans cleanly', () => {
    const single: Record<string, string>[] = [
      { rate: '1mbit' },
      { rate: '1mbit', ceiling: '2mbit' },
      { rate: '1mbit', burst: '2k' },
      { rate: '1mbit', cburst: '2k' },
      { rate: '1mbit', priority: '0' },
      { delay: '1ms' },
      { delay: '1ms', jitter: '1ms' },
      { loss: '2%' },
      { duplicate: '2%' },
      { corrupt: '2%' },
      { delay: '5ms', reorder: '2%' },
    ];
    for (const f of single) {
      for (const direction of ['ingress', 'egress', 'both']) {
        const lines = tcApplyLines('d', spec({ ...f, direction }));
        assert.equal(lines[0], 'qdisc del dev d root');
        assert.ok(
          lines.every((l) => !l.includes('undefined')),
          JSON.stringify(f),
        );
      }
    }
  });

  it('reset deletes the root qdisc', () => assert.deepEqual(tcResetLines('x'), ['qdisc del dev x root']));

  it('directions map to sides', () => {
    assert.deepEqual(sides('ingress'), ['host']);
    assert.deepEqual(sides('egress'), ['container']);
    assert.deepEqual(sides('both'), ['host', 'container']);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{}, /at least --rate or a netem option/],
    [{ ceiling: '5mbit' }, /--ceiling needs --rate/],
    [{ rate: '5mbit', ceiling: '1mbit' }, /must not be lower than --rate/],
    [{ burst: '1k', delay: '1ms' }, /need --rate/],
    [{ jitter: '1ms', loss: '1%' }, /--jitter needs --delay/],
    [{ reorder: '5%' }, /--reorder needs --delay/],
    [{ rate: '5mbit', direction: 'sideways' }, /--direction/],
    [{ rate: '5mbit', priority: '9' }, /--priority/],
    [{ rate: 'lots' }, /--rate: invalid rate/],
  ];
  for (const [flags, re] of bad) {
    it(`rejects ${JSON.stringify(flags)}`, () => assert.throws(() => spec(flags), re));
  }
});
