import type { ContainerRecord } from '../state/schemas';
import type { StateStore } from '../state/store';

/** Every readable container record (a corrupt one is skipped with one warning line). */
export function allContainers(store: StateStore): ContainerRecord[] {
  return store.allContainers();
}
