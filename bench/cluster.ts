// Cluster over Redis: `network ips` across 3 nodes × 1,000 registered containers (API round trip,
// medians) vs the same call on a lone daemon, and the time from a hook's ADD on one node until
// another node answers with the new container.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteApi } from '../src/api/remote';
import type { ContainerRecord } from '../src/state/schemas';
import { StateStore } from '../src/state/store';
import { namedBridgeNetwork } from '../test/helpers/cni';
import { startRedis } from '../test/helpers/redis';
import { busyboxRootfs, runcEnv } from '../test/helpers/runc';
import { startDaemon } from '../test/helpers/server';
import { tmpDir, uid } from '../test/helpers/sys';
import { fmt, median, percentile, ratio, type Scope } from './util';

const NET = 'shared';

function populate(stateDir: string, count: number, third: number): void {
  const store = new StateStore(stateDir);
  const now = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const id = `c${String(i).padStart(4, '0')}`;
    const rec: ContainerRecord = {
      id,
      netns: { path: `/proc/1/ns/net` },
      source: 'hook',
      createdAt: now,
      attachments: [
        {
          network: NET,
          ifName: 'eth0',
          status: 'attached',
          ips: [`198.19.${third}.${(i % 250) + 2}/16`],
          updatedAt: now,
        },
      ],
    };
    store.putContainer(rec);
  }
}

async function rounds(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return xs;
}

export async function clusterBench(scope: Scope, perNode = 1000, n = 200): Promise<string[]> {
  const dir = tmpDir(scope, 'circuit-bench-cluster-');
  const redis = await startRedis(scope, dir);
  const rootfs = busyboxRootfs(dir);
  const homes = ['n1', 'n2', 'n3'].map((name, i) => {
    const home = join(dir, name);
    mkdirSync(home);
    const rc = runcEnv(scope, home, rootfs);
    populate(rc.stateDir, perNode, 100 + i);
    namedBridgeNetwork(scope, home, NET, rc.stateDir);
    return { name, home, rc };
  });
  const daemons = [];
  for (const h of homes)
    daemons.push(
      await startDaemon(scope, h.home, h.rc.stateDir, ['--redis-url', redis.url, '--node-name', h.name], {
        runcRoot: h.rc.root,
      }),
    );
  const lone = await startDaemon(scope, homes[0]?.home ?? dir, homes[0]?.rc.stateDir ?? '', [], {
    name: 'lone',
  });
  const api = await RemoteApi.connect(daemons[0]?.address ?? '');
  const loneApi = await RemoteApi.connect(lone.address);
  scope.after(() => {
    api.close();
    loneApi.close();
  });
  const deadline = Date.now() + 30_000;
  while ((await api.containerIps('c0999').catch(() => [])).length < 3 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  const pick = () => `c${String(Math.floor(Math.random() * perNode)).padStart(4, '0')}`;
  const fleet = await rounds(n, () => api.containerIps(pick()));
  const local = await rounds(n, () => loneApi.containerIps(pick()));
  const nodes = await rounds(n, () => api.clusterNodes());

  // hook ADD on n3 → visible from n1: runc run -d returns after the createRuntime hook's ADD
  const n3 = homes[2];
  const visible: number[] = [];
  for (let i = 0; i < 5 && n3; i++) {
    const c = n3.rc.bundle({ id: `v${i}${uid(2)}`, cniConf: NET });
    const r = await n3.rc.run(c.id, c.bundle);
    if (r.code !== 0) throw new Error(`runc run: ${r.err}`);
    const t0 = performance.now();
    while (!(await api.containerIps(c.id).catch(() => [])).some((x) => x.node === 'n3'))
      await new Promise((res) => setTimeout(res, 5));
    visible.push(performance.now() - t0);
    n3.rc.del(c.id);
  }
  for (const d of [...daemons, lone]) await d.stop();
  return [
    '',
    `cluster (redis-server on loopback, 3 nodes x ${perNode} containers, every name on all 3 nodes; ${n} calls):`,
    `  network ips NAME (3 rows from 3 nodes): median ${fmt(median(fleet))}, p99 ${fmt(percentile(fleet, 99))} = ${ratio(median(fleet), median(local))} a lone daemon's local answer (${fmt(median(local))})`,
    `  cluster nodes: median ${fmt(median(nodes))}`,
    `  hook ADD on n3 -> visible from n1: median ${fmt(median(visible))}, max ${fmt(Math.max(...visible))} (5 containers)`,
  ];
}
