import { qosArea } from '../state/qos';
import type { StateStore } from '../state/store';

/** True when a network has stored QoS settings (checked before loading the QoS code). */
export function hasQos(store: StateStore, network: string): boolean {
  return qosArea(store).has(network);
}

/** Forget a container's own QoS entry on a network it leaves. Inside store.locked(). */
export async function forgetQos(store: StateStore, network: string, containerId: string): Promise<void> {
  if (!hasQos(store, network)) return;
  const { forgetContainer } = await import('../qos/service');
  forgetContainer(store, network, containerId);
}
