// A `qos set` that fails half way puts the old settings back; when that restore fails too, the
// user is told (the first error stays the reason and the exit code).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { qosLab } from '../helpers/qos';
import { failingTc } from '../helpers/rollback';
import { circuit } from '../helpers/sys';

describe('qos set rollback', { timeout: 60_000 }, () => {
  it('a failed restore of the previous settings is reported, not dropped', (t) => {
    const lab = qosLab(t, 2);
    // the first attachment's two devices are programmed, the third batch fails, so do the restores
    const tc = failingTc(lab.dir, 2);
    const r = circuit(['network', 'qos', 'set', lab.net.name, '--rate', '9mbit'], {
      stateDir: lab.stateDir,
      env: { PATH: tc.path },
    });
    assert.equal(r.code, 5, r.err);
    assert.equal(r.err.split('\n').filter(Boolean).length, 1, `one line: ${r.err}`);
    assert.match(
      r.err,
      /^circuit: tc on host-side \S+: RTNETLINK answers: Operation not permitted \(injected, call 3\)/,
    );
    assert.match(
      r.err,
      /; rollback also failed: restoring QoS of container \S+ on \S+: tc on \S+-side \S+: .*injected, call 4/,
    );
    assert.ok(tc.calls() >= 4, 'the restore was attempted');
    assert.equal(existsSync(join(lab.stateDir, 'qos', `${lab.net.name}.json`)), false, 'nothing stored');
  });
});
