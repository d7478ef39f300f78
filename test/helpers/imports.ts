// The source tree's import graph, read from the files themselves: every relative specifier in a
// static import/export, an `import type`, a dynamic `import()` or a `typeof import()` type is an
// edge (the layer rules see a type or a lazy load as a dependency too).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface Edge {
  from: string;
  to: string;
  dynamic: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Source text without comments and without the contents of plain string literals' neighbours. */
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && n === '*') {
      i = src.indexOf('*/', i + 2);
      i = i < 0 ? src.length : i + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = i++;
      while (i < src.length && src[i] !== c) i += src[i] === '\\' ? 2 : 1;
      out += src.slice(start, ++i);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const STATIC = /(?:^|[;\n}])\s*(?:import|export)\b(?:[^;'"`]*?\bfrom\s*)?\s*(['"])([^'"]+)\1/g;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g;

function resolve(from: string, spec: string, files: Set<string>): string | undefined {
  const base = join(dirname(from), spec);
  for (const cand of [base, `${base}.ts`, join(base, 'index.ts')]) if (files.has(cand)) return cand;
  return undefined;
}

/** Every edge between files under `root` (paths relative to the repo, e.g. `src/hook/hook.ts`). */
export function importGraph(root = 'src'): { files: string[]; edges: Edge[]; unresolved: string[] } {
  const files = walk(root).map((f) => relative('.', f));
  const set = new Set(files);
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const from of files) {
    const src = stripComments(readFileSync(from, 'utf8'));
    for (const [re, dynamic] of [
      [STATIC, false],
      [DYNAMIC, true],
    ] as const) {
      for (const m of src.matchAll(re)) {
        const spec = m[2] as string;
        if (!spec.startsWith('.')) continue;
        const to = resolve(from, spec, set);
        if (to) edges.push({ from, to, dynamic });
        else unresolved.push(`${from} → ${spec}`);
      }
    }
  }
  return { files, edges, unresolved };
}

/** Strongly connected components with more than one node (or a self-loop): the cycles. */
export function cycles(nodes: string[], edges: Array<[string, string]>): string[][] {
  const adj = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const [a, b] of edges) adj.get(a)?.push(b);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of adj.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (adj.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) visit(n);
  return out;
}
