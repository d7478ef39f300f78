// Collect test files and run them with node's test runner (via tsx for TypeScript).
//   node scripts/test.mjs host    all host-kernel tests (unit, integration, runc end-to-end)
//   node scripts/test.mjs kernel  the kernel lane (QEMU VM with a full Debian kernel)
//   node scripts/test.mjs all     both
//   node scripts/test.mjs FILE... just these files, on the host
// Ends with one line adding up every runner: `circuit: N passed, N failed`.
import { spawn } from 'node:child_process';
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

const totals = { pass: 0, fail: 0 };

/** Run a command, pass its output through, and add up node:test's "ℹ pass N" / "ℹ fail N" lines. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ℹ (pass|fail) (\d+)\s*$/.exec(line.replace(/\r$/, ''));
        if (m) totals[m[1]] += Number(m[2]);
      }
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const runHost = (files) =>
  run(process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    ...files,
  ]);
const runKernel = () => run('bash', ['scripts/kernel-lane.sh', ...kernel]);

const mode = process.argv[2] ?? 'host';
let status = 0;
if (mode === 'host') status = await runHost(host);
else if (mode === 'kernel') status = await runKernel();
else if (mode === 'all') {
  status = await runHost(host);
  const k = await runKernel();
  status = status || k;
} else status = await runHost(process.argv.slice(2));
if (status !== 0 && totals.fail === 0) totals.fail = 1; // a runner that died still fails the run
console.log(`\ncircuit: ${totals.pass} passed, ${totals.fail} failed`);
process.exit(status);
