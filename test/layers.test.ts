// The source tree's layers (ARCHITECTURE.md): imports only point down, and nothing imports in a
// circle. Every import counts here: static, `import type`, and dynamic `import()` (a lazy load is
// still a dependency; only the hook-path guard in test/hook/import-graph.test.ts treats it as lazy).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cycles, type Edge, importGraph } from './helpers/imports';

/** Bottom to top. A file may import its own layer (acyclically) and any layer below it. */
const LAYERS: { name: string; folders: string[] }[] = [
  { name: 'base', folders: ['', 'kernel'] },
  { name: 'state', folders: ['state'] },
  {
    name: 'mechanisms',
    folders: ['cni', 'oci', 'container', 'attach', 'qos', 'lb', 'topology', 'dns', 'connect'],
  },
  // podman/: the Podman integration (being added next to docker/)
  { name: 'integrations', folders: ['hook', 'containerd', 'cluster', 'docker', 'podman'] },
  { name: 'api', folders: ['api'] },
  { name: 'front ends', folders: ['cli', 'server'] },
  { name: 'main', folders: ['main'] },
];
/** Imported by src/main.ts only (and by their own files). */
const FRONT_ENDS = ['cli', 'server'];

/** `src/x.ts` → '' (a base file), `src/main.ts` → 'main', `src/hook/hook.ts` → 'hook'. */
function folderOf(file: string): string {
  const rest = file.replace(/^src\//, '');
  if (rest === 'main.ts') return 'main';
  return rest.includes('/') ? (rest.split('/')[0] ?? '') : '';
}

function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.folders.includes(folderOf(file)));
}

const show = (e: Edge) => `${e.from} → ${e.to}${e.dynamic ? ' (import())' : ''}`;

describe('layers', () => {
  const { files, edges, unresolved } = importGraph('src');

  it('the scanner sees the tree (static, type-only and dynamic edges)', () => {
    assert.deepEqual(unresolved, [], 'every relative import resolves to a file under src/');
    const has = (from: string, to: string, dynamic: boolean) =>
      edges.some((e) => e.from === from && e.to === to && e.dynamic === dynamic);
    assert.ok(has('src/hook/hook.ts', 'src/connect/connect.ts', false), 'a static import');
    assert.ok(has('src/main.ts', 'src/cli/cli.ts', true), 'a dynamic import()');
    assert.ok(has('src/api/types.ts', 'src/cluster/schemas.ts', false), 'an import type');
  });

  it('every source file is in a layer', () => {
    const lost = files.filter((f) => layerOf(f) < 0);
    assert.deepEqual(lost, [], 'a new folder goes into LAYERS (and ARCHITECTURE.md) first');
  });

  it('imports point down the layers', () => {
    const up = edges.filter((e) => layerOf(e.to) > layerOf(e.from)).map(show);
    assert.deepEqual(up, [], 'base → state → mechanisms → integrations → api → cli, server → main');
  });

  it('cli/ and server/ are imported by main only', () => {
    const bad = edges
      .filter((e) => FRONT_ENDS.includes(folderOf(e.to)) && folderOf(e.from) !== folderOf(e.to))
      .filter((e) => e.from !== 'src/main.ts')
      .map(show);
    assert.deepEqual(bad, []);
  });

  it('no file imports itself in a circle', () => {
    assert.deepEqual(
      cycles(
        files,
        edges.map((e) => [e.from, e.to]),
      ),
      [],
    );
  });

  it('no folder imports itself in a circle (a base file counts as its own folder)', () => {
    const unit = (f: string) => (folderOf(f) === '' ? f : `src/${folderOf(f)}/`);
    const units = [...new Set(files.map(unit))];
    const between = edges.filter((e) => unit(e.from) !== unit(e.to));
    const found = cycles(
      units,
      between.map((e) => [unit(e.from), unit(e.to)]),
    );
    const explain = found.map((c) =>
      between
        .filter((e) => c.includes(unit(e.from)) && c.includes(unit(e.to)))
        .map(show)
        .join(', '),
    );
    assert.deepEqual(explain, []);
  });
});
