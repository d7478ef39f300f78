import { readFileSync, statSync } from 'node:fs';
import { type NetworkConfig, parseNetworkConfigText } from '../cni/config';
import { storedNetwork } from '../cni/stored';
import { NotFoundError, UsageError } from '../errors';
import { DOCKER_SOURCE } from '../state/schemas';
import type { StateStore } from '../state/store';

const MAX_CONF_BYTES = 1024 * 1024;

/** The text of a network config file (at most 1 MiB), or one clear error. */
export function readConfigText(path: string): string {
  try {
    if (statSync(path).size > MAX_CONF_BYTES) throw new UsageError(`${path}: larger than 1 MiB`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`network config file ${path} does not exist`);
    throw new UsageError(`cannot read network config ${path}: ${(err as Error).message}`);
  }
}

export function readConfigFile(path: string): NetworkConfig {
  return parseNetworkConfigText(readConfigText(path), path);
}

/** A stored network a container can be attached to by CNI (not one Docker's driver manages). */
export function attachableNetwork(store: StateStore, name: string): NetworkConfig {
  const net = storedNetwork(store, name);
  if (store.getNetwork(name)?.source === DOCKER_SOURCE)
    throw new UsageError(
      `network ${name} is a Docker network; attach containers with docker run --net ${name}`,
    );
  return net;
}

export { DOCKER_ID_PREFIX, DOCKER_SOURCE } from '../state/schemas';

/** CNI_CONF is a path to a .conf/.conflist file, or the name of a stored network. */
export function resolveCniConf(store: StateStore, value: string): NetworkConfig {
  if (value.includes('/') || /\.(conf|conflist|json)$/.test(value)) return readConfigFile(value);
  return attachableNetwork(store, value);
}
