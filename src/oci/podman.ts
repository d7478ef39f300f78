import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as z from '../schema';

/** The annotation podman (libpod) puts in every container's config: `io.container.manager=libpod`. */
export const MANAGER_ANNOTATION = 'io.container.manager';
export const PODMAN_MANAGER = 'libpod';

/** Podman shows (and accepts) the first 12 hex digits of an id. */
export const SHORT_ID_LENGTH = 12;

/** True when the container's config was written by podman (its manager annotation). */
export function isPodman(annotations: Record<string, string>): boolean {
  return annotations[MANAGER_ANNOTATION] === PODMAN_MANAGER;
}

const storageEntries = z.array(z.looseObject({ id: z.string(), names: z.optional(z.array(z.string())) }));

/**
 * Podman's name for a container. Podman 4 puts no name in the OCI config or the hook's state, so it
 * comes from containers/storage, which keeps it next to the bundle: the bundle is
 * `<graphroot>/<driver>-containers/<id>/userdata` and `<driver>-containers/containers.json` lists
 * `{id, names}` of every container. Failing that (another layout, an unreadable file), the short id.
 */
export function podmanName(id: string, bundle: string): string {
  const short = id.slice(0, SHORT_ID_LENGTH);
  if (basename(bundle) !== 'userdata' || basename(dirname(bundle)) !== id) return short;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(join(dirname(dirname(bundle)), 'containers.json'), 'utf8'));
  } catch {
    return short;
  }
  const r = z.safeParse(storageEntries, doc);
  const name = r.success ? r.data.find((c) => c.id === id)?.names?.[0] : undefined;
  return name && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) ? name : short;
}
