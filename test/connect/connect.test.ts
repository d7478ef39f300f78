// The connect use-case (hook, API and containerd share it): when a container's QoS cannot be
// applied its new attachments are undone; an undo that fails is reported with the first error.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ociBundle } from '../helpers/oci';
import { failingDelNetwork } from '../helpers/rollback';
import { circuit, netns, tmpDir } from '../helpers/sys';

describe('connect use-case', { timeout: 60_000 }, () => {
  it('QoS that cannot be applied undoes the attach; a failed undo is reported (hook log, stderr)', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = failingDelNetwork(dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    // ingress shaping needs a host-side device, which this plugin's result does not have
    assert.equal(circuit(['network', 'qos', 'set', net.name, '--rate', '1mbit'], { stateDir }).code, 0);
    const ns = netns(t);
    const b = ociBundle(dir, { netnsPath: ns.path, annotations: { 'io.circuit.network': net.name } });
    const r = circuit(['hook', 'createRuntime'], { stateDir, input: b.state() });
    assert.equal(r.code, 3, r.err);
    assert.equal(r.err.split('\n').filter(Boolean).length, 1, `one line: ${r.err}`);
    assert.match(r.err, /^circuit: container \S+ on network \S+: no host-side device/);
    assert.match(r.err, /; rollback also failed: detaching \S+ from \S+: .*injected DEL failure/);
    const log = readFileSync(join(stateDir, 'hook.log'), 'utf8').trim().split('\n');
    const last = JSON.parse(log[log.length - 1] ?? '{}') as {
      ok: boolean;
      error: string;
      rollback?: string[];
    };
    assert.equal(last.ok, false);
    assert.match(last.error, /no host-side device/);
    assert.equal(last.rollback?.length, 1);
    assert.match(last.rollback?.[0] ?? '', /injected DEL failure/);
    const rec = JSON.parse(readFileSync(join(stateDir, 'containers', `${b.id}.json`), 'utf8')) as {
      attachments: { status: string }[];
    };
    assert.deepEqual(
      rec.attachments.map((a) => a.status),
      ['failed'],
      'the attachment that could not be undone is kept for gc',
    );
  });

  it('the host network namespace is refused on every way in (hook, network connect by pid)', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    // a plugin that makes no kernel objects: were the refusal missing, nothing on the host changes
    const net = failingDelNetwork(dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    const b = ociBundle(dir, {
      netnsPath: `/proc/${process.pid}/ns/net`, // this test runs in the host's netns
      annotations: { 'io.circuit.network': net.name },
    });
    const hook = circuit(['hook', 'createRuntime'], { stateDir, input: b.state() });
    assert.equal(hook.code, 2, hook.err);
    assert.match(
      hook.err,
      /^circuit: container \S+ shares the host network namespace; circuit will not attach it\n$/,
    );
    // this test process runs in the host's network namespace
    const cli = circuit(['network', 'connect', String(process.pid), net.name], { stateDir });
    assert.equal(cli.code, 2, cli.err);
    assert.match(
      cli.err,
      /^circuit: container \S+ shares the host network namespace; circuit will not attach it\n$/,
    );
    assert.equal(existsSync(net.recordDir) ? readdirSync(net.recordDir).length : 0, 0, 'no plugin ran');
    const records = existsSync(join(stateDir, 'containers')) ? readdirSync(join(stateDir, 'containers')) : [];
    assert.deepEqual(records, [], 'no container record');
  });
});
