// A part whose endpoint is not there says so at start, once per outage, and the daemon serves.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/redis';
import { startDaemon, waitFor } from '../helpers/server';
import { circuit, tmpDir, uid } from '../helpers/sys';

const count = (log: string, text: string) => log.split(text).length - 1;

describe('unreachable endpoints', { timeout: 60_000 }, () => {
  it('no containerd socket, no Redis, no dockerd: one log line each at start, then serving anyway', async (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const plugin = `ct-${uid()}`;
    const redisPort = await freePort();
    const d = await startDaemon(t, dir, stateDir, [
      '--containerd',
      join(dir, 'no-containerd.sock'),
      '--redis-url',
      `redis://127.0.0.1:${redisPort}`,
      '--cluster-interval',
      '200ms',
      '--docker-plugin',
      plugin,
      '--docker-host',
      `unix://${join(dir, 'no-docker.sock')}`,
    ]);
    const lines = {
      containerd: 'containerd unavailable; reconnecting with backoff',
      redis: 'redis not reachable yet; serving local data, retrying',
      docker: 'dockerd not reachable; Docker networks keep their last view, retrying every 10s',
    };
    for (const [what, text] of Object.entries(lines))
      await waitFor(() => d.log().includes(text), `the ${what} log line`, 5000);
    assert.match(d.log(), /"msg":"serving"/);
    assert.match(d.log(), new RegExp(`"socket":"${join(dir, 'no-docker.sock')}"`));
    // containerd retried after 1 s and 2 s, Redis every few hundred ms: still one line each
    await new Promise((r) => setTimeout(r, 3500));
    for (const [what, text] of Object.entries(lines))
      assert.equal(count(d.log(), text), 1, `${what}: ${d.log()}`);
    assert.equal(circuit(['--address', d.address, 'network', 'list']).code, 0, 'the API serves');
    const stopping = Date.now();
    assert.equal(await d.stop(), 0);
    assert.ok(Date.now() - stopping < 2000, 'nothing in flight: no wait for the deadline');
    assert.equal(existsSync(`/run/docker/plugins/${plugin}.sock`), false, 'plugin socket removed');
  });
});
