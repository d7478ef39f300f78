import { withAreaLock } from '../state/area-lock';
import type { StateStore } from '../state/store';

/**
 * Run a change of Docker's networks or endpoints: serialised with every other one by the Docker
 * area's own lock, never the global one. Inside it, records are read and written under the
 * global lock held briefly, and ip/nft run with no state lock held, so a slow kernel call stalls
 * no container start. Never called with the global lock held (lock order: area first).
 */
export function dockerLocked<T>(store: StateStore, fn: () => Promise<T>): Promise<T> {
  return withAreaLock(store.root, 'docker', fn);
}
