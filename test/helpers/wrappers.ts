import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CIRCUIT_BIN, CNI_PATH, sh } from './sys';

/** The real tool's path, found before any wrapper is first on PATH. */
export const realTool = (tool: string): string => sh(['sh', '-c', `command -v ${tool}`]).trim();

/**
 * A wrapper for `tool` in `dir/bin` (put first on PATH with `pathWith`): `script` is sh run with
 * the tool's arguments in "$@" and `$REAL` set to the real tool; it ends by exec'ing it unless the
 * script exits first.
 */
export function toolWrapper(dir: string, tool: string, script: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const file = join(bin, tool);
  writeFileSync(file, `#!/bin/sh\nREAL=${realTool(tool)}\n${script}\nexec "$REAL" "$@"\n`);
  chmodSync(file, 0o755);
  return bin;
}

/** PATH with the wrappers' directory first. */
export const pathWith = (bin: string): string =>
  `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;

/** The built circuit, run asynchronously (for concurrent calls); `ms`: wall time. */
export function circuitAsync(
  args: string[],
  opts: { stateDir?: string; input?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string; err: string; ms: number }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_PATH,
    ...(opts.stateDir ? { CIRCUIT_STATE_DIR: opts.stateDir } : {}),
    ...opts.env,
  };
  const started = performance.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CIRCUIT_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('close', (code) => resolve({ code: code ?? -1, out, err, ms: performance.now() - started }));
    p.stdin.end(opts.input ?? '');
  });
}

/** Wait until `file` exists (a wrapper's "I am running" mark), at most `ms`. */
export async function waitForFile(file: string, ms = 10_000): Promise<void> {
  const { existsSync } = await import('node:fs');
  const until = Date.now() + ms;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} did not appear within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
