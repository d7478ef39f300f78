// Kernel lane: `network create --driver ipvlan` (the host kernel has no ipvlan module).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { circuit, defer, netns, sh, subnet, tmpDir, trySh, uid } from '../helpers/sys';

/** A process sleeping in a fresh netns: what `network connect PID` attaches. */
function sleeper(t: Parameters<typeof netns>[0]): number {
  const ns = netns(t);
  const p = spawn('ip', ['netns', 'exec', ns.name, 'sleep', '600'], { stdio: 'ignore' });
  defer(t, () => void p.kill('SIGKILL'));
  return p.pid ?? 0;
}

describe('ipvlan networks from --subnet (kernel lane)', { timeout: 120_000 }, () => {
  it('two processes on an ipvlan l2 network over a test-made parent reach each other', async (t) => {
    const dir = tmpDir(t);
    const stateDir = `${dir}/state`;
    const name = `iv${uid()}`;
    defer(t, () => void trySh(['rm', '-rf', `/var/lib/cni/networks/${name}`]));
    const parent = `ivp${uid()}`;
    sh(['ip', 'link', 'add', parent, 'type', 'veth', 'peer', 'name', `${parent}x`]);
    defer(t, () => void trySh(['ip', 'link', 'del', parent]));
    sh(['ip', 'link', 'set', parent, 'up']);
    sh(['ip', 'link', 'set', `${parent}x`, 'up']);
    const sn = subnet();
    const c = circuit(
      ['network', 'create', name, '--subnet', sn.cidr, '--driver', 'ipvlan', '--parent', parent],
      {
        stateDir,
      },
    );
    assert.equal(c.code, 0, c.err);
    const pids = [sleeper(t), sleeper(t)];
    await new Promise((r) => setTimeout(r, 300));
    const ips: string[] = [];
    for (const pid of pids) {
      const r = circuit(['network', 'connect', String(pid), name], { stateDir });
      assert.equal(r.code, 0, r.err);
      ips.push(/ip=(\S+)/.exec(r.out)?.[1] ?? '');
      defer(t, () => void circuit(['network', 'disconnect', String(pid), name], { stateDir }));
    }
    assert.ok(
      ips.every((ip) => ip.startsWith(`${sn.prefix}.`)),
      ips.join(' '),
    );
    const link = sh(['nsenter', `--net=/proc/${pids[0]}/ns/net`, 'ip', '-d', 'link', 'show', 'eth0']);
    assert.match(link, /ipvlan\s+mode l2/);
    const ping = trySh([
      'nsenter',
      `--net=/proc/${pids[0]}/ns/net`,
      'ping',
      '-c',
      '2',
      '-W',
      '2',
      ips[1] ?? '',
    ]);
    assert.equal(ping.code, 0, ping.out + ping.err);
    for (const pid of pids)
      assert.equal(circuit(['network', 'disconnect', String(pid), name], { stateDir }).code, 0);
    assert.equal(
      trySh(['ls', `/var/lib/cni/networks/${name}`])
        .out.split('\n')
        .filter((f) => /^\d/.test(f)).length,
      0,
    );
  });
});
