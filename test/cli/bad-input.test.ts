// Bad input: exit code != 0, one clear line on stderr, no stack, state dir unchanged.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { circuit, tmpDir } from '../helpers/sys';

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f !== 'hook.log') out[p] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('bad input is refused cleanly', () => {
  it('CLI arguments', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
    writeFileSync(join(dir, 'bad.json'), '{"cniVersion": "1.0.0", "name": "x"');
    const before = snapshot(stateDir);
    const cases: [string[], number, RegExp][] = [
      [['bogus'], 2, /unknown command/],
      [['network', 'frobnicate'], 2, /unknown command/],
      [['network', 'list', '--bogus'], 2, /unknown flag --bogus/],
      [['network', 'create'], 2, /usage: circuit network create/],
      [['network', 'create', join(dir, 'missing.conf')], 3, /does not exist/],
      [['network', 'create', join(dir, 'bad.json')], 2, /not valid JSON/],
      [['network', 'create', '../evil', net.file], 2, /invalid network name/],
      [['network', 'create', 'x'.repeat(80), net.file], 2, /longer than 64/],
      [['network', 'inspect', '../../etc/passwd'], 2, /invalid network name/],
      [['network', 'delete', 'a/b'], 2, /invalid network name/],
      [['network', 'connect', 'c1'], 2, /usage/],
      [['network', 'connect', 'c1', net.name, '--ifname', 'x'.repeat(16)], 2, /IFNAMSIZ/],
      [['network', 'connect', 'c1', net.name, '--ifname', 'a/b'], 2, /interface name/],
      [['network', 'connect', 'c1', net.name, '--mac', 'zz'], 2, /invalid MAC/],
      [['network', 'connect', '../c', net.name], 2, /invalid container/],
      [['network', 'connect', 'c1', 'nonet'], 3, /network nonet not found/],
      [['network', 'connect', '999999999', net.name], 3, /no process with pid/],
      [['network', 'ips', '../x'], 2, /invalid container/],
      [['network', 'disconnect', 'c1', 'nonet'], 3, /not found/],
      [['network', 'list', 'extra'], 2, /usage/],
      [['gc', 'extra'], 2, /usage/],
      [['network', 'list', '--state-dir'], 2, /needs a value/],
      [['hook', 'poststart'], 2, /unknown hook stage/],
      [['hook', 'createRuntime', '--bogus'], 2, /unknown flag/],
    ];
    for (const [args, code, re] of cases) {
      const r = circuit(args, { stateDir });
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      const lines = r.err.trim().split('\n');
      assert.equal(lines.length, 1, `${args.join(' ')}: one line: ${r.err}`);
      assert.match(lines[0] ?? '', /^circuit: /);
      assert.match(r.err, re, args.join(' '));
      assert.doesNotMatch(r.err, /\s+at .*:\d+:\d+/);
    }
    assert.deepEqual(snapshot(stateDir), before, 'state dir unchanged');
  });

  it('hook input', (t) => {
    const dir = tmpDir(t);
    const stateDir = join(dir, 'state');
    const net = bridgeNetwork(t, dir);
    const st = (o: Record<string, unknown>) =>
      JSON.stringify({ ociVersion: '1.0.2', id: 'c1', status: 'creating', pid: 1, bundle: dir, ...o });
    const cases: [string, Record<string, string>, RegExp][] = [
      ['', { CNI_CONF: net.file }, /no OCI state on stdin/],
      ['not json', { CNI_CONF: net.file }, /not valid JSON/],
      ['[]', { CNI_CONF: net.file }, /invalid OCI state/],
      [st({ id: '../../x' }), { CNI_CONF: net.file }, /container id/],
      [st({ status: 'paused' }), { CNI_CONF: net.file }, /status/],
      [st({ pid: -1 }), { CNI_CONF: net.file }, /pid/],
      [st({ bundle: '' }), { CNI_CONF: net.file }, /bundle/],
      [st({}), {}, /no network given/],
      [st({}), { CNI_CONF: 'ghost-net' }, /network ghost-net not found/],
      [st({}), { CNI_CONF: join(dir, 'none.conflist') }, /does not exist/],
      [st({}), { CNI_CONF: net.file, CNI_IFNAME: 'x'.repeat(20) }, /CNI_IFNAME/],
      [st({}), { CNI_CONF: net.file, CNI_ARGS: 'novalue' }, /CNI_ARGS/],
      [`{"a":"${'x'.repeat(1100 * 1024)}"}`, { CNI_CONF: net.file }, /larger than 1 MiB/],
    ];
    for (const [input, env, re] of cases) {
      const r = circuit(['hook', 'createRuntime'], { stateDir, input, env });
      assert.notEqual(r.code, 0);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, re);
    }
    for (const f of ['containers', 'cache', 'networks']) {
      assert.throws(() => statSync(join(stateDir, f)), `${f} not created`);
    }
  });
});
