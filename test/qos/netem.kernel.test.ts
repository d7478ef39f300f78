// Kernel lane: netem delay/loss through `circuit network qos`, measured with ping and iperf3.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iperfMbit, iperfServer, ping, qosLab, within } from '../helpers/qos';

describe('qos netem (kernel lane)', { timeout: 240_000 }, () => {
  it('delay raises the RTT by the set amount (±10%)', (t) => {
    const lab = qosLab(t);
    const [a, b] = lab.peers as [(typeof lab.peers)[0], (typeof lab.peers)[0]];
    const base = ping(a, b, 5).min;
    const r = lab.cli([
      'network',
      'qos',
      'set',
      lab.net.name,
      '--container',
      a.id,
      '--delay',
      '50ms',
      '--direction',
      'egress',
    ]);
    assert.equal(r.code, 0, r.err);
    const delayed = ping(a, b, 10).min;
    assert.ok(within(delayed - base, 50), `rtt ${base} -> ${delayed} ms`);
    // both directions: the delay applies on the way out and on the way in
    assert.equal(
      lab.cli(['network', 'qos', 'set', lab.net.name, '--container', a.id, '--delay', '30ms']).code,
      0,
    );
    const both = ping(a, b, 10).min;
    assert.ok(within(both - base, 60), `rtt both ways ${both} ms ≈ base + 60`);
    assert.equal(lab.cli(['network', 'qos', 'reset', lab.net.name, '--container', a.id]).code, 0);
    assert.ok(ping(a, b, 5).min < base + 10, 'reset removes the delay');
  });

  it('loss drops about the set share of packets', (t) => {
    const lab = qosLab(t);
    const [a, b] = lab.peers as [(typeof lab.peers)[0], (typeof lab.peers)[0]];
    assert.equal(
      lab.cli([
        'network',
        'qos',
        'set',
        lab.net.name,
        '--container',
        a.id,
        '--loss',
        '30%',
        '--direction',
        'egress',
      ]).code,
      0,
    );
    const { loss } = ping(a, b, 300, '0.01');
    assert.ok(loss >= 20 && loss <= 40, `loss ${loss}% ≈ 30%`);
  });

  it('rate and delay combine (netem under the HTB class)', async (t) => {
    const lab = qosLab(t);
    const [server, client] = lab.peers as [(typeof lab.peers)[0], (typeof lab.peers)[0]];
    await iperfServer(t, server);
    const base = ping(client, server, 5).min;
    const r = lab.cli([
      'network',
      'qos',
      'set',
      lab.net.name,
      '--container',
      client.id,
      '--rate',
      '4mbit',
      '--delay',
      '20ms',
      '--direction',
      'egress',
    ]);
    assert.equal(r.code, 0, r.err);
    const rtt = ping(client, server, 10).min;
    assert.ok(within(rtt - base, 20, 0.15), `rtt ${base} -> ${rtt} ms`);
    const mbit = iperfMbit(client, server, false, 4);
    assert.ok(within(mbit, 4, 0.15), `throughput ${mbit} Mbit/s ≈ 4`);
    const show = JSON.parse(lab.cli(['network', 'qos', 'show', '--json']).out) as {
      status: string;
      kernel: string;
    }[];
    assert.deepEqual(
      show.map((s) => [s.status, s.kernel]),
      [['ok', 'rate 4mbit delay 20ms']],
    );
  });
});
