import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { CIRCUIT_ARGV, type Cleanup, CNI_PATH, defer } from './sys';

export interface Daemon {
  address: string;
  socket: string;
  proc: ChildProcess;
  /** Everything the daemon logged so far (JSON lines). */
  log: () => string;
  /** SIGTERM and wait for the exit code. */
  stop: () => Promise<number | null>;
  kill: () => Promise<void>;
}

/** Wait until `check` is true (polling), or fail with `what`. */
export async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `circuit server` on a private unix socket and state dir; SIGKILLed after the test if still
 * running (the socket dir goes with the test's tmp dir).
 */
export async function startDaemon(
  t: Cleanup,
  dir: string,
  stateDir: string,
  extra: string[] = [],
  opts: {
    runcRoot?: string;
    wait?: boolean;
    name?: string;
    address?: string;
    /** What runs `server ...` (default: the tested build, CIRCUIT_ARGV). */
    argv?: readonly string[];
    cwd?: string;
    env?: Record<string, string>;
  } = {},
): Promise<Daemon> {
  const socket = join(dir, `${opts.name ?? 'api'}.sock`);
  const address = opts.address ?? `unix://${socket}`;
  const [file = process.execPath, ...pre] = opts.argv ?? CIRCUIT_ARGV;
  const args = [...pre, 'server', '--address', address, '--state-dir', stateDir, ...extra];
  if (opts.runcRoot) args.push('--runc-root', opts.runcRoot);
  const proc = spawn(file, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: opts.env ?? { ...process.env, CNI_PATH },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let log = '';
  proc.stderr?.on('data', (d) => {
    log += String(d);
  });
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      exited = code;
      resolve(code);
    }),
  );
  defer(t, async () => {
    if (exited === undefined) {
      proc.kill('SIGKILL');
      await exit;
    }
  });
  const d: Daemon = {
    address,
    socket,
    proc,
    log: () => log,
    stop: async () => {
      proc.kill('SIGTERM');
      return exit;
    },
    kill: async () => {
      proc.kill('SIGKILL');
      await exit;
    },
  };
  if (opts.wait !== false)
    await waitFor(() => log.includes('"msg":"serving"') || exited !== undefined, 'the daemon to serve');
  if (exited !== undefined) throw new Error(`daemon exited (${exited}): ${log}`);
  return d;
}
