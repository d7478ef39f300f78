import type { CacheEntry } from '../state/schemas';
import { type NetworkConfig, parseNetworkConfig } from './config';
import type { RuntimeConf } from './plan';

/** The network config a cache entry was ADDed with (libcni stores it base64-encoded). */
export function cachedConfig(entry: CacheEntry): NetworkConfig {
  return parseNetworkConfig(
    JSON.parse(Buffer.from(entry.config, 'base64').toString('utf8')),
    'cached config',
  );
}

/** The runtime parameters of a cached attachment, with the netns to use now. */
export function cachedRuntime(entry: CacheEntry, netns: string): RuntimeConf {
  return {
    containerId: entry.containerId,
    netns,
    ifName: entry.ifName,
    args: entry.cniArgs ?? [],
    capabilityArgs: entry.capabilityArgs ?? {},
  };
}
