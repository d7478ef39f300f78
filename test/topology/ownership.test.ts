// What a topology made stays recorded until it is gone, and only what it made is its own:
// a link whose delete fails keeps its record (so gc / a later poststop can still remove it),
// and a failed `ip -j link show` fails the apply instead of claiming bridges that were there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { circuit, defer, links, netns, sh, subnet, tmpDir, trySh, uid } from '../helpers/sys';
import { pathWith, toolWrapper } from '../helpers/wrappers';

/** A process sleeping in a fresh netns: a container (named by its PID) for a topology. */
async function sleeper(t: TestContext): Promise<number> {
  const ns = netns(t);
  const p = spawn('ip', ['netns', 'exec', ns.name, 'sleep', '600'], { stdio: 'ignore' });
  defer(t, () => void p.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 200));
  return p.pid ?? 0;
}

function lab(t: TestContext) {
  const dir = tmpDir(t);
  const stateDir = join(dir, 'state');
  const record = (id: number) => join(stateDir, 'topology/containers', `${id}.json`);
  const owned = () => {
    const f = join(stateDir, 'owned.json');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  };
  const file = (yaml: string) => {
    const f = join(dir, `topo-${uid()}.yaml`);
    writeFileSync(f, yaml);
    defer(t, () => void circuit(['topology', 'delete', f], { stateDir }));
    return f;
  };
  return { dir, stateDir, record, owned, file };
}

const poststop = (id: number) =>
  JSON.stringify({ ociVersion: '1.0.2', id: String(id), status: 'stopped', pid: id, bundle: '/nonexistent' });

describe('topology ownership (host kernel)', { timeout: 60_000 }, () => {
  it('a link whose delete fails stays recorded; the next poststop removes it and the bridge', async (t) => {
    const l = lab(t);
    const pid = await sleeper(t);
    const br = `ob${uid()}`;
    defer(t, () => void trySh(['ip', 'link', 'del', br]));
    const f = l.file(`links: [{container: "${pid}", bridge: ${br}, ip: ${subnet().prefix}.2/24}]\n`);
    const up = circuit(['topology', 'apply', f], { stateDir: l.stateDir });
    assert.equal(up.code, 0, up.out + up.err);
    const rec = JSON.parse(readFileSync(l.record(pid), 'utf8')) as { links: { outerDev: string }[] };
    const outer = rec.links[0]?.outerDev ?? '';
    defer(t, () => void trySh(['ip', 'link', 'del', outer]));
    assert.ok(links().includes(outer));

    const bin = toolWrapper(
      l.dir,
      'ip',
      'case "$*" in *"link del"*) echo "RTNETLINK answers: Operation not permitted" >&2; exit 2;; esac',
    );
    const failed = circuit(['hook', 'poststop'], {
      stateDir: l.stateDir,
      input: poststop(pid),
      env: { PATH: pathWith(bin) },
    });
    assert.notEqual(failed.code, 0, 'a failed delete is reported');
    assert.match(failed.err, /Operation not permitted/);
    assert.ok(links().includes(outer), 'the link is still there');
    assert.ok(existsSync(l.record(pid)), 'so it is still recorded');
    assert.match(readFileSync(l.record(pid), 'utf8'), new RegExp(outer));
    assert.match(l.owned(), new RegExp(br), 'and its bridge still owned');

    const again = circuit(['hook', 'poststop'], { stateDir: l.stateDir, input: poststop(pid) });
    assert.equal(again.code, 0, again.err);
    assert.ok(!existsSync(l.record(pid)), 'record gone with the link');
    const after = links();
    assert.ok(!after.includes(outer) && !after.includes(br), 'link and bridge removed');
  });

  it('a failed `ip -j link show` fails the apply: a bridge that was there is never claimed', async (t) => {
    const l = lab(t);
    const pid = await sleeper(t);
    const br = `of${uid()}`;
    sh(['ip', 'link', 'add', br, 'type', 'bridge']);
    defer(t, () => void trySh(['ip', 'link', 'del', br]));
    const f = l.file(`links: [{container: "${pid}", bridge: ${br}, ip: ${subnet().prefix}.2/24}]\n`);
    const bin = toolWrapper(
      l.dir,
      'ip',
      'case "$*" in *"-j link show"*) echo "ip: netlink busy" >&2; exit 1;; esac',
    );
    const before = links();
    const r = circuit(['topology', 'apply', f], { stateDir: l.stateDir, env: { PATH: pathWith(bin) } });
    assert.equal(r.code, 5, r.out + r.err);
    assert.match(r.err, /ip -j link show: ip: netlink busy/);
    assert.doesNotMatch(l.owned(), new RegExp(br), 'the bridge is not claimed');
    assert.ok(!existsSync(l.record(pid)), 'nothing recorded');
    assert.deepEqual(links(), before, 'nothing made');

    // with a working `ip`: the link joins the foreign bridge, and delete leaves the bridge alone
    const ok = circuit(['topology', 'apply', f], { stateDir: l.stateDir });
    assert.equal(ok.code, 0, ok.err);
    assert.doesNotMatch(l.owned(), new RegExp(br));
    const d = circuit(['topology', 'delete', f], { stateDir: l.stateDir });
    assert.equal(d.code, 0, d.err);
    assert.ok(links().includes(br), 'a bridge circuit did not make is never deleted');
  });
});
