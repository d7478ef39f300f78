// `circuit hooks install|uninstall|show`: podman's/CRI-O's hooks.d files, idempotent, and never
// over someone else's file of the same name without --force.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CIRCUIT_BIN, CIRCUIT_EXE, circuit, tmpDir } from '../helpers/sys';

const FILES = ['circuit-poststart.json', 'circuit-poststop.json', 'circuit-prestart.json'];

const snapshot = (dir: string) =>
  Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('circuit hooks', () => {
  it('install twice is one set of files: oci-hooks 1.0.0, the binary, state dir, CNI_PATH, PATH, annotations', (t) => {
    const dir = join(tmpDir(t), 'hooks.d');
    const args = [
      'hooks',
      'install',
      '--dir',
      dir,
      '--state-dir',
      '/var/lib/circuit-x',
      '--cni-path',
      '/opt/cni/bin:/usr/lib/cni',
    ];
    const first = circuit([...args, '--bin', CIRCUIT_EXE]);
    assert.equal(first.code, 0, first.err);
    assert.deepEqual(readdirSync(dir).sort(), FILES);
    const before = snapshot(dir);
    const again = circuit([...args, '--bin', CIRCUIT_EXE]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^unchanged .*circuit-prestart\.json$/m);
    assert.deepEqual(snapshot(dir), before, 'the same bytes, no other file');
    assert.equal(statSync(join(dir, 'circuit-prestart.json')).mode & 0o777, 0o644);

    const pre = JSON.parse(before['circuit-prestart.json'] ?? '');
    assert.equal(pre.version, '1.0.0');
    assert.deepEqual(pre.stages, ['prestart']);
    assert.equal(pre.hook.path, CIRCUIT_EXE);
    assert.deepEqual(pre.hook.args, ['circuit', 'hook', 'prestart', '--state-dir', '/var/lib/circuit-x']);
    assert.ok(pre.hook.env.includes('CNI_PATH=/opt/cni/bin:/usr/lib/cni'));
    assert.ok(pre.hook.env.some((e: string) => /^PATH=.*\/usr\/sbin/.test(e)));
    assert.deepEqual(pre.when, { annotations: { '^io\\.circuit\\.(network|topology)$': '.+' } });
    const start = JSON.parse(before['circuit-poststart.json'] ?? '');
    assert.deepEqual(
      [start.stages, start.when.annotations],
      [['poststart'], { '^io\\.circuit\\.topology$': '.+' }],
    );
    const stop = JSON.parse(before['circuit-poststop.json'] ?? '');
    assert.deepEqual(stop.hook.args.slice(0, 3), ['circuit', 'hook', 'poststop']);

    // a node build: the script (the one running, without --bin), and a PATH that reaches node
    const node = circuit(['hooks', 'install', '--dir', dir]);
    assert.equal(node.code, 0, node.err);
    assert.match(node.out, /^written /m);
    const doc = JSON.parse(readFileSync(join(dir, 'circuit-poststop.json'), 'utf8'));
    assert.equal(doc.hook.path, CIRCUIT_BIN);
    const path = (doc.hook.env as string[]).find((e) => e.startsWith('PATH=')) ?? '';
    assert.ok(path.slice(5).split(':').includes(join(process.execPath, '..')), path);
  });

  it("someone else's file of the same name: exit 4, nothing written; --force replaces it", (t) => {
    const dir = tmpDir(t);
    writeFileSync(join(dir, 'circuit-poststop.json'), '{"version":"1.0.0","hook":{"path":"/bin/true"}}\n');
    const before = snapshot(dir);
    const r = circuit(['hooks', 'install', '--dir', dir, '--bin', CIRCUIT_EXE]);
    assert.equal(r.code, 4);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(
      r.err,
      /circuit-poststop\.json: not written by circuit; not replaced \(--force to replace it\)/,
    );
    assert.deepEqual(snapshot(dir), before, 'nothing written, not even the other two files');
    const show = circuit(['hooks', 'show', '--dir', dir, '--json']);
    assert.deepEqual(
      (JSON.parse(show.out) as { file: string; owner: string }[]).map((f) => [f.file, f.owner]),
      [
        ['circuit-prestart.json', 'missing'],
        ['circuit-poststart.json', 'missing'],
        ['circuit-poststop.json', 'other'],
      ],
    );
    const u = circuit(['hooks', 'uninstall', '--dir', dir]);
    assert.equal(u.code, 4, 'uninstall leaves it too');
    assert.deepEqual(snapshot(dir), before);

    const forced = circuit(['hooks', 'install', '--dir', dir, '--bin', CIRCUIT_EXE, '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.match(forced.out, /^replaced .*circuit-poststop\.json$/m);
    assert.match(
      circuit(['hooks', 'show', '--dir', dir]).out,
      /circuit-poststop\.json\s+poststop\s+circuit\s+\S*circuit-bin/,
    );
  });

  it('uninstall removes only its files and is idempotent; bad input is one line and changes nothing', (t) => {
    const dir = tmpDir(t);
    writeFileSync(join(dir, 'other-hook.json'), '{}');
    assert.equal(circuit(['hooks', 'install', '--dir', dir, '--bin', CIRCUIT_EXE]).code, 0);
    const u = circuit(['hooks', 'uninstall', '--dir', dir]);
    assert.equal(u.code, 0, u.err);
    assert.equal(
      u.out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('removed ')).length,
      3,
    );
    assert.deepEqual(readdirSync(dir), ['other-hook.json']);
    const again = circuit(['hooks', 'uninstall', '--dir', dir]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^absent /m);

    for (const [args, re] of [
      [
        ['hooks', 'install', '--dir', 'relative/dir', '--bin', CIRCUIT_EXE],
        /--dir: "relative\/dir" is not an absolute path/,
      ],
      [['hooks', 'install', '--dir', dir, '--bin', 'circuit'], /--bin: "circuit" is not an absolute path/],
      [['hooks', 'install', '--dir', dir, '--bin', join(dir, 'nope')], /--bin: .*nope does not exist/],
      [
        ['hooks', 'install', '--dir', dir, '--bin', CIRCUIT_EXE, '--cni-path', 'rel'],
        /--cni-path: "rel" is not an absolute path/,
      ],
      [['hooks', 'install', 'extra'], /usage: circuit hooks install/],
      [['hooks', 'show', '--dir', dir, '--nope'], /unknown flag --nope/],
    ] as const) {
      const r = circuit([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.err.trim().split('\n').length, 1);
      assert.match(r.err, re);
    }
    assert.deepEqual(readdirSync(dir), ['other-hook.json'], 'nothing written by the refused calls');
  });
});
