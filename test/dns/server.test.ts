// The daemon's DNS on loopback: answers from the daemon's lookup, SERVFAIL (not NXDOMAIN) when the
// state dir cannot tell.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startDaemon, waitFor } from '../helpers/server';
import { tmpDir } from '../helpers/sys';

async function query(port: number, name: string): Promise<number> {
  const packet = (await import('dns-packet')).default;
  const s = createSocket('udp4');
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${name}`)), 3000);
      s.once('message', (msg) => {
        clearTimeout(timer);
        resolve(rcodeOf(packet.decode(msg) as { rcode?: string }));
      });
      s.send(packet.encode({ id: 7, type: 'query', questions: [{ name, type: 'A' }] }), port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

const CODES: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
function rcodeOf(p: { rcode?: string }): number {
  return CODES[p.rcode ?? ''] ?? -1;
}

describe('dns server in the daemon', { timeout: 60_000 }, () => {
  it('a state-dir error answers SERVFAIL, an unknown name NXDOMAIN', async (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    mkdirSync(join(stateDir, 'containers'), { recursive: true });
    const port = 20000 + Math.floor(Math.random() * 20000);
    const d = await startDaemon(t, dir, stateDir, ['--dns', `127.0.0.1:${port}`]);
    assert.equal(await query(port, 'nope.front.circuit'), CODES.NXDOMAIN);
    // now the record of container "web" is unreadable (not JSON): its name cannot be answered
    writeFileSync(join(stateDir, 'containers', 'web.json'), '{torn');
    assert.equal(await query(port, 'web.front.circuit'), CODES.SERVFAIL);
    await waitFor(() => /dns: lookup failed; answering SERVFAIL/.test(d.log()), 'a log line');
    assert.equal(await query(port, 'web.front.circuit'), CODES.SERVFAIL);
    assert.equal(d.log().match(/answering SERVFAIL/g)?.length, 1, 'logged once');
    assert.equal(await d.stop(), 0);
  });
});
