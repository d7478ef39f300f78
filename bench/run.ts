// npm run bench [-- --quick] [--check] [--only-hook|--only-server|--only-containerd|--only-cluster|--only-lb|--only-podman]:
// prints ratios measured in this run (medians); --check exits 1 when a figure misses its target.

import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { clusterBench } from './cluster';
import { containerdBench } from './containerd';
import { hookBench } from './hook';
import { lbBench } from './lb';
import { podmanBench } from './podman';
import { serverBench } from './server';
import { type Check, checkLines, Scope } from './util';

const quick = process.argv.includes('--quick');
const n = quick ? 5 : 15;
const scope = new Scope();
const checks: Check[] = [];
const out = {
  push: (...lines: string[]) => {
    for (const l of lines) console.log(l);
  },
};
out.push(
  `circuit bench (${quick ? 'quick' : 'full'}): ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString()}`,
);
try {
  const only = process.argv.find((a) => a.startsWith('--only-'));
  if (!only || only === '--only-hook') out.push(...(await hookBench(scope, n, 64, 5000, checks)));
  if (!only || only === '--only-server') out.push(...(await serverBench(scope, n, checks)));
  if (!only || only === '--only-containerd') out.push(...(await containerdBench(scope, 20)));
  if (!only || only === '--only-cluster') out.push(...(await clusterBench(scope, 1000, quick ? 50 : 200)));
  if (!only || only === '--only-lb')
    out.push(
      ...(await lbBench(scope, quick ? 200 : 1000, existsSync('/proc/net/ip_vs') ? 'ipvs' : 'nftables')),
    );
  // podman only where it is installed (scripts/install-deps.sh adds it)
  if ((!only && existsSync('/usr/bin/podman')) || only === '--only-podman')
    out.push(...(await podmanBench(scope, n)));
} finally {
  await scope.close();
}
const { lines, failed } = checkLines(checks);
if (checks.length) out.push(...lines);
if (process.argv.includes('--check') && failed) {
  out.push(`bench: ${failed} target(s) missed`);
  process.exitCode = 1;
}
