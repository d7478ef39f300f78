import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uid } from './sys';

/**
 * An OCI bundle whose config.json points the container's network namespace at
 * an existing netns path, and the hook's stdin for it. Lets tests drive the real
 * hook against real plugins without starting a container.
 */
export function ociBundle(
  dir: string,
  opts: { netnsPath: string; id?: string; annotations?: Record<string, string>; status?: string },
): { id: string; bundle: string; state: (status?: string) => string } {
  const id = opts.id ?? `c-${uid()}`;
  const bundle = join(dir, `bundle-${id}`);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(
    join(bundle, 'config.json'),
    JSON.stringify({
      ociVersion: '1.0.2',
      annotations: opts.annotations ?? {},
      linux: { namespaces: [{ type: 'pid' }, { type: 'network', path: opts.netnsPath }] },
    }),
  );
  return {
    id,
    bundle,
    state: (status = 'creating') =>
      JSON.stringify({ ociVersion: '1.0.2', id, status, pid: process.pid, bundle, annotations: {} }),
  };
}
