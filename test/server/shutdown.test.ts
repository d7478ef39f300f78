// SIGTERM with a plugin call stuck for 120 s: the daemon exits within 6 s, the plugin's whole
// process group is killed, and `circuit gc` undoes what the call left.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { leakAudit } from '../helpers/audit';
import { bridgeNetwork, leases } from '../helpers/cni';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { startDaemon, waitFor } from '../helpers/server';
import { CIRCUIT_BIN, CNI_PATH, circuit, spawnCollect, tmpDir, trySh } from '../helpers/sys';

let rootfs = '';

function cliAsync(args: string[]) {
  return spawnCollect([process.execPath, CIRCUIT_BIN, ...args], { ...process.env, CNI_PATH });
}

describe('daemon shutdown', { timeout: 120_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  it('SIGTERM during a Connect stuck in a 120 s plugin: exit within 6 s, group killed, gc undoes it', async (t) => {
    const dir = tmpDir(t);
    const rc = runcEnv(t, dir, rootfs);
    // a unique sleep length names the plugin's grandchild
    const hangMs = 120_000 + Math.floor(Math.random() * 900) + 1;
    const sleepArg = String(hangMs / 1000);
    const rec = `${dir}/rec`;
    const net = bridgeNetwork(t, dir, {
      extra: [{ type: 'circuit-test', hangOn: ['ADD'], hangMs, recordDir: rec }],
    });
    assert.equal(circuit(['network', 'create', net.file], { stateDir: rc.stateDir }).code, 0);
    const d = await startDaemon(t, dir, rc.stateDir, [], { runcRoot: rc.root });
    const c = rc.bundle({ hooks: false });
    assert.equal((await rc.run(c.id, c.bundle)).code, 0);
    const call = cliAsync(['--address', d.address, 'network', 'connect', c.id, net.name]);
    await waitFor(() => existsSync(rec) && readdirSync(rec).length === 1, 'the stuck ADD', 10_000);
    assert.equal(leases(net).length, 1, 'the bridge ADD before it got its lease');
    assert.equal(trySh(['pgrep', '-f', `^sleep ${sleepArg}$`]).code, 0, 'the grandchild runs');
    const started = Date.now();
    const code = await d.stop();
    const ms = Date.now() - started;
    assert.equal(code, 0, d.log());
    t.diagnostic(`exited ${ms} ms after SIGTERM`);
    assert.ok(ms < 6000, `exited after ${ms} ms`);
    assert.ok(ms >= 4500, `drained until the deadline (${ms} ms)`);
    assert.match(d.log(), /killed plugin and tool calls still running at the deadline/);
    assert.equal(trySh(['pgrep', '-f', `^sleep ${sleepArg}$`]).code, 1, "the plugin's whole group is gone");
    const r = await call;
    assert.notEqual(r.code, 0, 'the client sees the call fail');
    // what the call left: a lease, a veth, a recorded attachment, an unfinished record
    assert.equal(leases(net).length, 1);
    assert.equal(readdirSync(rec).length, 1);
    const gc = circuit(['gc'], { stateDir: rc.stateDir });
    assert.equal(gc.code, 0, gc.out + gc.err);
    assert.match(gc.out, new RegExp(`released ${c.id} from ${net.name}`));
    assert.deepEqual(readdirSync(rec), [], 'the plugin DEL ran');
    assert.equal(rc.del(c.id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [c.id], runc: rc });
  });
});
