import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from './server';
import { type Cleanup, defer, trySh } from './sys';

export interface Redis {
  url: string;
  port: number;
  cli: (args: string[]) => { code: number; out: string; err: string };
  /** SIGTERM and wait (no persistence: the data goes with it). */
  stop: () => Promise<void>;
  /** Start again on the same port. */
  start: () => Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Debian's redis-server on 127.0.0.1 and a random port, no persistence, stopped after the test
 * (also on failure).
 */
export async function startRedis(t: Cleanup, dir: string): Promise<Redis> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  let exit: Promise<void> = Promise.resolve();
  const cli = (args: string[]) => trySh(['redis-cli', '-h', '127.0.0.1', '-p', String(port), ...args]);
  const r: Redis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    cli,
    start: async () => {
      const p = spawn(
        'redis-server',
        ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' },
      );
      proc = p;
      exit = new Promise((resolve) => p.once('exit', () => resolve()));
      await waitFor(() => cli(['ping']).out.trim() === 'PONG', 'redis-server to answer');
    },
    stop: async () => {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      p.kill('SIGTERM');
      await exit;
    },
  };
  defer(t, () => r.stop());
  await r.start();
  return r;
}
