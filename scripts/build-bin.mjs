/* global Bun */
// Run by bun (scripts/build.mjs spawns it): dist/circuit-bin, a standalone executable with code
// splitting, so a hook call loads only the hook's chunks (bytecode), never the CLI's or zod's
// full build. Same externals and aliases as the node build.
import { ALIAS, EXTERNAL } from './build-config.mjs';

const version = process.argv[2] ?? '0.0.0';
const aliased = new RegExp(`^(${Object.keys(ALIAS).join('|')})$`);
const result = await Bun.build({
  entrypoints: ['src/main.ts'],
  // a one-shot hook process never earns back the JIT's compile threads: tier up 100x later
  compile: { outfile: process.env.CIRCUIT_BIN_OUT ?? 'dist/circuit-bin', jitPolicy: 100 },
  splitting: true,
  bytecode: true,
  minify: true,
  format: 'esm',
  external: EXTERNAL,
  define: { 'process.env.CIRCUIT_VERSION': JSON.stringify(version) },
  plugins: [
    {
      name: 'alias',
      setup(b) {
        b.onResolve({ filter: aliased }, (args) => ({ path: ALIAS[args.path] }));
      },
    },
  ],
});
if (!result.success) {
  for (const log of result.logs) console.error(String(log));
  process.exit(1);
}
