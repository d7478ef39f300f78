// Podman 5 injects a hooks.d `prestart` hook as `createRuntime`. No podman 5 here: runc runs a
// bundle laid out as podman's (…/vfs-containers/<id>/userdata, containers.json next to it) with
// the hooks from circuit's installed files placed where podman 5 puts them.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { leakAudit } from '../helpers/audit';
import { bridgeNetwork } from '../helpers/cni';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { CIRCUIT_BIN, CNI_PATH, circuit, defer, tmpDir, uid } from '../helpers/sys';

describe('podman 5 stage (createRuntime) with runc', { timeout: 60_000 }, () => {
  it("circuit's prestart file at createRuntime attaches; the name comes from containers.json; poststop releases", async (t) => {
    const dir = tmpDir(t);
    const r = runcEnv(t, dir, busyboxRootfs(dir));
    const net = bridgeNetwork(t, dir);
    const cli = (args: string[]) => circuit(args, { stateDir: r.stateDir });
    assert.equal(cli(['network', 'create', net.file]).code, 0);
    const hooksDir = join(dir, 'hooks.d');
    const inst = circuit(
      ['hooks', 'install', '--dir', hooksDir, '--state-dir', r.stateDir, '--bin', CIRCUIT_BIN],
      { env: { CNI_PATH } },
    );
    assert.equal(inst.code, 0, inst.err);
    const hookOf = (file: string) =>
      (JSON.parse(readFileSync(join(hooksDir, file), 'utf8')) as { hook: unknown; stages: string[] }).hook;

    const id = uid(32);
    const name = 'web5';
    const storage = join(dir, 'graph/vfs-containers');
    const bundle = join(storage, id, 'userdata');
    mkdirSync(join(storage, id), { recursive: true });
    writeFileSync(join(storage, 'containers.json'), JSON.stringify([{ id, names: [name], image: 'x' }]));
    const made = r.bundle({
      id,
      hooks: false,
      annotations: { 'io.container.manager': 'libpod', 'io.circuit.network': net.name },
    });
    renameSync(made.bundle, bundle);
    const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    config.hooks = {
      createRuntime: [hookOf('circuit-prestart.json')],
      poststop: [hookOf('circuit-poststop.json')],
    };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    defer(t, () => void r.del(id));

    const run = await r.run(id, bundle);
    assert.equal(run.code, 0, run.err);
    const ips = cli(['network', 'ips', name, '--json']);
    assert.equal(ips.code, 0, ips.err);
    const ip = (JSON.parse(ips.out) as { ip: string }[])[0]?.ip ?? '';
    assert.ok(ip.startsWith(`${net.prefix}.`), ips.out);
    assert.match(
      r.exec(id, ['ip', '-4', '-o', 'addr', 'show', 'eth0']).out,
      new RegExp(ip.replace(/\./g, '\\.')),
    );
    const rec = JSON.parse(readFileSync(join(r.stateDir, 'containers', `${id}.json`), 'utf8'));
    assert.deepEqual([rec.source, rec.name], ['podman', name]);
    const log = readFileSync(join(r.stateDir, 'hook.log'), 'utf8');
    assert.match(log, /"stage":"prestart","action":"add"/);

    assert.equal(r.del(id).code, 0);
    leakAudit({ stateDir: r.stateDir, nets: [net], containerIds: [id], runc: r });
  });

  it('without containers.json the name is the short id', async (t) => {
    const dir = tmpDir(t);
    const r = runcEnv(t, dir, busyboxRootfs(dir));
    const net = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir: r.stateDir }).code, 0);
    const id = uid(32);
    const b = r.bundle({
      id,
      stage: 'createRuntime',
      annotations: { 'io.container.manager': 'libpod', 'io.circuit.network': net.name },
    });
    defer(t, () => void r.del(id));
    const run = await r.run(id, b.bundle);
    assert.equal(run.code, 0, run.err);
    const ips = circuit(['network', 'ips', id.slice(0, 12)], { stateDir: r.stateDir });
    assert.equal(ips.code, 0, ips.err);
    const rec = JSON.parse(readFileSync(join(r.stateDir, 'containers', `${id}.json`), 'utf8'));
    assert.equal(rec.name, id.slice(0, 12));
    assert.equal(r.del(id).code, 0);
    leakAudit({ stateDir: r.stateDir, nets: [net], containerIds: [id], runc: r });
  });
});
