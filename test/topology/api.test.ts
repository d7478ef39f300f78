// Topology commands through a real daemon on a unix socket: the client reads the files (relative
// to its own cwd) and sends their contents and the env values they name; same bytes as direct.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { startDaemon, waitFor } from '../helpers/server';
import { CIRCUIT_BIN, CNI_PATH, defer, links, subnet, tmpDir, uid } from '../helpers/sys';

/** The CLI in another directory than the daemon's, with its own environment. */
function cliIn(cwd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CIRCUIT_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_PATH, ...env },
  });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

describe('topology through the daemon', { timeout: 120_000 }, () => {
  it('check, show, dot, apply, delete with --address: the files and their variables come from the client', async (t) => {
    const dir = tmpDir(t);
    const rootfs = busyboxRootfs(dir);
    const rc = runcEnv(t, dir, rootfs);
    const id = `tq${uid()}`;
    const br = `q${uid()}`;
    const p = subnet().prefix;
    const work = join(dir, 'client');
    mkdirSync(work);
    writeFileSync(
      join(work, 'topo.yaml'),
      `links: [{container: ${id}, bridge: ${br}, ip: "\${TOPO_PREFIX}.2/24", mtu: "\${TOPO_MTU:-1400}"}]\n`,
    );
    writeFileSync(
      join(work, 'broken.yaml'),
      `links: [{container: ${id}, bridge: ${br}, ip: nope, color: red}]\n`,
    );
    const b = rc.bundle({ id, hooks: false });
    defer(t, () => void rc.del(id));
    assert.equal((await rc.run(id, b.bundle)).code, 0);
    // the daemon's own environment has no TOPO_PREFIX, and its cwd is not the client's
    const d = await startDaemon(t, dir, rc.stateDir, [], { runcRoot: rc.root });
    const env: Record<string, string> = { TOPO_PREFIX: p };
    const viaApi = (args: string[], e = env) => cliIn(work, ['--address', d.address, 'topology', ...args], e);
    const direct = (args: string[], e = env) =>
      cliIn(work, ['--state-dir', rc.stateDir, '--runc-root', rc.root, 'topology', ...args], e);

    for (const args of [
      ['check', 'topo.yaml'],
      ['show', 'topo.yaml'],
      ['show', '--json', 'topo.yaml'],
      ['dot', 'topo.yaml'],
      ['check', 'topo.yaml', 'broken.yaml'],
      ['check', 'topo.yaml', 'missing.yaml'],
      ['show', 'broken.yaml'],
      ['apply', 'missing.yaml'],
    ]) {
      const a = viaApi(args);
      const l = direct(args);
      assert.deepEqual(a, l, `topology ${args.join(' ')}`);
    }
    assert.match(
      viaApi(['check', 'topo.yaml']).out,
      /^topology ok: 1 links, 1 bridges, 0 tunnels, 0 commands\n$/,
    );
    assert.match(
      viaApi(['show', '--json', 'topo.yaml']).out,
      new RegExp(`"ip": "${p.replace(/\./g, '\\.')}\\.2/24"`),
    );
    const broken = viaApi(['check', 'topo.yaml', 'broken.yaml']);
    assert.equal(broken.code, 2);
    assert.match(broken.err, /broken\.yaml: links\[0\]: unknown key "color"/);
    const unset = viaApi(['check', 'topo.yaml'], {});
    assert.equal(unset.code, 2, 'the variable comes from the client, not the daemon');
    assert.match(unset.err, /variable TOPO_PREFIX is not set/);

    const apply = viaApi(['apply', '--runc-root', rc.root, 'topo.yaml']);
    assert.equal(apply.code, 0, apply.err);
    assert.equal(apply.out, `${id}: applied (eth0)\n`);
    assert.match(
      rc.exec(id, ['ip', 'addr', 'show', 'eth0']).out,
      new RegExp(`${p.replace(/\./g, '\\.')}\\.2/24`),
    );
    assert.equal(
      viaApi(['apply', '--runc-root', rc.root, 'topo.yaml', '--json']).out,
      direct(['apply', 'topo.yaml', '--json']).out,
    );
    assert.match(viaApi(['apply', 'topo.yaml']).out, new RegExp(`^${id}: unchanged \\(eth0\\)\n$`));
    assert.ok(links().includes(br));
    assert.equal(viaApi(['delete', 'topo.yaml']).out, `${id}: removed (eth0)\n`);
    assert.equal(viaApi(['delete', 'topo.yaml']).out, `${id}: nothing to remove\n`);
    assert.ok(!links().includes(br));
    await waitFor(
      () => d.log().includes('"method":"TopologyService/ApplyTopology","code":"OK"'),
      'the call log',
    );
    assert.equal(await d.stop(), 0);
  });
});
