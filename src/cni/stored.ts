import { NotFoundError } from '../errors';
import { networkName, validName } from '../names';
import type { StateStore } from '../state/store';
import { type NetworkConfig, parseNetworkConfig } from './config';

/** A network created with `circuit network create`. */
export function storedNetwork(store: StateStore, name: string): NetworkConfig {
  validName(networkName, name, 'network name');
  const rec = store.getNetwork(name);
  if (!rec) throw new NotFoundError(`network ${name} not found`);
  return parseNetworkConfig(rec.config, `network ${name}`);
}
