import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors';
import * as z from '../schema';

const bundleConfigSchema = z.looseObject({
  annotations: z.optional(z.record(z.string(), z.string())),
  linux: z.optional(
    z.looseObject({
      namespaces: z.optional(z.array(z.looseObject({ type: z.string(), path: z.optional(z.string()) }))),
    }),
  ),
});

export interface BundleInfo {
  annotations: Record<string, string>;
  /** undefined: the container has no network namespace of its own (shares the host's). */
  netnsPath: string | undefined;
  /** true when config.json could be read. */
  found: boolean;
  /** The config names a network namespace to join (a path) instead of asking for a new one. */
  joinsNetns: boolean;
}

/**
 * What circuit needs from a bundle's config.json: annotations and the netns.
 * A config that cannot be read leaves the decision to the caller (found=false).
 */
export function readBundle(bundle: string, pid: number | undefined): BundleInfo {
  let text: string;
  try {
    text = readFileSync(join(bundle, 'config.json'), 'utf8');
  } catch {
    return {
      annotations: {},
      netnsPath: pid ? `/proc/${pid}/ns/net` : undefined,
      found: false,
      joinsNetns: false,
    };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(`${join(bundle, 'config.json')} is not valid JSON`);
  }
  const r = bundleConfigSchema.safeParse(doc);
  if (!r.success) throw new UsageError(`${join(bundle, 'config.json')} is not an OCI runtime config`);
  const ns = r.data.linux?.namespaces?.find((n) => n.type === 'network');
  let netnsPath: string | undefined;
  if (ns) netnsPath = ns.path ? ns.path : pid ? `/proc/${pid}/ns/net` : undefined;
  return { annotations: r.data.annotations ?? {}, netnsPath, found: true, joinsNetns: !!ns?.path };
}
