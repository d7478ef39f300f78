import { storedNetwork } from '../attach/networks';
import { checkedContainer, specFromOptions } from '../qos/options';
import { type QosRow, qosReset, qosSet, qosShow } from '../qos/service';
import type { LocalContext } from './context';
import type { QosSetRequest } from './types';

export async function setQos(ctx: LocalContext, req: QosSetRequest): Promise<void> {
  const spec = specFromOptions(req.options);
  const id = checkedContainer(req.container);
  storedNetwork(ctx.store, req.network);
  // the network's own QoS lock (in qosSet), not the global one: tc runs in it
  await qosSet(ctx.store, ctx.deps.run, req.network, id, spec);
}

export async function resetQos(ctx: LocalContext, network: string, container?: string): Promise<void> {
  const id = checkedContainer(container);
  storedNetwork(ctx.store, network);
  await qosReset(ctx.store, ctx.deps.run, network, id);
}

export async function showQos(ctx: LocalContext, network?: string): Promise<QosRow[]> {
  if (network !== undefined) storedNetwork(ctx.store, network);
  return qosShow(ctx.store, ctx.deps.run, network);
}
