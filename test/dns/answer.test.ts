// What the DNS server answers (pure): names in the domain, CONTAINER.NETWORK, forwarding, refusal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Addresses, decide, RCODE, splits } from '../../src/dns/answer';
import { parseListen } from '../../src/dns/server';

const table: Record<string, Addresses> = {
  'web/front': { v4: ['198.18.3.2', '198.18.4.2'], v6: ['fd00::2'] },
  'a.b/net.x': { v4: ['198.18.5.5'], v6: [] },
};
const lookup = async (c: string, n: string) => table[`${c}/${n}`];

describe('dns answers', () => {
  it('A and AAAA for CONTAINER.NETWORK with or without the domain, every node’s address, TTL 0 set by the server', async () => {
    for (const name of ['web.front.circuit', 'web.front', 'WEB.Front.Circuit.']) {
      const d = await decide({ name, type: 'A' }, 'circuit', lookup, false);
      assert.equal(d.kind, 'answer');
      if (d.kind !== 'answer') return;
      assert.equal(d.rcode, RCODE.NOERROR);
      assert.deepEqual(
        d.answers.map((a) => a.data),
        ['198.18.3.2', '198.18.4.2'],
      );
      assert.ok(d.authoritative);
    }
    const six = await decide({ name: 'web.front.circuit', type: 'AAAA' }, 'circuit', lookup, false);
    assert.deepEqual(six.kind === 'answer' && six.answers, [
      { name: 'web.front.circuit', type: 'AAAA', data: 'fd00::2' },
    ]);
    const mx = await decide({ name: 'web.front.circuit', type: 'MX' }, 'circuit', lookup, false);
    assert.deepEqual(mx, { kind: 'answer', rcode: RCODE.NOERROR, answers: [], authoritative: true });
  });

  it('dots inside container or network names still resolve', async () => {
    assert.deepEqual(splits('a.b.c'), [
      ['a', 'b.c'],
      ['a.b', 'c'],
    ]);
    const d = await decide({ name: 'a.b.net.x.circuit', type: 'A' }, 'circuit', lookup, false);
    assert.deepEqual(d.kind === 'answer' && d.answers.map((a) => a.data), ['198.18.5.5']);
  });

  it('unknown in the domain → NXDOMAIN; outside → REFUSED, or forwarded with an upstream', async () => {
    for (const name of ['nope.front.circuit', 'circuit', 'web.circuit'])
      assert.equal(
        ((await decide({ name, type: 'A' }, 'circuit', lookup, true)) as { rcode: number }).rcode,
        RCODE.NXDOMAIN,
      );
    const out = await decide({ name: 'example.org', type: 'A' }, 'circuit', lookup, false);
    assert.equal(out.kind === 'answer' && out.rcode, RCODE.REFUSED);
    assert.deepEqual(await decide({ name: 'example.org', type: 'A' }, 'circuit', lookup, true), {
      kind: 'forward',
    });
    const custom = await decide({ name: 'web.front.corp.example', type: 'A' }, 'corp.example', lookup, false);
    assert.equal(custom.kind === 'answer' && custom.answers.length, 2);
  });

  it('a lookup that fails (state dir unreadable) is SERVFAIL, not NXDOMAIN', async () => {
    const broken = async () => {
      throw new Error('cannot read /var/lib/circuit/containers/web.json: EIO');
    };
    for (const name of ['web.front.circuit', 'web.front']) {
      const d = await decide({ name, type: 'A' }, 'circuit', broken, true);
      assert.deepEqual(d, {
        kind: 'answer',
        rcode: RCODE.SERVFAIL,
        answers: [],
        authoritative: false,
        error: 'cannot read /var/lib/circuit/containers/web.json: EIO',
      });
    }
  });

  it('--dns / --dns-upstream: IP:PORT, IPv6 in brackets, one clear line otherwise', () => {
    assert.deepEqual(parseListen('198.18.20.1:53', '--dns'), { host: '198.18.20.1', port: 53 });
    assert.deepEqual(parseListen('[fd00::1]:5353', '--dns'), { host: 'fd00::1', port: 5353 });
    for (const bad of ['198.18.20.1', 'localhost:53', '1.2.3.4:0', '1.2.3.4:70000', 'fd00::1:53'])
      assert.throws(() => parseListen(bad, '--dns'), /--dns: expected IP:PORT/);
  });
});
