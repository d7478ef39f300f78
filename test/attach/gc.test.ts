// gc repairs: corrupt records, orphan cache entries, dead containers (real plugins, real netns).
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { leakAudit } from '../helpers/audit';
import { addrsIn, bridgeNetwork, leases } from '../helpers/cni';
import { ociBundle } from '../helpers/oci';
import { circuit, netns, sh, tmpDir } from '../helpers/sys';

describe('circuit gc', () => {
  it('releases attachments whose netns is gone and keeps live ones', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    const live = netns(t);
    const dead = netns(t);
    const a = ociBundle(dir, { netnsPath: live.path });
    const b = ociBundle(dir, { netnsPath: dead.path });
    for (const x of [a, b])
      assert.equal(
        circuit(['hook', 'createRuntime'], { stateDir, input: x.state(), env: { CNI_CONF: net.file } }).code,
        0,
      );
    sh(['ip', 'netns', 'del', dead.name]);
    const gc = circuit(['gc'], { stateDir });
    assert.equal(gc.code, 0, gc.err);
    assert.match(gc.out, new RegExp(`released ${b.id} from ${net.name}`));
    assert.equal(leases(net).length, 1);
    assert.equal(addrsIn(live.name, 'eth0').length, 1, 'live container untouched');
    assert.deepEqual(readdirSync(join(stateDir, 'containers')), [`${a.id}.json`]);
    assert.equal(circuit(['hook', 'poststop'], { stateDir, input: a.state('stopped') }).code, 0);
    leakAudit({ stateDir, nets: [net], containerIds: [a.id, b.id] });
  });

  it('a corrupt record is a clear error, and gc repairs it from the CNI cache', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    const ns = netns(t);
    const a = ociBundle(dir, { netnsPath: ns.path });
    assert.equal(
      circuit(['hook', 'createRuntime'], { stateDir, input: a.state(), env: { CNI_CONF: net.file } }).code,
      0,
    );
    writeFileSync(join(stateDir, 'containers', `${a.id}.json`), '{"id": "trunc');
    const ips = circuit(['network', 'ips', a.id], { stateDir });
    assert.equal(ips.code, 6);
    assert.match(ips.err, /corrupt.*run "circuit gc" to repair/);
    const gc = circuit(['gc'], { stateDir });
    assert.equal(gc.code, 0, gc.err);
    assert.match(gc.out, /rebuilt corrupt record/);
    assert.match(circuit(['network', 'ips', a.id], { stateDir }).out, new RegExp(net.prefix));
    // corrupt again, now with the container gone: gc releases the lease
    writeFileSync(join(stateDir, 'containers', `${a.id}.json`), 'garbage');
    sh(['ip', 'netns', 'del', ns.name]);
    const gc2 = circuit(['gc'], { stateDir });
    assert.equal(gc2.code, 0, gc2.err);
    assert.match(gc2.out, /removed corrupt record/);
    leakAudit({ stateDir, nets: [net], containerIds: [a.id] });
  });

  it('a lost record is rebuilt while the netns lives; a corrupt cache file is removed', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    const ns = netns(t);
    const a = ociBundle(dir, { netnsPath: ns.path });
    assert.equal(
      circuit(['hook', 'createRuntime'], { stateDir, input: a.state(), env: { CNI_CONF: net.file } }).code,
      0,
    );
    sh(['rm', join(stateDir, 'containers', `${a.id}.json`)]);
    writeFileSync(join(stateDir, 'cache/results', 'junk'), '{');
    const gc = circuit(['gc'], { stateDir });
    assert.equal(gc.code, 0, gc.err);
    assert.match(gc.out, /removed corrupt cache file junk/);
    assert.match(gc.out, /rebuilt missing record/);
    assert.equal(addrsIn(ns.name, 'eth0').length, 1, 'live container untouched');
    sh(['rm', join(stateDir, 'containers', `${a.id}.json`)]);
    sh(['ip', 'netns', 'del', ns.name]);
    const gc2 = circuit(['gc'], { stateDir });
    assert.equal(gc2.code, 0, gc2.err);
    assert.match(gc2.out, new RegExp(`released ${a.id}`));
    leakAudit({ stateDir, nets: [net], containerIds: [a.id] });
  });
});
