import { storedNetwork } from '../cni/stored';
import { checkedContainer } from '../qos/options';
import { type QosRow, qosReset, qosShow } from '../qos/service';
import { setQosOptions } from '../qos/set';
import type { LocalContext } from './context';
import type { QosSetRequest } from './types';

export async function setQos(ctx: LocalContext, req: QosSetRequest): Promise<void> {
  await setQosOptions(ctx.store, ctx.deps.run, req);
}

export async function resetQos(ctx: LocalContext, network: string, container?: string): Promise<void> {
  const id = checkedContainer(container);
  storedNetwork(ctx.store, network);
  await ctx.store.locked(() => qosReset(ctx.store, ctx.deps.run, network, id));
}

export async function showQos(ctx: LocalContext, network?: string): Promise<QosRow[]> {
  if (network !== undefined) storedNetwork(ctx.store, network);
  return ctx.store.locked(() => qosShow(ctx.store, ctx.deps.run, network));
}
