// Help and version in every position, with any stdin, through a pipe and under a terminal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { COMMANDS } from '../../src/cli/commands';
import { CIRCUIT_BIN, circuit, tmpDir } from '../helpers/sys';

const GLOBALS: string[][] = [
  [],
  ['--state-dir', '/tmp/circuit-help-x'],
  ['--json'],
  ['--debug'],
  ['--cni-path', '/usr/lib/cni'],
  ['--runc-root', '/tmp/r'],
  ['--address', 'unix:///tmp/nowhere.sock'],
];
const ASKS: [string[], RegExp][] = [
  [['--help'], /^circuit: container networking/],
  [['-h'], /^circuit: container networking/],
  [['help'], /^circuit: container networking/],
  [['--version'], /^circuit \d+\.\d+\.\d+\n$/],
];

/** Run with stdin from /dev/null (a non-terminal, the hook's usual sign). */
function devNull(args: string[]) {
  const r = spawnSync(process.execPath, [CIRCUIT_BIN, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('help and version', () => {
  it('work after every global flag, with piped stdin and with </dev/null', () => {
    for (const g of GLOBALS) {
      for (const [ask, want] of ASKS) {
        const argv = [...g, ...ask];
        for (const r of [circuit(argv, { input: '{"not":"oci"}' }), devNull(argv)]) {
          assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
          assert.match(r.out, want, argv.join(' '));
        }
      }
    }
  });

  it('work under a pseudo-terminal (script)', (t) => {
    const dir = tmpDir(t);
    for (const argv of [
      ['--state-dir', dir, '--help'],
      ['--debug', '--version'],
      ['--json', 'help', 'network'],
    ]) {
      const cmd = [process.execPath, CIRCUIT_BIN, ...argv].join(' ');
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
      assert.match(r.stdout, /circuit/);
    }
  });

  it('help COMMAND and COMMAND --help show that command; groups list their commands', () => {
    const lb = circuit(['--state-dir', '/tmp/x', 'help', 'lb', 'add']);
    assert.equal(lb.code, 0);
    assert.match(lb.out, /^usage: circuit lb add NAME TARGET:PORT/);
    const group = circuit(['network', 'qos', '--help']);
    assert.equal(group.code, 0);
    assert.match(group.out, /qos set/);
    assert.match(group.out, /qos show/);
    const unknown = circuit(['help', 'frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command "frobnicate"/);
  });

  it("every subcommand's --help exits 0 and prints its usage", () => {
    for (const [key, def] of Object.entries(COMMANDS)) {
      const r = devNull([...key.split(' '), '--help']);
      assert.equal(r.code, 0, `${key} --help: ${r.err}`);
      assert.ok(r.out.startsWith(`usage: ${def.usage.split('\n')[0]}`), `${key} --help: ${r.out}`);
    }
  });

  it('hook mode is unchanged: no command + non-terminal stdin reads OCI state', () => {
    const r = circuit(['--state-dir', '/tmp/circuit-help-x'], { input: 'not json' });
    assert.equal(r.code, 2);
    assert.match(r.err, /OCI state/i);
  });
});
