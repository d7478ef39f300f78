// The daemon's containerd integration against a real containerd (private root, state, socket).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bridgeNetwork, leases } from '../helpers/cni';
import { type Containerd, startContainerd } from '../helpers/containerd';
import { type Daemon, startDaemon, waitFor } from '../helpers/server';
import { circuit, sh, tmpDir } from '../helpers/sys';

const scope: { fns: (() => void | Promise<void>)[] } = { fns: [] };
const suite = { after: (fn: () => void | Promise<void>) => void scope.fns.push(fn) };
let dir = '';
let stateDir = '';
let ctrd: Containerd;
let daemon: Daemon;
let netA: ReturnType<typeof bridgeNetwork>;
let netB: ReturnType<typeof bridgeNetwork>;

const api = (args: string[]) => circuit(['--address', daemon.address, ...args]);
const LABEL = 'io.circuit.network';

function ipsOf(name: string): { network: string; ip: string; interface: string }[] {
  const r = api(['network', 'ips', name, '--json']);
  return r.code === 0 ? JSON.parse(r.out) : [];
}

function portsOn(bridge: string): number {
  return (JSON.parse(sh(['ip', '-j', 'link', 'show', 'master', bridge])) as unknown[]).length;
}

async function startDaemonHere(): Promise<Daemon> {
  return startDaemon(suite, dir, stateDir, ['--containerd', ctrd.socket, '--log-level', 'debug']);
}

