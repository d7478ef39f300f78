// The CLI through a daemon (--address) prints the same bytes and exit codes as the direct CLI.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { bridgeNetwork } from '../helpers/cni';
import { busyboxRootfs, runcEnv } from '../helpers/runc';
import { startDaemon } from '../helpers/server';
import { circuit, tmpDir } from '../helpers/sys';

let rootfs = '';

describe('CLI through the daemon', { timeout: 120_000 }, () => {
  before(() => {
    rootfs = busyboxRootfs(tmpDir({ after: (fn: () => void) => process.on('exit', fn) }, 'circuit-rootfs-'));
  });

  it('list, ips, inspect, qos show, lb list, cluster nodes: byte-identical, errors alike', async (t) => {
    const dir = tmpDir(t);
    const rc = runcEnv(t, dir, rootfs);
    const net = bridgeNetwork(t, dir);
    const d = await startDaemon(t, dir, rc.stateDir, [], { runcRoot: rc.root });
    const direct = (args: string[]) => circuit(['--runc-root', rc.root, ...args], { stateDir: rc.stateDir });
    const api = (args: string[]) => circuit(['--address', d.address, ...args]);
    const viaEnv = (args: string[]) => circuit(args, { env: { CIRCUIT_ADDRESS: d.address } });
    assert.equal(api(['network', 'create', net.file]).out, `network ${net.name} created\n`);
    const c = rc.bundle({ cniConf: net.name });
    assert.equal((await rc.run(c.id, c.bundle)).code, 0);
    const other = rc.bundle({ hooks: false });
    assert.equal((await rc.run(other.id, other.bundle)).code, 0);
    const con = api(['network', 'connect', other.id, net.name, '--runc-root', rc.root]);
    assert.equal(con.code, 0, con.err);
    assert.match(
      con.out,
      new RegExp(`connected container ${other.id} to network ${net.name} with ip=${net.prefix}\\.`),
    );
    assert.equal(api(['network', 'qos', 'set', net.name, '--rate', '50mbit']).code, 0);
    assert.equal(api(['lb', 'create', 'web', '198.18.250.1:80', '--backend', 'nftables']).code, 0);
    t.after(() => void direct(['lb', 'clear']));
    assert.equal(api(['lb', 'add', 'web', '198.18.250.2:80', '198.18.250.3:80']).code, 0);
    const same = [
      ['network', 'list'],
      ['network', 'ls', '--json'],
      ['network', 'ips', c.id],
      ['network', 'ips', c.id, '--json'],
      ['network', 'ips', other.id, '--json'],
      ['network', 'inspect', net.name],
      ['network', 'qos', 'show', '--json'],
      ['lb', 'list', '--details'],
      ['lb', 'list', '--json'],
      ['lb', 'stats', '--json'],
      ['network', 'inspect', 'nope'],
      ['network', 'inspect', '../etc'],
      ['network', 'ips', 'nosuch'],
      ['network', 'connect', 'nosuch', net.name],
      ['lb', 'add', 'web', 'not-an-endpoint'],
      ['network', 'qos', 'set', net.name, '--rate', 'fast'],
      ['network', 'create', 'x', '--subnet', net.subnet],
      ['check', c.id],
    ];
    for (const args of same) {
      const a = direct(args);
      const b = api(args);
      assert.equal(b.out, a.out, `stdout of ${args.join(' ')}`);
      assert.equal(b.err, a.err, `stderr of ${args.join(' ')}`);
      assert.equal(b.code, a.code, `exit code of ${args.join(' ')}`);
    }
    assert.equal(
      viaEnv(['network', 'list']).out,
      direct(['network', 'list']).out,
      'CIRCUIT_ADDRESS works too',
    );
    const nodes = api(['cluster', 'nodes', '--json']);
    assert.equal(JSON.parse(nodes.out).length, 1);
    assert.match(
      api(['cluster', 'nodes']).out,
      /^NAME\s+VERSION\s+CPUS\s+MEMORY\s+UPTIME\s+KERNEL\s+CONTAINERS\n/,
    );
    assert.equal(api(['network', 'disconnect', other.id, net.name]).code, 0);
    assert.equal(api(['network', 'qos', 'reset', net.name]).code, 0);
    assert.equal(api(['lb', 'delete', 'web']).out, 'service web removed\n');
    assert.equal(rc.del(c.id).code, 0);
    assert.equal(rc.del(other.id).code, 0);
    assert.equal(api(['network', 'delete', net.name]).out, `${net.name} deleted\n`);
    assert.equal(await d.stop(), 0, 'SIGTERM: clean exit');
  });

  it('a daemon that is not there is one clear line, exit 1', () => {
    const r = circuit(['--address', 'unix:///tmp/circuit-no-such.sock', 'network', 'list']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^circuit: cannot reach the circuit daemon at unix:\/\/\/tmp\/circuit-no-such\.sock/);
    assert.equal(r.err.trim().split('\n').length, 1);
    const bad = circuit(['--address', 'http://x', 'network', 'list']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--address: "http:\/\/x" is not unix:\/\/\/PATH or tcp:\/\/HOST:PORT/);
  });
});
