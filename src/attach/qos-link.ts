import { existsSync } from 'node:fs';
import type { ChainDeps } from '../cni/chain';
import type { StateStore } from '../state/store';
import { detach } from './attach';

const qosFile = (store: StateStore, network: string) => store.path(`qos/${network}.json`);

/**
 * Apply stored QoS to a container's new attachments. The QoS code is loaded only when a
 * network has settings (the hook stays lean). If shaping fails, the new attachments are
 * undone: a container never runs without the QoS its network asks for. Never call it with the
 * global lock held.
 */
export async function applyQosOrDetach(
  store: StateStore,
  deps: ChainDeps,
  containerId: string,
  networks: string[],
): Promise<void> {
  if (!networks.some((n) => existsSync(qosFile(store, n)))) return;
  const { applyQosOnAttach } = await import('../qos/service');
  try {
    // under each network's QoS lock; tc never runs inside the global state lock
    await applyQosOnAttach(store, deps.run, containerId);
  } catch (err) {
    for (const n of networks) await detach(store, deps, containerId, n).catch(() => undefined);
    throw err;
  }
}

/** Forget a container's own QoS entry on a network it leaves. Inside store.locked(). */
export async function forgetQos(store: StateStore, network: string, containerId: string): Promise<void> {
  if (!existsSync(qosFile(store, network))) return;
  const { forgetContainer } = await import('../qos/service');
  forgetContainer(store, network, containerId);
}
