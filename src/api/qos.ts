import { storedNetwork } from '../cni/stored';
import { checkedContainer } from '../qos/options';
import { type QosRow, qosReset, qosShow } from '../qos/service';
import { setQosOptions } from '../qos/set';
import { storedContainerId } from './containers';
import type { LocalContext } from './context';
import type { QosSetRequest } from './types';

/** --container: a stored record's runtime name (podman's, containerd's) means that record; else as given. */
function recordIdOf(ctx: LocalContext, container: string | undefined): string | undefined {
  if (container === undefined || /^\d+$/.test(container)) return container;
  return storedContainerId(ctx, container) ?? container;
}

export async function setQos(ctx: LocalContext, req: QosSetRequest): Promise<void> {
  const id = recordIdOf(ctx, checkedContainer(req.container));
  await setQosOptions(
    ctx.store,
    ctx.deps.run,
    id === undefined ? { ...req, container: undefined } : { ...req, container: id },
  );
}

export async function resetQos(ctx: LocalContext, network: string, container?: string): Promise<void> {
  const id = recordIdOf(ctx, checkedContainer(container));
  storedNetwork(ctx.store, network);
  await qosReset(ctx.store, ctx.deps.run, network, id);
}

export async function showQos(ctx: LocalContext, network?: string): Promise<QosRow[]> {
  if (network !== undefined) storedNetwork(ctx.store, network);
  return qosShow(ctx.store, ctx.deps.run, network);
}
