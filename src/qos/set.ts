import { storedNetwork } from '../cni/stored';
import type { Runner } from '../runner';
import type { StateStore } from '../state/store';
import { checkedContainer, specFromOptions } from './options';
import { qosSet } from './service';

/**
 * `qos set` from option values as typed (CLI flags, API request keys, Docker labels): the
 * options, the container id and the network are checked, then the settings applied (locked).
 */
export async function setQosOptions(
  store: StateStore,
  run: Runner,
  req: { network: string; container?: string | undefined; options: Readonly<Record<string, string>> },
): Promise<void> {
  const spec = specFromOptions(req.options);
  const id = checkedContainer(req.container);
  storedNetwork(store, req.network);
  // the network's own QoS lock (in qosSet), not the global one: tc runs in it
  await qosSet(store, run, req.network, id, spec);
}
