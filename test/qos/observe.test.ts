import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drift, parseObserved } from '../../src/qos/observe';
import { specFromOptions as specFromFlags } from '../../src/qos/options';
import { UNSHAPED_RATE } from '../../src/qos/plan';

const QDISCS = `qdisc htb 1: root refcnt 2 r2q 10 default 0x10 direct_packets_stat 0 direct_qlen 1000
qdisc netem 10: parent 1:10 limit 1000 delay 50ms  5ms loss 1%
`;
const CLASSES = `class htb 1:10 parent 1:1 leaf 10: prio 0 rate 5Mbit ceil 6Mbit burst 1600b cburst 1599b
class htb 1:1 root rate 6Mbit ceil 6Mbit burst 1599b cburst 1599b
`;

describe('qos observe', () => {
  it('parses tc text output', () => {
    assert.deepEqual(parseObserved(QDISCS, CLASSES), {
      htb: true,
      netem: true,
      rate: 5_000_000,
      ceiling: 6_000_000,
      delay: 50_000,
      jitter: 5_000,
      loss: 1,
    });
  });
  it('reports no drift when in sync, and what differs otherwise', () => {
    const o = parseObserved(QDISCS, CLASSES);
    const s = specFromFlags({ rate: '5000', ceiling: '6000', delay: '50ms', jitter: '5ms', loss: '1%' });
    assert.deepEqual(drift(s, o, UNSHAPED_RATE), []);
    const s2 = specFromFlags({ rate: '5000', ceiling: '6000' });
    assert.deepEqual(drift(s2, o, UNSHAPED_RATE), ['unexpected netem']);
    assert.deepEqual(drift(s, undefined, UNSHAPED_RATE), ['no qdisc in the kernel']);
    assert.deepEqual(drift(undefined, o, UNSHAPED_RATE), ['kernel has circuit qdiscs but nothing is stored']);
    assert.deepEqual(
      drift(undefined, parseObserved('qdisc noqueue 0: root refcnt 2', ''), UNSHAPED_RATE),
      [],
    );
  });
});