describe('containerd integration', { timeout: 300_000 }, () => {
  before(async () => {
    dir = tmpDir(suite, 'circuit-ctrd-');
    stateDir = `${dir}/state`;
    netA = bridgeNetwork(suite, dir);
    netB = bridgeNetwork(suite, dir);
    for (const n of [netA, netB]) assert.equal(circuit(['network', 'create', n.file], { stateDir }).code, 0);
    ctrd = await startContainerd(dir);
    scope.fns.push(() => ctrd.close());
    daemon = await startDaemonHere();
  });
  after(async () => {
    for (let f = scope.fns.pop(); f; f = scope.fns.pop()) await f();
  });

  it('a labelled container is connected on start; two of them ping; unlabelled ones are left alone', async () => {
    const a = ctrd.run({ [LABEL]: netA.name });
    const b = ctrd.run({ [LABEL]: netA.name });
    const plain = ctrd.run({});
    await waitFor(() => ipsOf(a).length === 1 && ipsOf(b).length === 1, 'both attached', 5000);
    const ipA = ipsOf(a)[0]?.ip ?? '';
    const ipB = ipsOf(b)[0]?.ip ?? '';
    assert.ok(ipA.startsWith(`${netA.prefix}.`), ipA);
    assert.match(
      ctrd.exec(a, ['ip', '-o', '-4', 'addr', 'show', 'eth0']).out,
      new RegExp(ipA.replace(/\./g, '\\.')),
    );
    const ping = ctrd.exec(a, ['ping', '-c', '2', '-W', '2', ipB]);
    assert.equal(ping.code, 0, ping.out + ping.err);
    await waitFor(
      () => daemon.log().includes(`connected ${a} to ${netA.name} with ip ${ipA}`),
      'the log line',
      5000,
    );
    assert.equal(api(['network', 'ips', plain]).code, 3, 'unlabelled: not attached');
    assert.doesNotMatch(ctrd.exec(plain, ['ip', '-o', 'link']).out, /eth0/);
    const text = api(['network', 'ips', a]);
    assert.match(
      text.out,
      new RegExp(`^NETWORK\\s+IP\\s+INTERFACE\\n${netA.name}\\s+${ipA.replace(/\./g, '\\.')}\\s+eth0\\n$`),
    );
    for (const n of [a, b, plain]) ctrd.kill(n);
    await waitFor(() => ipsOf(a).length === 0 && ipsOf(b).length === 0, 'released on exit', 5000);
  });

  it('task killed: lease and host veth released; an exec that exits changes nothing', async () => {
    const before = leases(netA).length;
    const a = ctrd.run({ [LABEL]: netA.name });
    await waitFor(() => ipsOf(a).length === 1, 'attached', 5000);
    assert.equal(leases(netA).length, before + 1);
    const ports = portsOn(netA.bridge);
    assert.equal(ctrd.exec(a, ['true']).code, 0);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(ipsOf(a).length, 1, 'still attached after the exec exited');
    ctrd.kill(a);
    await waitFor(() => ipsOf(a).length === 0, 'released', 5000);
    assert.equal(leases(netA).length, before);
    assert.equal(portsOn(netA.bridge), ports - 1, 'host veth gone');
    await waitFor(() => daemon.log().includes(`disconnected ${a} from ${netA.name}`), 'the log line', 5000);
  });

  it('two networks → eth0 and eth1; a bad label is one clear log line and nothing attached', async () => {
    const a = ctrd.run({ [LABEL]: `${netA.name},${netB.name}` });
    await waitFor(() => ipsOf(a).length === 2, 'two attachments', 5000);
    assert.deepEqual(
      ipsOf(a).map((r) => [r.network, r.interface]),
      [
        [netA.name, 'eth0'],
        [netB.name, 'eth1'],
      ],
    );
    const unknown = ctrd.run({ [LABEL]: 'no-such-net' });
    const badIp = ctrd.run({ [LABEL]: netA.name, 'io.circuit.ip': 'not-an-ip' });
    await waitFor(() => daemon.log().includes(`cannot connect ${badIp}`), 'the bad-ip log line', 5000);
    await waitFor(() => daemon.log().includes(`cannot connect ${unknown}`), 'the unknown-net log line', 5000);
    assert.match(daemon.log(), new RegExp(`cannot connect ${unknown}: network no-such-net not found`));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      daemon.log().split(`cannot connect ${unknown}`).length - 1,
      1,
      daemon
        .log()
        .split('\n')
        .filter((l) => l.includes(unknown))
        .join('\n'),
    );
    assert.equal(api(['network', 'ips', unknown]).code, 3);
    assert.equal(api(['network', 'ips', badIp]).code, 3);
    assert.match(
      daemon.log(),
      new RegExp(`cannot connect ${badIp}: io.circuit.ip: invalid value .{0,2}not-an-ip`),
    );
    assert.equal(api(['network', 'list']).code, 0, 'the daemon keeps serving');
    for (const n of [a, unknown, badIp]) ctrd.kill(n);
    await waitFor(() => ipsOf(a).length === 0, 'released', 5000);
  });

  it('io.circuit.restart=always: killed 3 times, restarted 3 times with growing delays, one lease', async () => {
    const base = leases(netA).length;
    const a = ctrd.run({ [LABEL]: netA.name, 'io.circuit.restart': 'always' });
    await waitFor(() => ipsOf(a).length === 1, 'attached', 5000);
    const pids = [ctrd.pid(a)];
    for (let i = 1; i <= 3; i++) {
      ctrd.kill(a);
      await waitFor(
        () => ctrd.pid(a) !== pids.at(-1) && ctrd.status(a) === 'RUNNING',
        `restart ${i}`,
        15_000,
      );
      pids.push(ctrd.pid(a));
      await waitFor(
        () => ipsOf(a).length === 1 && leases(netA).length === base + 1,
        `reconnected ${i}`,
        5000,
      );
    }
    const delays = [
      ...daemon.log().matchAll(new RegExp(`restarting ${a} in (\\d+(?:\\.\\d+)?)s \\(attempt (\\d)\\)`, 'g')),
    ].map((m) => Number(m[1]));
    assert.deepEqual(delays, [1, 2, 4]);
    assert.equal(leases(netA).length, base + 1, 'no lease leaked across restarts');
    // removing the label stops it for good
    assert.equal(ctrd.ctr(['containers', 'label', a, 'io.circuit.restart=']).code, 0);
    ctrd.kill(a);
    await waitFor(() => ipsOf(a).length === 0, 'released', 5000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(ctrd.status(a), 'STOPPED', 'not restarted without the label');
  });

  it('daemon SIGKILLed; containers start and stop meanwhile; after restart state matches reality', async () => {
    const stays = ctrd.run({ [LABEL]: netA.name });
    const goes = ctrd.run({ [LABEL]: netA.name });
    await waitFor(() => ipsOf(stays).length === 1 && ipsOf(goes).length === 1, 'attached', 5000);
    const leasesBefore = leases(netA).length;
    await daemon.kill();
    ctrd.kill(goes);
    const born = ctrd.run({ [LABEL]: netA.name });
    await waitFor(() => ctrd.status(goes) === 'STOPPED', 'the task to stop', 5000);
    daemon = await startDaemonHere();
    await waitFor(() => ipsOf(born).length === 1 && ipsOf(goes).length === 0, 'reconciled', 5000);
    assert.equal(ipsOf(stays).length, 1);
    assert.equal(leases(netA).length, leasesBefore, 'one released, one added');
    for (const n of [stays, born]) ctrd.kill(n);
    await waitFor(() => ipsOf(stays).length === 0 && ipsOf(born).length === 0, 'released', 5000);
  });

  it('containerd restarted: the daemon keeps serving, reconnects and reconciles', async () => {
    const a = ctrd.run({ [LABEL]: netA.name });
    await waitFor(() => ipsOf(a).length === 1, 'attached', 5000);
    await ctrd.restart(1500);
    assert.equal(api(['network', 'list']).code, 0, 'serving while containerd was away');
    await waitFor(() => daemon.log().includes('containerd unavailable'), 'the outage log line', 5000);
    const b = ctrd.run({ [LABEL]: netA.name });
    await waitFor(() => ipsOf(b).length === 1, 'a new container attached after the reconnect', 20_000);
    for (const n of [a, b]) ctrd.kill(n);
    await waitFor(() => ipsOf(a).length === 0 && ipsOf(b).length === 0, 'released', 5000);
  });

  it('CLI: network connect/ips/disconnect take containerd names (--containerd, or the daemon)', () => {
    const plain = ctrd.run({});
    const direct = circuit(['network', 'connect', plain, netB.name, '--containerd', ctrd.socket], {
      stateDir,
    });
    assert.equal(direct.code, 0, direct.err);
    assert.match(
      direct.out,
      new RegExp(`connected container ${plain} to network ${netB.name} with ip=${netB.prefix}\\.`),
    );
    assert.equal(ipsOf(plain).length, 1, 'the daemon sees it at once');
    assert.equal(api(['network', 'disconnect', plain, netB.name]).code, 0);
    assert.equal(ipsOf(plain).length, 0);
    const viaApi = api(['network', 'connect', plain, netB.name]);
    assert.equal(viaApi.code, 0, viaApi.err);
    assert.equal(circuit(['network', 'ips', plain, '--containerd', ctrd.socket], { stateDir }).code, 0);
    ctrd.kill(plain);
  });

  it('after everything: no lease, no veth, no record left', async () => {
    await waitFor(
      () => leases(netA).length === 0 && leases(netB).length === 0,
      'all leases released',
      10_000,
    );
    assert.equal(portsOn(netA.bridge), 0);
    assert.equal(circuit(['network', 'list', '--json'], { stateDir }).out.includes('"container"'), false);
  });
});
