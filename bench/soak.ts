// npm run soak -- [N]: N random container lifecycles with faults (plugin failure mid-chain,
// SIGKILLed hook, double poststop, runc kill -9), then `circuit gc`, then leak counts.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeNetwork, iptablesMentions, leases } from '../test/helpers/cni';
import { busyboxRootfs, runcEnv } from '../test/helpers/runc';
import { CIRCUIT_EXE, circuit, sh, tmpDir, trySh } from '../test/helpers/sys';
import { Scope } from './util';

const N = Number(process.argv[2] ?? 40);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const scope = new Scope();
const counts: Record<string, number> = {};
const bump = (k: string) => {
  counts[k] = (counts[k] ?? 0) + 1;
};

try {
  const dir = tmpDir(scope, 'circuit-soak-');
  const rootfs = busyboxRootfs(dir);
  const net = bridgeNetwork(scope, dir, { extra: [{ type: 'circuit-test', sleepMs: 40 }] });
  const failing = join(dir, 'failing.conflist');
  const { cniVersion, name, plugins } = net.conf as { cniVersion: string; name: string; plugins: unknown[] };
  writeFileSync(
    failing,
    JSON.stringify({ cniVersion, name, plugins: [plugins[0], { type: 'circuit-test', failOn: ['ADD'] }] }),
  );
  const rc = runcEnv(scope, dir, rootfs);
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const fault =
      ['none', 'plugin-fails', 'sigkill-hook', 'double-poststop', 'kill-9'][Math.floor(Math.random() * 5)] ??
      'none';
    bump(fault);
    const b = rc.bundle({ cniConf: fault === 'plugin-fails' ? failing : net.file, bin: CIRCUIT_EXE });
    ids.push(b.id);
    const running = rc.run(b.id, b.bundle);
    if (fault === 'sigkill-hook') {
      await sleep(Math.random() * 120);
      for (const pid of trySh(['pgrep', '-f', `hook createRuntime --state-dir ${rc.stateDir}`])
        .out.split('\n')
        .filter(Boolean)) {
        trySh(['kill', '-9', pid]);
      }
    }
    const r = await running;
    bump(r.code === 0 ? 'started' : 'refused');
    if (r.code !== 0) continue;
    if (fault === 'kill-9') trySh(['runc', '--root', rc.root, 'kill', b.id, 'KILL']);
    rc.del(b.id);
    if (fault === 'double-poststop') {
      circuit(['hook', 'poststop', '--state-dir', rc.stateDir], {
        input: JSON.stringify({ ociVersion: '1.0.2', id: b.id, status: 'stopped', bundle: b.bundle }),
      });
    }
  }
  await sleep(300);
  const gc = circuit(['gc'], { stateDir: rc.stateDir });
  const state = (sub: string) =>
    existsSync(join(rc.stateDir, sub)) ? readdirSync(join(rc.stateDir, sub)).length : 0;
  const ports = existsSync(`/sys/class/net/${net.bridge}`)
    ? (JSON.parse(sh(['ip', '-j', 'link', 'show', 'master', net.bridge])) as unknown[]).length
    : 0;
  const leaks = {
    leases: leases(net).length,
    veths: ports,
    stateRecords: state('containers'),
    cacheEntries: state('cache/results'),
    iptablesRules: ids.filter((id) => iptablesMentions(id)).length,
    runcContainers: rc.list().length,
  };
  console.log(`soak: ${N} lifecycles ${JSON.stringify(counts)}`);
  console.log(`gc: exit ${gc.code}: ${gc.out.trim().split('\n').at(-1)}`);
  console.log(`leaks: ${JSON.stringify(leaks)}`);
  const total = Object.values(leaks).reduce((a, b) => a + b, 0);
  console.log(total === 0 ? 'soak: no leaks' : `soak: ${total} leaked objects`);
  process.exitCode = total === 0 && gc.code === 0 ? 0 : 1;
} finally {
  await scope.close();
}
