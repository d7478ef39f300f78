// npm run bench [-- --quick]: prints ratios measured in this run (medians).

import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { clusterBench } from './cluster';
import { containerdBench } from './containerd';
import { hookBench } from './hook';
import { lbBench } from './lb';
import { serverBench } from './server';
import { Scope } from './util';

const quick = process.argv.includes('--quick');
const n = quick ? 5 : 15;
const scope = new Scope();
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
  if (!only) out.push(...(await hookBench(scope, n, 64, 5000)));
  if (!only || only === '--only-server') out.push(...(await serverBench(scope, n)));
  if (!only || only === '--only-containerd') out.push(...(await containerdBench(scope, 20)));
  if (!only || only === '--only-cluster') out.push(...(await clusterBench(scope, 1000, quick ? 50 : 200)));
  if (!only || only === '--only-lb')
    out.push(
      ...(await lbBench(scope, quick ? 200 : 1000, existsSync('/proc/net/ip_vs') ? 'ipvs' : 'nftables')),
    );
} finally {
  await scope.close();
}
