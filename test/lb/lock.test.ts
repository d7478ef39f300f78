// LB kernel work runs outside the global state lock: an `lb add` whose nft takes 3 s does not
// hold up a container start; two concurrent `lb add` are serialised by the lb lock and both land.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ociBundle } from '../helpers/oci';
import { qosLab } from '../helpers/qos';
import { circuit, defer, netns, sh } from '../helpers/sys';
import { circuitAsync, pathWith, toolWrapper, waitForFile } from '../helpers/wrappers';

const vip = () => `198.19.${200 + Math.floor(Math.random() * 50)}.${10 + Math.floor(Math.random() * 200)}`;

describe('lb and the state lock (host kernel)', { timeout: 120_000 }, () => {
  it('lb add with an nft that sleeps 3 s: a concurrent hook ADD finishes in under 1 s; two lb add both land', async (t) => {
    const lab = qosLab(t, 0);
    defer(t, () => void lab.cli(['lb', 'clear']));
    const c = lab.cli(['lb', 'create', 'web', `${vip()}:80`, '--backend', 'nftables']);
    assert.equal(c.code, 0, c.err);
    const mark = join(lab.dir, 'nft-running');
    const slow = toolWrapper(lab.dir, 'nft', `case "$*" in *"-f -"*) touch ${mark}; sleep 3;; esac`);
    const env = { PATH: pathWith(slow) };
    const add = circuitAsync(['lb', 'add', 'web', '198.18.250.1:8080'], { stateDir: lab.stateDir, env });
    await waitForFile(mark);

    const ns = netns(t);
    const b = ociBundle(lab.dir, { netnsPath: ns.path, annotations: { 'io.circuit.network': lab.net.name } });
    defer(t, () => void circuit(['hook', 'poststop'], { stateDir: lab.stateDir, input: b.state('stopped') }));
    const hook = await circuitAsync(['hook', 'createRuntime'], { stateDir: lab.stateDir, input: b.state() });
    assert.equal(hook.code, 0, hook.err);
    t.diagnostic(`hook ADD ${Math.round(hook.ms)} ms while nft slept`);
    assert.ok(hook.ms < 1000, `hook ADD took ${Math.round(hook.ms)} ms while nft slept`);
    const added = await add;
    assert.equal(added.code, 0, added.err);
    assert.ok(added.ms >= 3000, `lb add took ${Math.round(added.ms)} ms (its nft sleeps 3 s)`);

    // two at once, each nft call slow: the second waits for the first (lb lock), neither is lost
    const [x, y] = await Promise.all([
      circuitAsync(['lb', 'add', 'web', '198.18.250.2:8080'], { stateDir: lab.stateDir, env }),
      circuitAsync(['lb', 'add', 'web', '198.18.250.3:8080'], { stateDir: lab.stateDir, env }),
    ]);
    assert.equal(x.code, 0, x.err);
    assert.equal(y.code, 0, y.err);
    assert.ok(Math.max(x.ms, y.ms) >= 6000, `serialised: ${Math.round(x.ms)} / ${Math.round(y.ms)} ms`);
    const list = lab.cli(['lb', 'list', '--details']);
    for (const target of ['198.18.250.1:8080', '198.18.250.2:8080', '198.18.250.3:8080'])
      assert.match(list.out, new RegExp(`-> ${target.replace(/\./g, '\\.')}`), list.out);
    const table = sh(['nft', 'list', 'table', 'inet', 'circuit']);
    for (const target of ['198.18.250.1:8080', '198.18.250.2:8080', '198.18.250.3:8080'])
      assert.ok(table.includes(`dnat ip to ${target}`), table);
  });
});
