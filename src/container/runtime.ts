import type { ContainerRecord } from '../state/schemas';

/** The runtimes circuit tells apart in the registry, DNS rows and `network list`. */
export type RuntimeName = 'runc' | 'containerd' | 'docker' | 'podman';

/** Which runtime a recorded container belongs to (from who attached it). */
export function runtimeOf(r: Pick<ContainerRecord, 'source' | 'namespace'>): RuntimeName {
  if (r.source === 'docker') return 'docker';
  if (r.source === 'podman') return 'podman';
  if (r.source === 'containerd' || r.namespace) return 'containerd';
  return 'runc';
}
