import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CIRCUIT_BIN = join(ROOT, 'dist/circuit.js');
/** The standalone executable (bun --compile) of the same source. */
export const CIRCUIT_EXE = join(ROOT, 'dist/circuit-bin');
/**
 * The build the helpers drive (CLI, daemon, runc hooks): dist/circuit.js under node, or with
 * CIRCUIT_TEST_BIN=exe the standalone dist/circuit-bin (`CIRCUIT_TEST_BIN=exe node
 * scripts/test.mjs FILE...`).
 */
export const TEST_EXE = process.env.CIRCUIT_TEST_BIN === 'exe';
/** The argv prefix that runs the tested build. */
export const CIRCUIT_ARGV: readonly string[] = TEST_EXE ? [CIRCUIT_EXE] : [process.execPath, CIRCUIT_BIN];
/** The executable a runc hook names for the tested build. */
export const CIRCUIT_HOOK = TEST_EXE ? CIRCUIT_EXE : CIRCUIT_BIN;
export const TEST_PLUGINS = join(ROOT, 'test/fixtures/plugins');
export const CNI_PATH = `/usr/lib/cni:${TEST_PLUGINS}`;

export function uid(bytes = 3): string {
  return randomBytes(bytes).toString('hex');
}

/** Run a command (argv), return stdout; throw with stderr on failure. */
export function sh(argv: string[], input?: string): string {
  const [file, ...args] = argv;
  return execFileSync(file ?? 'false', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function trySh(argv: string[], input?: string): { code: number; out: string; err: string } {
  const [file, ...args] = argv;
  const r = spawnSync(file ?? 'false', args, { encoding: 'utf8', input });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

export type Cleanup = { after: (fn: () => void | Promise<void>) => void };

const stacks = new WeakMap<object, (() => void | Promise<void>)[]>();

/**
 * Register cleanup that runs last-in first-out (node:test runs t.after hooks
 * in registration order, which would delete a runc root before its containers).
 */
export function defer(t: Cleanup, fn: () => void | Promise<void>): void {
  let stack = stacks.get(t);
  if (!stack) {
    const fresh: (() => void | Promise<void>)[] = [];
    stack = fresh;
    stacks.set(t, fresh);
    t.after(async () => {
      for (let f = fresh.pop(); f; f = fresh.pop()) {
        try {
          await f();
        } catch (err) {
          process.stderr.write(`cleanup failed: ${String(err)}\n`);
        }
      }
    });
  }
  stack.push(fn);
}

export function tmpDir(t: Cleanup | TestContext, prefix = 'circuit-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fresh network namespace, deleted after the test. */
export function netns(t: Cleanup | TestContext): { name: string; path: string } {
  const name = `ct-${uid()}`;
  sh(['ip', 'netns', 'add', name]);
  defer(t, () => {
    trySh(['ip', 'netns', 'del', name]);
  });
  return { name, path: `/var/run/netns/${name}` };
}

let subnetCounter = Math.floor(Math.random() * 200);
/** A /24 from the benchmark range 198.18.0.0/15, different for each call in this process. */
export function subnet(): { cidr: string; prefix: string } {
  subnetCounter = (subnetCounter + 1) % 510;
  const second = 18 + Math.floor(subnetCounter / 255);
  const third = (subnetCounter % 255) + 1;
  return { cidr: `198.${second}.${third}.0/24`, prefix: `198.${second}.${third}` };
}

/** Run the built circuit binary. */
export function circuit(
  args: string[],
  opts: { stateDir?: string; input?: string; env?: Record<string, string> } = {},
): { code: number; out: string; err: string } {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_PATH,
    ...(opts.stateDir ? { CIRCUIT_STATE_DIR: opts.stateDir } : {}),
    ...opts.env,
  };
  const [file = process.execPath, ...pre] = CIRCUIT_ARGV;
  const r = spawnSync(file, [...pre, ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    env,
  });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

export function links(): string[] {
  return (JSON.parse(sh(['ip', '-j', 'link', 'show'])) as { ifname: string }[]).map((l) => l.ifname);
}

/** Run argv asynchronously and collect its output (for calls that must overlap others). */
export function spawnCollect(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const [file = 'false', ...args] = argv;
    const p = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += String(d);
    });
    p.stderr.on('data', (d) => {
      err += String(d);
    });
    p.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
