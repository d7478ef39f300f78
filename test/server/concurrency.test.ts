// Hooks and API clients at once on one state dir; the daemon SIGKILLed mid-call and restarted.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { leakAudit } from '../helpers/audit';
import { bridgeNetwork, leases } from '../helpers/cni';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { startDaemon, waitFor } from '../helpers/server';
import { CIRCUIT_ARGV, CNI_PATH, circuit, spawnCollect, tmpDir } from '../helpers/sys';

let rootfs = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The CLI as a child process (so many can run at once). */
function cliAsync(args: string[]) {
  return spawnCollect([...CIRCUIT_ARGV, ...args], { ...process.env, CNI_PATH });
}

describe('daemon and hooks together', { timeout: 300_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  it('16 hook starts while API clients connect/disconnect others: no duplicate IP, no lost record', async (t) => {
    const dir = tmpDir(t);
    const rc = runcEnv(t, dir, rootfs);
    const net = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir: rc.stateDir }).code, 0);
    const d = await startDaemon(t, dir, rc.stateDir, [], { runcRoot: rc.root });
    const others = [];
    for (let i = 0; i < 4; i++) {
      const c = rc.bundle({ hooks: false });
      assert.equal((await rc.run(c.id, c.bundle)).code, 0);
      others.push(c.id);
    }
    const hooked = Array.from({ length: 16 }, () => rc.bundle({ cniConf: net.name }));
    const api = (args: string[]) => cliAsync(['--address', d.address, ...args]);
    const churn = others.map(async (id) => {
      for (let round = 0; round < 3; round++) {
        const c = await api(['network', 'connect', id, net.name]);
        assert.equal(c.code, 0, c.err);
        const x = await api(['network', 'disconnect', id, net.name]);
        assert.equal(x.code, 0, x.err);
      }
      const c = await api(['network', 'connect', id, net.name]);
      assert.equal(c.code, 0, c.err);
    });
    const starts = hooked.map(async (c) => {
      const r = await rc.run(c.id, c.bundle);
      assert.equal(r.code, 0, r.err);
    });
    await Promise.all([...churn, ...starts]);
    const all = [...hooked.map((c) => c.id), ...others];
    const ips = all.map((id) => {
      const r = circuit(['--address', d.address, 'network', 'ips', id, '--json']);
      assert.equal(r.code, 0, `${id}: ${r.err}`);
      const rows = JSON.parse(r.out) as { ip: string; status: string }[];
      assert.equal(rows.length, 1, `${id} has one attachment`);
      assert.equal(rows[0]?.status, 'attached');
      return rows[0]?.ip ?? '';
    });
    assert.equal(new Set(ips).size, 20, `20 distinct IPs: ${ips.join(' ')}`);
    assert.equal(leases(net).length, 20, 'one lease per attachment');
    for (const id of all) assert.equal(rc.del(id).code, 0);
    // the API-connected containers had no poststop hook: gc through the daemon releases them
    const gc = circuit(['--address', d.address, 'gc', '--json']);
    assert.equal(gc.code, 0, gc.err);
    assert.equal((JSON.parse(gc.out) as { released: unknown[] }).released.length, 4);
    assert.equal(await d.stop(), 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: all, runc: rc });
  });

  it('SIGKILL mid-Connect, restart, gc through the API: nothing leaked', async (t) => {
    const dir = tmpDir(t);
    const rc = runcEnv(t, dir, rootfs);
    const net = bridgeNetwork(t, dir, {
      extra: [{ type: 'circuit-test', sleepMs: 1500, recordDir: `${dir}/rec` }],
    });
    assert.equal(circuit(['network', 'create', net.file], { stateDir: rc.stateDir }).code, 0);
    const d = await startDaemon(t, dir, rc.stateDir, [], { runcRoot: rc.root });
    const c = rc.bundle({ hooks: false });
    assert.equal((await rc.run(c.id, c.bundle)).code, 0);
    const call = cliAsync(['--address', d.address, 'network', 'connect', c.id, net.name]);
    await waitFor(() => leases(net).length === 1, 'the bridge plugin ADD', 10_000);
    await sleep(200);
    await d.kill();
    const r = await call;
    assert.notEqual(r.code, 0, 'the client sees the call fail');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    const again = await startDaemon(t, dir, rc.stateDir, [], { runcRoot: rc.root });
    await sleep(1500); // the orphaned plugin child finishes its sleep
    const gc = circuit(['--address', again.address, 'gc']);
    assert.equal(gc.code, 0, gc.out + gc.err);
    assert.match(gc.out, new RegExp(`released ${c.id} from ${net.name}`));
    assert.equal(rc.del(c.id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [c.id], runc: rc });
    assert.equal(await again.stop(), 0);
  });
});
