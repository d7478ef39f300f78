// Fault injection with real runc and real plugins; every case ends with a leak audit.
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { leakAudit } from '../helpers/audit';
import { bridgeNetwork, iptablesGuard, leases } from '../helpers/cni';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { circuit, tmpDir, trySh } from '../helpers/sys';

let rootfs = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault injection (runc + plugins)', { timeout: 240_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  it('a plugin failing mid-chain: runc refuses, the chain is undone', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir, {
      extra: [{ type: 'circuit-test', failOn: ['ADD'] }, { type: 'tuning' }],
    });
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file });
    const r = await rc.run(a.id, a.bundle);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /plugin circuit-test \(ADD\) \[CNI error 7\]: injected ADD failure/);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
  });

  it('SIGKILL of the hook at random points during ADD, then gc', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir, { extra: [{ type: 'circuit-test', sleepMs: 150 }] });
    const rc = runcEnv(t, dir, rootfs);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = rc.bundle({ cniConf: net.file });
      ids.push(a.id);
      const running = rc.run(a.id, a.bundle);
      await sleep(Math.floor(Math.random() * 350));
      const pids = trySh(['pgrep', '-f', `hook createRuntime --state-dir ${rc.stateDir}`]).out.trim();
      for (const pid of pids.split('\n').filter(Boolean)) trySh(['kill', '-9', pid]);
      const r = await running;
      if (r.code === 0) rc.del(a.id); // the hook finished before the kill: a normal lifecycle
      await sleep(200); // an orphaned plugin child may still be finishing
    }
    const gc = circuit(['gc'], { stateDir: rc.stateDir });
    assert.equal(gc.code, 0, gc.err + gc.out);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: ids, runc: rc });
  });

  it('poststop with no state, and twice', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir);
    const stateDir = join(dir, 'never-used');
    const r = circuit(['hook', 'poststop', '--state-dir', stateDir], {
      input: JSON.stringify({ ociVersion: '1.0.2', id: 'ghost', status: 'stopped', bundle: dir }),
      env: { CNI_CONF: net.file },
    });
    assert.equal(r.code, 0, r.err);
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file });
    assert.equal((await rc.run(a.id, a.bundle)).code, 0);
    assert.equal(rc.del(a.id).code, 0);
    const again = circuit(['hook', 'poststop', '--state-dir', rc.stateDir], {
      input: JSON.stringify({ ociVersion: '1.0.2', id: a.id, status: 'stopped', bundle: a.bundle }),
    });
    assert.equal(again.code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
  });

  it('a lock left behind by a killed hook does not wedge the next start', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir);
    const rc = runcEnv(t, dir, rootfs);
    mkdirSync(join(rc.stateDir, 'lock'), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(rc.stateDir, 'lock'), old, old);
    const a = rc.bundle({ cniConf: net.file });
    const t0 = Date.now();
    const r = await rc.run(a.id, a.bundle);
    assert.equal(r.code, 0, r.err);
    assert.ok(Date.now() - t0 < 5000, 'started promptly');
    assert.equal(rc.del(a.id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
  });

  it('a corrupt state file: the hook fails clearly, gc repairs, nothing leaks', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir);
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file });
    assert.equal((await rc.run(a.id, a.bundle)).code, 0);
    writeFileSync(join(rc.stateDir, 'containers', `${a.id}.json`), '{"id": "');
    const st = JSON.stringify({ ociVersion: '1.0.2', id: a.id, status: 'stopped', bundle: a.bundle });
    const bad = circuit(['hook', 'poststop', '--state-dir', rc.stateDir], { input: st });
    assert.equal(bad.code, 6);
    assert.match(bad.err, /^circuit: state file .* is corrupt \(not JSON\); run "circuit gc" to repair\n$/);
    assert.equal(rc.del(a.id).code, 0, 'runc ignores poststop failures');
    assert.equal(leases(net).length, 1, 'the lease is still held');
    const gc = circuit(['gc'], { stateDir: rc.stateDir });
    assert.equal(gc.code, 0, gc.err);
    assert.match(gc.out, /removed corrupt record/);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
  });

  it('runc kill -9 then runc delete --force', async (t) => {
    iptablesGuard(t);
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir, {
      extra: [{ type: 'portmap', capabilities: { portMappings: true }, snat: false }],
    });
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file, annotations: { 'io.circuit.ports': '18181:80/tcp' } });
    assert.equal((await rc.run(a.id, a.bundle)).code, 0);
    trySh(['runc', '--root', rc.root, 'kill', a.id, 'KILL']);
    await sleep(100);
    assert.equal(rc.del(a.id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
  });
});
