// Daemon benchmarks: idle memory, and `network list` through the API vs directly on the state dir.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalApi } from '../src/api/local';
import { RemoteApi } from '../src/api/remote';
import { runCommand } from '../src/runner';
import { StateStore } from '../src/state/store';
import { bridgeNetwork } from '../test/helpers/cni';
import { startDaemon } from '../test/helpers/server';
import { CIRCUIT_BIN, circuit, tmpDir } from '../test/helpers/sys';
import { fmt, median, ratio, type Scope, timed } from './util';

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

export async function serverBench(scope: Scope, n: number): Promise<string[]> {
  const dir = tmpDir(scope, 'circuit-bench-server-');
  const stateDir = join(dir, 'state');
  for (let i = 0; i < 10; i++) {
    const net = bridgeNetwork(scope, dir);
    circuit(['network', 'create', `bench${i}`, net.file, '--allow-overlap'], { stateDir });
  }
  const d = await startDaemon(scope, dir, stateDir);
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssMiB(d.proc.pid ?? 0);
  const cli = async (args: string[]) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(await timed([process.execPath, CIRCUIT_BIN, ...args]));
    return median(xs);
  };
  const direct = await cli(['--state-dir', stateDir, 'network', 'list']);
  const viaApi = await cli(['--address', d.address, 'network', 'list']);
  // in one process: the API round trip itself, without node's start-up
  const local = new LocalApi({
    store: new StateStore(stateDir),
    deps: { run: runCommand, cniPath: [], baseEnv: {} },
    runcRoot: undefined,
  });
  const remote = await RemoteApi.connect(d.address);
  const rounds = n * 20;
  const inProc = async (fn: () => Promise<unknown>) => {
    await fn();
    const xs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await fn();
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const lDirect = await inProc(() => local.listNetworks());
  const lRemote = await inProc(() => remote.listNetworks());
  remote.close();
  const busy = rssMiB(d.proc.pid ?? 0);
  await d.stop();
  return [
    '',
    `daemon (10 networks, medians of ${n} CLI runs / ${rounds} in-process calls):`,
    `  idle RSS ${idle.toFixed(1)} MiB (after ${n * 2 + rounds * 2} calls: ${busy.toFixed(1)} MiB)`,
    `  \`network list\` CLI through the API: ${fmt(viaApi)} = ${ratio(viaApi, direct)} direct (${fmt(direct)})`,
    `  listNetworks round trip in one process: API ${fmt(lRemote)} vs state dir ${fmt(lDirect)}`,
  ];
}
