// Podman containers in the daemon's views: the cluster registry (real redis-server) publishes
// them under their podman names with runtime "podman", circuit's DNS answers for them, QoS finds
// them by name.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { namedBridgeNetwork } from '../helpers/cni';
import { hasPodman, podmanEnv } from '../helpers/podman';
import { startRedis } from '../helpers/redis';
import { startDaemon, waitFor } from '../helpers/server';
import { circuit, defer, tmpDir, uid } from '../helpers/sys';

const skip = hasPodman() ? false : 'podman is not installed (scripts/install-deps.sh)';
const NET = 'shared';

describe('podman containers in registry, DNS and QoS', { skip, timeout: 120_000 }, () => {
  it('registry rows under the podman name with runtime podman; DNS NAME.NET.circuit; qos --container NAME', async (t) => {
    const dir = tmpDir(t, 'circuit-podman-');
    const p = podmanEnv(t, dir);
    const net = namedBridgeNetwork(t, dir, NET, p.stateDir);
    const redis = await startRedis(t, dir);
    const node = `pn${uid(2)}`;
    const d = await startDaemon(t, dir, p.stateDir, [
      '--redis-url',
      redis.url,
      '--node-name',
      node,
      '--cluster-interval',
      '500ms',
      '--dns',
      `${net.gateway}:53`,
    ]);
    const [web, client] = [`web${uid(2)}`, `cl${uid(2)}`];
    defer(t, () => void p.run(['rm', '-f', '-t', '0', web, client]));
    const id = await p.start(web, { 'io.circuit.network': NET });
    await p.start(client, { 'io.circuit.network': NET });

    const rowsOf = () => {
      const r = redis.cli(['get', `circuit:att:${node}:${web}`]).out.trim();
      return r ? (JSON.parse(r) as { runtime: string; id: string; ip: string }[]) : [];
    };
    await waitFor(() => rowsOf().length === 1, 'the registry row of the podman container');
    const row = rowsOf()[0];
    assert.deepEqual([row?.runtime, row?.id], ['podman', id]);

    await waitFor(() => d.log().includes('"msg":"dns: listening"'), 'DNS on the gateway', 5000);
    const lookup = p.run(['exec', client, 'nslookup', `${web}.${NET}.circuit`, net.gateway]);
    assert.equal(lookup.code, 0, lookup.out + lookup.err);
    assert.match(lookup.out, new RegExp(`Address: ${(row?.ip ?? '').replace(/\./g, '\\.')}`));

    const api = (args: string[]) => circuit(['--address', d.address, ...args]);
    const set = api(['network', 'qos', 'set', NET, '--container', web, '--rate', '10mbit']);
    assert.equal(set.code, 0, set.err);
    const shown = api(['network', 'qos', 'show', NET, '--json']);
    assert.equal(shown.code, 0, shown.err);
    const mine = (JSON.parse(shown.out) as { container: string; scope: string; status: string }[]).filter(
      (r) => r.container === id,
    );
    assert.ok(mine.length > 0, shown.out);
    for (const r of mine) assert.deepEqual([r.scope, r.status], ['container', 'ok'], shown.out);
    assert.equal(api(['network', 'qos', 'reset', NET, '--container', web]).code, 0);

    assert.equal(p.run(['rm', '-f', '-t', '0', web, client]).code, 0);
    await waitFor(() => rowsOf().length === 0, 'the row gone with the container', 10_000);
    assert.equal(circuit(['network', 'ips', web], { stateDir: join(p.stateDir) }).code, 3);
  });
});
