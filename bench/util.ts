import { spawn } from 'node:child_process';

/** Cleanup stack for a bench run (same contract as node:test's t.after). */
export class Scope {
  private fns: (() => void | Promise<void>)[] = [];
  after = (fn: () => void | Promise<void>): void => {
    this.fns.push(fn);
  };
  async close(): Promise<void> {
    for (let f = this.fns.pop(); f; f = this.fns.pop()) {
      try {
        await f();
      } catch {
        // keep cleaning
      }
    }
  }
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i] ?? Number.NaN;
}

/** Wall time of one process run, in ms. Rejects on a non-zero exit. */
export function timed(argv: string[], input?: string, env?: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const t0 = performance.now();
    const p = spawn(file ?? 'false', args, { stdio: ['pipe', 'ignore', 'pipe'], env: env ?? process.env });
    let err = '';
    p.stderr.on('data', (d) => {
      err += String(d);
    });
    // 'exit', not 'close': `runc run -d` leaves the container holding inherited pipes
    p.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${argv.join(' ')}: exit ${code}: ${err.trim()}`));
    });
    p.stdin.end(input ?? '');
  });
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

export function table(rows: string[][]): string {
  const w = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(w[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A measured figure and the most it may be (`npm run bench -- --check` fails above it). */
export interface Check {
  what: string;
  value: number;
  max: number;
  unit: string;
}

export function checkLines(checks: Check[]): { lines: string[]; failed: number } {
  const lines = ['', 'targets:'];
  let failed = 0;
  for (const c of checks) {
    const ok = c.value <= c.max;
    if (!ok) failed++;
    const v = c.unit === 'x' ? `${c.value.toFixed(2)}x` : `${Number(c.value.toFixed(1))}${c.unit}`;
    const m = c.unit === 'x' ? `${c.max}x` : `${c.max}${c.unit}`;
    lines.push(`  ${ok ? 'ok  ' : 'FAIL'} ${c.what}: ${v} (target <= ${m})`);
  }
  return { lines, failed };
}
