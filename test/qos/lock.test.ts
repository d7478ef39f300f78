// QoS kernel work runs outside the global state lock: a `qos set` whose tc takes 3 s does not
// hold up a container start; two changes of one network's QoS still run one after the other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { ociBundle } from '../helpers/oci';
import { qosLab } from '../helpers/qos';
import { circuit, defer, netns } from '../helpers/sys';
import { circuitAsync, pathWith, toolWrapper, waitForFile } from '../helpers/wrappers';

describe('qos and the state lock (host kernel)', { timeout: 120_000 }, () => {
  it('qos set with a tc that sleeps 3 s: a concurrent hook ADD finishes in under 1 s', async (t) => {
    const lab = qosLab(t, 1);
    // the container started meanwhile joins another network (one without QoS settings)
    const other = bridgeNetwork(t, lab.dir);
    assert.equal(lab.cli(['network', 'create', other.file]).code, 0);
    const mark = join(lab.dir, 'tc-running');
    const bin = toolWrapper(lab.dir, 'tc', `case "$*" in *-batch*) touch ${mark}; sleep 3;; esac`);
    const set = circuitAsync(['network', 'qos', 'set', lab.net.name, '--rate', '20mbit'], {
      stateDir: lab.stateDir,
      env: { PATH: pathWith(bin) },
    });
    await waitForFile(mark);

    const ns = netns(t);
    const b = ociBundle(lab.dir, { netnsPath: ns.path, annotations: { 'io.circuit.network': other.name } });
    defer(t, () => void circuit(['hook', 'poststop'], { stateDir: lab.stateDir, input: b.state('stopped') }));
    const add = await circuitAsync(['hook', 'createRuntime'], { stateDir: lab.stateDir, input: b.state() });
    assert.equal(add.code, 0, add.err);
    t.diagnostic(`hook ADD ${Math.round(add.ms)} ms while tc slept`);
    assert.ok(add.ms < 1000, `hook ADD took ${Math.round(add.ms)} ms while tc slept`);

    const done = await set;
    assert.equal(done.code, 0, done.err);
    assert.ok(done.ms >= 3000, `qos set took ${Math.round(done.ms)} ms (its tc sleeps 3 s)`);
    const show = JSON.parse(lab.cli(['network', 'qos', 'show', lab.net.name, '--json']).out) as {
      status: string;
    }[];
    assert.ok(show.length > 0 && show.every((r) => r.status === 'ok'), JSON.stringify(show));
  });

  it("two qos set on one network run one after the other (the network's own lock)", async (t) => {
    const lab = qosLab(t, 1);
    const log = join(lab.dir, 'tc.log');
    const bin = toolWrapper(
      lab.dir,
      'tc',
      `case "$*" in *-batch*) echo "start $PPID" >> ${log}; sleep 1; echo "end $PPID" >> ${log};; esac`,
    );
    const env = { PATH: pathWith(bin) };
    const [a, b] = await Promise.all([
      circuitAsync(['network', 'qos', 'set', lab.net.name, '--rate', '20mbit'], {
        stateDir: lab.stateDir,
        env,
      }),
      circuitAsync(['network', 'qos', 'set', lab.net.name, '--rate', '30mbit'], {
        stateDir: lab.stateDir,
        env,
      }),
    ]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    // each tc call starts after the one before it ended: no two batches overlap
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 8, lines.join('\n'));
    for (let i = 0; i < lines.length; i += 2) {
      assert.match(lines[i] ?? '', /^start /, lines.join('\n'));
      assert.match(lines[i + 1] ?? '', /^end /, lines.join('\n'));
    }
  });
});
