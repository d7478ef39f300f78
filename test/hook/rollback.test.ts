// The hook refuses a container whose topology cannot be built and undoes its CNI attachments;
// when that undo fails, stderr and the hook log say so and the first error stays the reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ociBundle } from '../helpers/oci';
import { failingDelNetwork } from '../helpers/rollback';
import { circuit, netns, tmpDir } from '../helpers/sys';

describe('hook rollback', { timeout: 60_000 }, () => {
  it('a failed detach after a topology error is reported, not dropped', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = failingDelNetwork(dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    const ns = netns(t);
    const b = ociBundle(dir, {
      netnsPath: ns.path,
      annotations: { 'io.circuit.network': net.name, 'io.circuit.topology': join(dir, 'missing.yaml') },
    });
    const r = circuit(['hook', 'createRuntime'], { stateDir, input: b.state() });
    assert.equal(r.code, 2, `the topology error (usage) stays the exit reason: ${r.err}`);
    assert.equal(r.err.split('\n').filter(Boolean).length, 1, `one line: ${r.err}`);
    assert.match(r.err, /^circuit: .*missing\.yaml/);
    assert.match(r.err, /; rollback also failed: detaching \S+ from its networks: .*injected DEL failure/);
    const log = readFileSync(join(stateDir, 'hook.log'), 'utf8').trim().split('\n');
    const last = JSON.parse(log[log.length - 1] ?? '{}') as {
      ok: boolean;
      error: string;
      rollback?: string[];
    };
    assert.equal(last.ok, false);
    assert.match(last.error, /missing\.yaml/);
    assert.match(last.rollback?.[0] ?? '', /injected DEL failure/);
  });
});
