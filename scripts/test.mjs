// Collect test files and run them with node's test runner (via tsx for TypeScript).
//   node scripts/test.mjs host    all host-kernel tests (unit, integration, runc end-to-end)
//   node scripts/test.mjs kernel  the kernel lane (QEMU VM with a full Debian kernel)
//   node scripts/test.mjs all     both
//   node scripts/test.mjs FILE... just these files, on the host
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const all = walk('test')
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
const kernel = all.filter((f) => f.endsWith('.kernel.test.ts'));
const host = all.filter((f) => !kernel.includes(f));

function runHost(files) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
    { stdio: 'inherit' },
  );
  return r.status ?? 1;
}

function runKernel() {
  const r = spawnSync('bash', ['scripts/kernel-lane.sh', ...kernel], { stdio: 'inherit' });
  return r.status ?? 1;
}

const mode = process.argv[2] ?? 'host';
let status = 0;
if (mode === 'host') status = runHost(host);
else if (mode === 'kernel') status = runKernel();
else if (mode === 'all') {
  status = runHost(host);
  const k = runKernel();
  status = status || k;
} else status = runHost(process.argv.slice(2));
process.exit(status);
