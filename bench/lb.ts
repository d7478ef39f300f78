// LB benchmarks (nftables backend on the host; IPVS when the kernel has it): bulk vs single.
import { join } from 'node:path';
import { addTargets, createService, deleteServices, listServices } from '../src/lb/service';
import type { Service, Target } from '../src/lb/spec';
import { runCommand } from '../src/runner';
import { StateStore } from '../src/state/store';
import { tmpDir } from '../test/helpers/sys';
import { fmt, median, ratio, type Scope } from './util';

function targets(n: number, offset = 0): Target[] {
  return Array.from({ length: n }, (_, i) => {
    const x = i + offset;
    return { addr: `198.18.${200 + Math.floor(x / 250)}.${(x % 250) + 2}`, port: 8080, weight: 1 };
  });
}

function service(name: string, backend: 'nftables' | 'ipvs', port: number): Service {
  return {
    name,
    addr: '198.19.253.1',
    port,
    protocol: 'tcp',
    scheduler: 'rr',
    forward: 'masq',
    backend,
    targets: [],
    createdAt: new Date().toISOString(),
  };
}

export async function lbBench(scope: Scope, n: number, backend: 'nftables' | 'ipvs'): Promise<string[]> {
  const store = new StateStore(join(tmpDir(scope, 'circuit-bench-lb-'), 'state'));
  scope.after(async () => {
    await deleteServices(
      store,
      runCommand,
      listServices(store).map((s) => s.name),
    );
  });
  const t = (f: () => Promise<unknown>) => async () => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  // one target onto an empty service, with nothing else programmed
  await createService(store, runCommand, service('empty', backend, 83));
  const onEmpty: number[] = [];
  for (let i = 0; i < 10; i++)
    onEmpty.push(await t(() => addTargets(store, runCommand, 'empty', targets(1, n + 100 + i)))());
  await deleteServices(store, runCommand, ['empty']);
  await createService(store, runCommand, service('bulk', backend, 81));
  const bulk = await t(() => addTargets(store, runCommand, 'bulk', targets(n)))();
  await deleteServices(store, runCommand, ['bulk']);
  await createService(store, runCommand, service('single', backend, 82));
  const t0 = performance.now();
  for (const tg of targets(n)) await addTargets(store, runCommand, 'single', [tg]);
  const singles = performance.now() - t0;
  // one more target onto the full service
  const onFull: number[] = [];
  for (let i = 0; i < 10; i++)
    onFull.push(await t(() => addTargets(store, runCommand, 'single', targets(1, n + 10 + i)))());
  await deleteServices(store, runCommand, ['single']);
  return [
    `4. load balancer, ${backend} backend:`,
    `   ${n} targets in one transaction ${fmt(bulk)} vs ${n} single calls ${fmt(singles)}: singles/bulk = ${ratio(singles, bulk)}`,
    `   add 1 target to a ${n}-target service ${fmt(median(onFull))} vs to an empty one ${fmt(median(onEmpty))}: ${ratio(median(onFull), median(onEmpty))}`,
  ];
}
