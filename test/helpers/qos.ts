import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { addrsIn, bridgeNetwork } from './cni';
import { ociBundle } from './oci';
import { circuit, defer, netns, sh, tmpDir, trySh } from './sys';

export interface Peer {
  id: string;
  ns: string;
  ip: string;
  state: (status?: string) => string;
}

/** A stored bridge network with `count` netns "containers" attached through the hook. */
export function qosLab(t: Pick<TestContext, 'after'>, count = 2) {
  const dir = tmpDir(t);
  const stateDir = join(dir, 'state');
  const net = bridgeNetwork(t, dir);
  assert.equal(circuit(['network', 'create', net.file], { stateDir }).code, 0);
  const attach = (): Peer => {
    const ns = netns(t);
    const b = ociBundle(dir, { netnsPath: ns.path, annotations: { 'io.circuit.network': net.name } });
    const r = circuit(['hook', 'createRuntime'], { stateDir, input: b.state() });
    assert.equal(r.code, 0, r.err);
    defer(t, () => {
      circuit(['hook', 'poststop'], { stateDir, input: b.state('stopped') });
    });
    return { id: b.id, ns: ns.name, ip: addrsIn(ns.name, 'eth0')[0]?.split('/')[0] ?? '', state: b.state };
  };
  const peers = Array.from({ length: count }, attach);
  return { dir, stateDir, net, peers, attach, cli: (args: string[]) => circuit(args, { stateDir }) };
}

/** iperf3 server in a netns, stopped after the test. */
export async function iperfServer(t: Pick<TestContext, 'after'>, peer: Peer): Promise<void> {
  const p: ChildProcess = spawn('ip', ['netns', 'exec', peer.ns, 'iperf3', '-s', '-B', peer.ip], {
    stdio: 'ignore',
  });
  defer(t, () => {
    p.kill('SIGKILL');
  });
  for (let i = 0; i < 100; i++) {
    if (trySh(['ip', 'netns', 'exec', peer.ns, 'ss', '-ltnH', 'sport', '= :5201']).out.trim()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('iperf3 server did not start');
}

/** TCP goodput in Mbit/s from client to server (reverse: server to client). */
export function iperfMbit(client: Peer, server: Peer, reverse = false, seconds = 3): number {
  const args = [
    'ip',
    'netns',
    'exec',
    client.ns,
    'iperf3',
    '-c',
    server.ip,
    '-t',
    String(seconds),
    '-O',
    '1',
    '-J',
  ];
  if (reverse) args.push('-R');
  const out = JSON.parse(sh(args)) as { end: { sum_received: { bits_per_second: number } } };
  return out.end.sum_received.bits_per_second / 1e6;
}

export function within(actual: number, target: number, tolerance = 0.1): boolean {
  return Math.abs(actual - target) <= target * tolerance;
}

/** Average ping RTT (ms) and loss (%) from a netns. */
/** ping's loss and round trips; `min` is the figure to compare delays with (VM hiccups only raise avg). */
export function ping(
  from: Peer,
  to: Peer,
  count: number,
  interval = '0.2',
): { min: number; avg: number; loss: number } {
  const r = trySh([
    'ip',
    'netns',
    'exec',
    from.ns,
    'ping',
    '-q',
    '-c',
    String(count),
    '-i',
    interval,
    '-W',
    '2',
    to.ip,
  ]);
  const loss = /([\d.]+)% packet loss/.exec(r.out);
  const rtt = /= ([\d.]+)\/([\d.]+)\//.exec(r.out);
  assert.ok(loss, r.out + r.err);
  return {
    min: rtt ? Number(rtt[1]) : Number.NaN,
    avg: rtt ? Number(rtt[2]) : Number.NaN,
    loss: Number(loss[1]),
  };
}
