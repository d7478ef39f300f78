import { existsSync } from 'node:fs';
import type { StateStore } from '../state/store';

const qosFile = (store: StateStore, network: string) => store.path(`qos/${network}.json`);

/** True when a network has stored QoS settings (checked before loading the QoS code). */
export function hasQos(store: StateStore, network: string): boolean {
  return existsSync(qosFile(store, network));
}

/** Forget a container's own QoS entry on a network it leaves. Inside store.locked(). */
export async function forgetQos(store: StateStore, network: string, containerId: string): Promise<void> {
  if (!hasQos(store, network)) return;
  const { forgetContainer } = await import('../qos/service');
  forgetContainer(store, network, containerId);
}
