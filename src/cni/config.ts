import { UsageError } from '../errors';
import { firstIssue, networkName } from '../names';
import * as z from '../schema';
import { SUPPORTED_VERSIONS } from './version';

const pluginType = z
  .string()
  .check(
    z.minLength(1, 'plugin "type" is empty'),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'plugin "type" must be a plain file name (no "/")'),
  );

export const pluginConfSchema = z.looseObject({
  type: pluginType,
  capabilities: z.optional(z.record(z.string(), z.boolean())),
});
export type PluginConf = z.infer<typeof pluginConfSchema>;

const cniVersion = z.enum(SUPPORTED_VERSIONS, {
  error: (iss) =>
    `unsupported cniVersion ${JSON.stringify(iss.input)} (supported: ${SUPPORTED_VERSIONS.join(', ')})`,
});

const listSchema = z.looseObject({
  cniVersion,
  name: networkName,
  disableCheck: z.optional(z.boolean()),
  disableGC: z.optional(z.boolean()),
  plugins: z
    .array(pluginConfSchema)
    .check(z.minLength(1, 'a conflist needs at least one plugin'), z.maxLength(32)),
});

const singleSchema = z.extend(pluginConfSchema, { cniVersion, name: networkName });

/** A network as circuit runs it: always a list of plugins (a .conf is a one-plugin list). */
export interface NetworkConfig {
  name: string;
  cniVersion: string;
  disableCheck: boolean;
  disableGC: boolean;
  plugins: PluginConf[];
}

/** Parse a .conf or .conflist document (already JSON-decoded). Throws UsageError. */
export function parseNetworkConfig(doc: unknown, source = 'network config'): NetworkConfig {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UsageError(`${source}: expected a JSON object`);
  }
  if ('plugins' in doc) {
    const r = listSchema.safeParse(doc);
    if (!r.success) throw new UsageError(`${source}: ${firstIssue(r.error)}`);
    return {
      name: r.data.name,
      cniVersion: r.data.cniVersion,
      disableCheck: r.data.disableCheck ?? false,
      disableGC: r.data.disableGC ?? false,
      plugins: r.data.plugins,
    };
  }
  const r = singleSchema.safeParse(doc);
  if (!r.success) throw new UsageError(`${source}: ${firstIssue(r.error)}`);
  const { cniVersion: v, name, ...plugin } = r.data;
  return { name, cniVersion: v, disableCheck: false, disableGC: false, plugins: [plugin] };
}

export function parseNetworkConfigText(text: string, source = 'network config'): NetworkConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  return parseNetworkConfig(doc, source);
}

/** The conflist document for a network (what is stored and cached). */
export function toConfList(net: NetworkConfig): Record<string, unknown> {
  const doc: Record<string, unknown> = { cniVersion: net.cniVersion, name: net.name };
  if (net.disableCheck) doc.disableCheck = true;
  if (net.disableGC) doc.disableGC = true;
  doc.plugins = net.plugins;
  return doc;
}

/** Capabilities declared by any plugin of the chain. */
export function declaredCapabilities(net: NetworkConfig): Set<string> {
  const caps = new Set<string>();
  for (const p of net.plugins) {
    for (const [k, v] of Object.entries(p.capabilities ?? {})) if (v) caps.add(k);
  }
  return caps;
}
