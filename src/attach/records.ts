import type { ContainerRecord } from '../state/schemas';
import type { StateStore } from '../state/store';

/** Every container record in the state dir. */
export function allContainers(store: StateStore): ContainerRecord[] {
  return store
    .containerIds()
    .map((id) => store.getContainer(id))
    .filter((r): r is ContainerRecord => r !== undefined);
}
