// The real binary's network commands against a test state dir (no containers needed).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { circuit, tmpDir } from '../helpers/sys';

describe('circuit network (CLI)', () => {
  it('create, list, inspect, delete (seed 001 forms) with idempotent create and delete', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir, { version: '0.2.0', list: false });
    const c = circuit(['network', 'create', net.file], { stateDir });
    assert.equal(c.code, 0, c.err);
    assert.equal(c.out, `network ${net.name} created\n`);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0, 'same config again is fine');
    const list = circuit(['network', 'list'], { stateDir });
    assert.equal(
      list.out,
      `NAME                TYPE                VERSION             PEERS\n${net.name.padEnd(20)}bridge              0.2.0\n`,
    );
    assert.equal(circuit(['network', 'ls', '--json'], { stateDir }).out.includes('"plugins"'), true);
    const insp = JSON.parse(circuit(['network', 'inspect', net.name], { stateDir }).out);
    assert.equal(insp.config.plugins[0].type, 'bridge');
    assert.deepEqual(insp.attachments, []);
    assert.equal(circuit(['network', 'rm', net.name], { stateDir }).out, `${net.name} deleted\n`);
    const again = circuit(['network', 'delete', net.name], { stateDir });
    assert.equal(again.code, 0);
    assert.match(again.out, /does not exist; nothing to delete/);
  });

  it('create NAME FILE (seed 000 form) renames the network', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    const c = circuit(['network', 'create', 'ctr0', net.file], { stateDir });
    assert.equal(c.code, 0, c.err);
    assert.match(circuit(['network', 'list'], { stateDir }).out, /^ctr0\s+bridge\s+1\.0\.0/m);
  });

  it('a conflicting create is refused', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const a = bridgeNetwork(t, dir);
    const b = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', 'same', a.file], { stateDir }).code, 0);
    const r = circuit(['network', 'create', 'same', b.file], { stateDir });
    assert.equal(r.code, 4);
    assert.match(r.err, /already exists with a different config/);
  });

  it('create asks each plugin VERSION', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const file = join(dir, 'x.conflist');
    writeFileSync(file, JSON.stringify({ cniVersion: '1.1.0', name: 'x', plugins: [{ type: 'bridge' }] }));
    const r = circuit(['network', 'create', file], { stateDir });
    assert.equal(r.code, 5);
    assert.match(r.err, /plugin bridge does not support cniVersion 1\.1\.0/);
    const missing = join(dir, 'y.conflist');
    writeFileSync(missing, JSON.stringify({ cniVersion: '1.0.0', name: 'y', plugins: [{ type: 'nope' }] }));
    assert.match(circuit(['network', 'create', missing], { stateDir }).err, /failed to find plugin "nope"/);
    assert.equal(circuit(['network', 'create', missing, '--skip-plugin-check'], { stateDir }).code, 0);
  });

  it('help on every command, and the overview', () => {
    const o = circuit(['--help']);
    assert.equal(o.code, 0);
    for (const w of ['network create', 'network connect', 'gc', 'check', 'Exit codes'])
      assert.ok(o.out.includes(w), w);
    for (const cmd of [['network', 'create'], ['network', 'list'], ['network', 'ips'], ['gc'], ['check']]) {
      const h = circuit([...cmd, '--help']);
      assert.equal(h.code, 0);
      assert.match(h.out, /^usage: circuit /);
    }
    assert.match(circuit(['network', '--help']).out, /network connect/);
  });

  it('ips and inspect of unknown things are "not found" (exit 3)', (t) => {
    const stateDir = join(tmpDir(t), 'state');
    assert.equal(circuit(['network', 'ips', 'ghost'], { stateDir }).code, 3);
    assert.equal(circuit(['network', 'inspect', 'ghost'], { stateDir }).code, 3);
    assert.equal(circuit(['check', 'ghost'], { stateDir }).code, 3);
  });
});
