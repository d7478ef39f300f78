import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { StateError } from '../errors';
import { LOCK_STALE_MS } from './lock';

/**
 * Serialise the changes of one state area (`lb`, `qos.<network>`, `topology`) whose kernel work
 * must not run inside the global state lock: an in-process queue per area (the daemon's calls)
 * plus a lockfile under `<root>/locks/` (other processes). Kernel steps run while this is held;
 * the global lock is taken only briefly, inside, to read and to record.
 *
 * Order: an area lock is taken first and the global lock inside it, never the other way round
 * (a holder of the global lock never waits for an area).
 */
const queues = new Map<string, Promise<unknown>>();

/** Kernel steps can be slow (60 s per step at most): wait long for the area, not forever. */
const RETRIES = { retries: 3000, factor: 1.2, minTimeout: 10, maxTimeout: 200, randomize: true };

export function withAreaLock<T>(root: string, area: string, fn: () => Promise<T>): Promise<T> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(area))
    throw new StateError(`bad lock area ${JSON.stringify(area)}`);
  const key = `${root}\0${area}`;
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => holdFile(root, area, fn));
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return next;
}

async function holdFile<T>(root: string, area: string, fn: () => Promise<T>): Promise<T> {
  const dir = join(root, 'locks');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: join(dir, `${area}.lock`),
      realpath: false,
      stale: LOCK_STALE_MS,
      update: 500,
      retries: RETRIES,
      onCompromised: () => {
        process.stderr.write(`circuit: warning: ${area} lock was taken over while held\n`);
      },
    });
  } catch (err) {
    throw new StateError(`could not lock ${area} in ${root}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
