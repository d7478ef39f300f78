import type { ChainDeps } from '../cni/chain';
import type { StateStore } from '../state/store';

/** What the local API works with: the state dir and how to run plugins and tools. */
export interface LocalContext {
  store: StateStore;
  deps: ChainDeps;
  /** runc --root for resolving container ids (a request may name its own). */
  runcRoot: string | undefined;
  /** containerd to resolve container names with (--containerd, or the daemon's). */
  containerd?: { socket: string; namespace: string };
}
