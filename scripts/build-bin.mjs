/* global Bun */
// Run by bun (scripts/build.mjs spawns it with the version): dist/circuit-bin, a standalone
// executable with code splitting, so a hook call loads only the hook's chunks (bytecode), never the
// CLI's, the daemon's or their libraries' (all bundled, in chunks that only `server` and
// `--address` clients load), nor zod's full build. Every .proto is compiled in (build-config.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlugin, compileProtos } from './build-config.mjs';

const version = process.argv[2] ?? '0.0.0';
const gen = mkdtempSync(join(tmpdir(), 'circuit-build-bin-'));
const result = await Bun.build({
  entrypoints: ['src/main.ts'],
  // a one-shot hook process never earns back the JIT's compile threads: tier up 100x later
  compile: { outfile: process.env.CIRCUIT_BIN_OUT ?? 'dist/circuit-bin', jitPolicy: 100 },
  splitting: true,
  bytecode: true,
  // identifiers not minified: bun (1.x) names its __toESM helper `m` in some builds, colliding with
  // the `(m) => __toESM(m.default, 1)` it emits for a dynamic import of a CommonJS module
  minify: { whitespace: true, syntax: true, identifiers: false },
  format: 'esm',
  define: { 'process.env.CIRCUIT_VERSION': JSON.stringify(version) },
  plugins: [buildPlugin(compileProtos(gen))],
});
rmSync(gen, { recursive: true, force: true });
if (!result.success) {
  for (const log of result.logs) console.error(String(log));
  process.exit(1);
}
