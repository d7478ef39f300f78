// Daemon benchmarks: idle memory of each build's daemon, and CLI calls through the API vs directly
// on the state dir (`network list`, `network ips X`, `lb list`), each build against its own daemon.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalApi } from '../src/api/local';
import { RemoteApi } from '../src/api/remote';
import { runCommand } from '../src/runner';
import { StateStore } from '../src/state/store';
import { bridgeNetwork } from '../test/helpers/cni';
import { startDaemon } from '../test/helpers/server';
import { CIRCUIT_BIN, CIRCUIT_EXE, circuit, netns, tmpDir } from '../test/helpers/sys';
import { type Check, fmt, median, ratio, type Scope, timed } from './util';

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** The CLI-through-daemon target (issue "One binary"): <= 1.5x the same direct call, binary. */
const VIA_API_MAX = 1.5;

export async function serverBench(scope: Scope, n: number, checks: Check[] = []): Promise<string[]> {
  const dir = tmpDir(scope, 'circuit-bench-server-');
  const stateDir = join(dir, 'state');
  for (let i = 0; i < 10; i++) {
    const net = bridgeNetwork(scope, dir);
    circuit(['network', 'create', `bench${i}`, net.file, '--allow-overlap'], { stateDir });
  }
  // one attached process (a pid in its own netns) for `network ips`
  const ns = netns(scope);
  const holder = spawn('ip', ['netns', 'exec', ns.name, 'sleep', '3600'], { stdio: 'ignore' });
  scope.after(() => {
    holder.kill('SIGKILL');
  });
  await new Promise((r) => setTimeout(r, 200));
  const pid = String(holder.pid ?? 0);
  const connected = circuit(['network', 'connect', pid, 'bench0'], { stateDir });
  if (connected.code !== 0) throw new Error(`bench: network connect: ${connected.err}`);
  scope.after(() => void circuit(['network', 'disconnect', pid, 'bench0'], { stateDir }));

  const builds: [string, string[]][] = [
    ['circuit-bin', [CIRCUIT_EXE]],
    ['node', [process.execPath, CIRCUIT_BIN]],
  ];
  const out = ['', `daemon (10 networks, 1 attachment; medians of ${n} CLI runs):`];
  const commands = [
    ['network', 'list'],
    ['network', 'ips', pid],
    ['lb', 'list'],
  ];
  for (const [name, argv] of builds) {
    const d = await startDaemon(scope, dir, stateDir, [], { argv, name });
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssMiB(d.proc.pid ?? 0);
    out.push(`  ${name}: daemon idle RSS ${idle.toFixed(1)} MiB`);
    for (const cmd of commands) {
      const run = async (pre: string[]) => {
        const xs: number[] = [];
        for (let i = 0; i < n; i++) xs.push(await timed([...argv, ...pre, ...cmd]));
        return median(xs);
      };
      const direct = await run(['--state-dir', stateDir]);
      const viaApi = await run(['--address', d.address]);
      out.push(
        `    \`${cmd.join(' ').replace(pid, 'PID')}\` through the API: ${fmt(viaApi)} = ${ratio(viaApi, direct)} direct (${fmt(direct)})`,
      );
      if (name === 'circuit-bin')
        checks.push({
          what: `\`${cmd.join(' ').replace(pid, 'PID')}\` through the daemon / direct, circuit-bin`,
          value: viaApi / direct,
          max: VIA_API_MAX,
          unit: 'x',
        });
    }
    if (name === 'circuit-bin') out.push(await roundTrip(stateDir, d.address, n * 20));
    await d.stop();
  }
  return out;
}

/** In one process: the API round trip itself (the test process's client), without a process start. */
async function roundTrip(stateDir: string, address: string, rounds: number): Promise<string> {
  const local = new LocalApi({
    store: new StateStore(stateDir),
    deps: { run: runCommand, cniPath: [], baseEnv: {} },
    runcRoot: undefined,
  });
  const remote = await RemoteApi.connect(address);
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
  return `    listNetworks round trip in one process (${rounds} calls): API ${fmt(lRemote)} vs state dir ${fmt(lDirect)}`;
}
