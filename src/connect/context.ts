import type { ChainDeps } from '../cni/chain';
import type { StateStore } from '../state/store';

/** What connecting containers works with: the state dir, and how to run plugins and tools. */
export interface ConnectContext {
  store: StateStore;
  deps: ChainDeps;
}
