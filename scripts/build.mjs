// Build dist/:
//   dist/circuit.js (+ dist/chunks/): the node bundle. The hook's code is in the entry and its
//     shared chunks; the CLI's and the daemon's in chunks loaded only by the commands that use
//     them; the daemon's libraries from node_modules (build-config.mjs: NODE_EXTERNAL).
//   dist/circuit-bin: the same source as a standalone executable (scripts/build-bin.mjs: bun,
//     bytecode, code splitting, the same lazily loaded chunks), the faster hook (~4 ms start + the
//     hook's chunks vs ~70 ms node) and the whole product in one file.
//     Skipped with CIRCUIT_NO_BIN=1 or where bun is not installed.
// Both read every .proto at build time (build-config.mjs: PROTOS); neither reads one at run time.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildPlugin, compileProtos, NODE_EXTERNAL } from './build-config.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync('dist', { recursive: true, force: true });
const gen = mkdtempSync(join(tmpdir(), 'circuit-build-'));
try {
  const protos = compileProtos(gen);
  const result = await build({
    entryPoints: { circuit: 'src/main.ts' },
    outdir: 'dist',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: false,
    metafile: true,
    chunkNames: 'chunks/[name]-[hash]',
    external: NODE_EXTERNAL,
    plugins: [buildPlugin(protos)],
    define: { 'process.env.CIRCUIT_VERSION': JSON.stringify(pkg.version) },
    banner: {
      js: "#!/usr/bin/env node\nimport{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  chmodSync('dist/circuit.js', 0o755);
  if (process.argv.includes('--analyze')) {
    const { analyzeMetafile } = await import('esbuild');
    console.log(await analyzeMetafile(result.metafile));
  }

  const bun = 'node_modules/.bin/bun';
  if (process.env.CIRCUIT_NO_BIN !== '1' && existsSync(bun)) {
    const r = spawnSync(bun, ['scripts/build-bin.mjs', pkg.version], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0) {
      console.error('build: bun --compile failed');
      process.exit(1);
    }
  }
} finally {
  rmSync(gen, { recursive: true, force: true });
}
