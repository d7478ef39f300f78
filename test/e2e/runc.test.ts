// End-to-end: real runc, busybox rootfs, circuit as createRuntime/poststop hook.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { leakAudit } from '../helpers/audit';
import { addrsIn, bridgeNetwork, leases } from '../helpers/cni';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { CIRCUIT_EXE, circuit, sh, tmpDir, trySh } from '../helpers/sys';

let rootfs = '';
describe('runc end-to-end', { timeout: 120_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  function ipOf(stateDir: string, id: string): string {
    const r = circuit(['network', 'ips', id, '--json'], { stateDir });
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { ip: string }[])[0]?.ip ?? '';
  }

  it('two containers get addresses and ping each other; poststop frees everything', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir);
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file });
    const b = rc.bundle({ cniConf: net.file });
    for (const c of [a, b]) {
      const r = await rc.run(c.id, c.bundle);
      assert.equal(r.code, 0, r.err);
    }
    const ipA = ipOf(rc.stateDir, a.id);
    const ipB = ipOf(rc.stateDir, b.id);
    assert.ok(ipA.startsWith(`${net.prefix}.`) && ipB.startsWith(`${net.prefix}.`));
    assert.notEqual(ipA, ipB);
    const inside = rc.exec(a.id, ['ip', '-o', '-4', 'addr', 'show', 'eth0']);
    assert.match(inside.out, new RegExp(ipA.replace(/\./g, '\\.')));
    const ping = rc.exec(a.id, ['ping', '-c', '2', '-W', '2', ipB]);
    assert.equal(ping.code, 0, ping.out + ping.err);
    assert.equal(leases(net).length, 2);
    for (const c of [a, b]) assert.equal(rc.del(c.id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id, b.id], runc: rc });
    const log = readFileSync(join(rc.stateDir, 'hook.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(log.length, 4);
    assert.ok(log.every((l) => l.ok === true && typeof l.ms === 'number'));
  });

  it('the standalone executable works as the hook and the CLI', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir);
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file, bin: CIRCUIT_EXE });
    const b = rc.bundle({ cniConf: net.file, bin: CIRCUIT_EXE });
    for (const c of [a, b]) {
      const r = await rc.run(c.id, c.bundle);
      assert.equal(r.code, 0, r.err);
    }
    const ips = JSON.parse(
      sh([CIRCUIT_EXE, 'network', 'ips', b.id, '--json', '--state-dir', rc.stateDir]),
    ) as { ip: string }[];
    const ping = rc.exec(a.id, ['ping', '-c', '1', '-W', '2', ips[0]?.ip ?? '']);
    assert.equal(ping.code, 0, ping.out + ping.err);
    for (const c of [a, b]) assert.equal(rc.del(c.id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id, b.id], runc: rc });
    const bad = trySh([CIRCUIT_EXE, 'network', 'bogus', '--state-dir', rc.stateDir]);
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'circuit: unknown command "network bogus" (see circuit --help)\n');
  });

  it('the prestart stage works too, and a second poststop is a no-op', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir);
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file, stage: 'prestart' });
    assert.equal((await rc.run(a.id, a.bundle)).code, 0);
    assert.ok(ipOf(rc.stateDir, a.id).startsWith(net.prefix));
    assert.equal(rc.del(a.id).code, 0);
    const again = circuit(['hook', 'poststop', '--state-dir', rc.stateDir], {
      input: JSON.stringify({ ociVersion: '1.0.2', id: a.id, status: 'stopped', bundle: a.bundle }),
      env: { CNI_CONF: net.file },
    });
    assert.equal(again.code, 0, again.err);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
  });

  it('a missing plugin makes runc refuse the container and leaves nothing behind', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir, { extra: [{ type: 'no-such-plugin' }] });
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file });
    const r = await rc.run(a.id, a.bundle);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /failed to find plugin \\?"no-such-plugin\\?"/);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
    const log = readFileSync(join(rc.stateDir, 'hook.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(log[0].ok, false);
    assert.match(log[0].error, /no-such-plugin/);
  });

  it('an exhausted subnet refuses the second container cleanly', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir, { onlyHost: 10 });
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file });
    const b = rc.bundle({ cniConf: net.file });
    assert.equal((await rc.run(a.id, a.bundle)).code, 0);
    const r = await rc.run(b.id, b.bundle);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /plugin bridge \(ADD\).*no IP addresses available/);
    assert.deepEqual(rc.list(), [a.id]);
    assert.equal(leases(net).length, 1);
    assert.equal(rc.del(a.id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id, b.id], runc: rc });
  });

  it('32 containers started in parallel all get distinct addresses', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir);
    const rc = runcEnv(t, dir, rootfs);
    const cs = Array.from({ length: 32 }, () => rc.bundle({ cniConf: net.file }));
    const results = await Promise.all(cs.map((c) => rc.run(c.id, c.bundle)));
    assert.deepEqual(
      results.filter((r) => r.code !== 0).map((r) => r.err),
      [],
    );
    const ips = cs.map((c) => ipOf(rc.stateDir, c.id));
    assert.equal(new Set(ips).size, 32);
    assert.equal(leases(net).length, 32);
    await Promise.all(cs.map(async (c) => rc.del(c.id)));
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: cs.map((c) => c.id), runc: rc });
  });

  it('a hook SIGKILLed mid-ADD, then circuit gc, leaves nothing behind', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir, { extra: [{ type: 'circuit-test', sleepMs: 4000 }] });
    const rc = runcEnv(t, dir, rootfs);
    const a = rc.bundle({ cniConf: net.file });
    const running = rc.run(a.id, a.bundle);
    const deadline = Date.now() + 10_000;
    while (leases(net).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(leases(net).length, 1, 'bridge ADD done, circuit-test still running');
    const pids = trySh(['pgrep', '-f', `hook createRuntime --state-dir ${rc.stateDir}`]).out.trim();
    assert.ok(pids, 'hook process found');
    for (const pid of pids.split('\n')) process.kill(Number(pid), 'SIGKILL');
    const r = await running;
    assert.notEqual(r.code, 0, 'runc refused the container');
    const gc = circuit(['gc'], { stateDir: rc.stateDir });
    assert.equal(gc.code, 0, gc.err + gc.out);
    assert.match(gc.out, /released/);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
  });

  it('network connect/disconnect a running container by id and by pid', async (t) => {
    const dir = tmpDir(t);
    const net = bridgeNetwork(t, dir);
    const rc = runcEnv(t, dir, rootfs);
    assert.equal(circuit(['network', 'create', net.file], { stateDir: rc.stateDir }).code, 0);
    const a = rc.bundle({ hooks: false });
    assert.equal((await rc.run(a.id, a.bundle)).code, 0);
    const con = circuit(['network', 'connect', a.id, net.name, '--runc-root', rc.root], {
      stateDir: rc.stateDir,
    });
    assert.equal(con.code, 0, con.err);
    assert.match(
      con.out,
      new RegExp(`connected container ${a.id} to network ${net.name} with ip=${net.prefix}`),
    );
    assert.match(rc.exec(a.id, ['ip', '-o', 'addr', 'show', 'eth0']).out, new RegExp(net.prefix));
    const again = circuit(['network', 'connect', a.id, net.name, '--runc-root', rc.root], {
      stateDir: rc.stateDir,
    });
    assert.match(again.out, /already connected/);
    const dis = circuit(['network', 'disconnect', a.id, net.name], { stateDir: rc.stateDir });
    assert.equal(dis.code, 0, dis.err);
    assert.notEqual(rc.exec(a.id, ['ip', 'link', 'show', 'eth0']).code, 0, 'eth0 gone');
    const pid = JSON.parse(sh(['runc', '--root', rc.root, 'state', a.id])).pid as number;
    const byPid = circuit(['network', 'connect', String(pid), net.name, '--runc-root', rc.root], {
      stateDir: rc.stateDir,
    });
    assert.equal(byPid.code, 0, byPid.err);
    assert.match(circuit(['network', 'ips', a.id], { stateDir: rc.stateDir }).out, /eth0/);
    assert.equal(circuit(['network', 'delete', net.name], { stateDir: rc.stateDir }).code, 4, 'in use');
    const del = circuit(['network', 'delete', net.name, '--force'], { stateDir: rc.stateDir });
    assert.equal(del.code, 0, del.err);
    assert.equal(rc.del(a.id).code, 0);
    leakAudit({ stateDir: rc.stateDir, nets: [net], containerIds: [a.id], runc: rc });
    assert.ok(addrsIn);
  });
});
