/** Format 2: no part may contain ":" (network names, container ids and interface names cannot). */
export const cacheFileName = (network: string, container: string, ifName: string) =>
  `${network}:${container}:${ifName}`;

/** Format 1 (libcni's): ambiguous when a network name or container id contains "-". */
export const legacyCacheFileName = (network: string, container: string, ifName: string) =>
  `${network}-${container}-${ifName}`;

export const isLegacyCacheFile = (file: string) => !file.includes(':');
