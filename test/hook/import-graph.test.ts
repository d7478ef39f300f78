// The hook is on every container's start path: its static import graph must not pull in the
// CLI, the daemon, the API client or their libraries (they load lazily, elsewhere). The layer
// rules for the whole tree (where dynamic imports count too) are test/layers.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { build, type Metafile } from 'esbuild';
// @ts-expect-error: plain JS build config shared with scripts/build.mjs
import { ALIAS } from '../../scripts/build-config.mjs';

/** Files reachable from `entry` through static imports only (dynamic import() is lazy). */
async function staticGraph(entry: string): Promise<Set<string>> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    outdir: '/tmp/circuit-import-graph',
    alias: ALIAS as Record<string, string>,
    logLevel: 'silent',
  });
  const inputs = (r.metafile as Metafile).inputs;
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of inputs[file]?.imports ?? []) {
      if (imp.kind === 'dynamic-import' || imp.external) continue;
      walk(imp.path);
    }
  };
  walk(entry);
  return seen;
}

const FORBIDDEN = [
  /^src\/(cli|api|server|cluster|dns|containerd|docker|lb)\//,
  // topologies load only when one is named (the record check is all a plain container pays)
  /^src\/topology\/(?!records\.ts$)/,
  /^src\/cni\/generate\.ts$/,
  // QoS code loads only when a network has settings (the connect use-case checks for a file first)
  /^src\/qos\//,
  /node_modules\/(@grpc|grpc-health-check|prom-client|protobufjs|execa|@redis|redis|dns-packet|yaml|@viz-js)\//,
  // zod's classic API (the hook uses zod/mini through src/schema.ts) and fs-patching graceful-fs
  /node_modules\/zod\/v4\/classic\//,
  /node_modules\/graceful-fs\//,
];

describe('hook import graph', () => {
  it('main + hook load nothing CLI- or daemon-only', async () => {
    const graph = new Set([
      ...(await staticGraph('src/main.ts')),
      ...(await staticGraph('src/hook/command.ts')),
    ]);
    const bad = [...graph].filter((f) => FORBIDDEN.some((re) => re.test(f)));
    assert.deepEqual(bad, [], `on the hook path: ${bad.join(', ')}`);
    assert.ok(graph.has('src/hook/hook.ts'), 'the walk found the hook itself');
    assert.ok(
      [...graph].some((f) => f.includes('node_modules/zod/v4/mini/')),
      'the hook validates with zod/mini',
    );
  });

  it('the daemon and the CLI do load their libraries (the check sees dynamic edges as lazy)', async () => {
    const server = await staticGraph('src/server/run.ts');
    assert.ok([...server].some((f) => f.startsWith('src/api/')));
  });
});
