import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { StateError } from '../errors';

/** A holder that stops refreshing the lock (e.g. SIGKILLed) loses it after this long. */
export const LOCK_STALE_MS = 2000;

/**
 * Run fn while holding the state dir's global lock. The lock also serialises
 * CNI operations (one at a time per host, like nerdctl's global CNI lock).
 */
export async function withLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(root, {
      lockfilePath: join(root, 'lock'),
      realpath: false,
      stale: LOCK_STALE_MS,
      update: 500,
      retries: { retries: 1200, factor: 1.2, minTimeout: 5, maxTimeout: 50, randomize: true },
      onCompromised: () => {
        // Only reachable if the event loop stalled for longer than the stale time.
        process.stderr.write('circuit: warning: state lock was taken over while held\n');
      },
    });
  } catch (err) {
    throw new StateError(`could not lock state dir ${root}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
