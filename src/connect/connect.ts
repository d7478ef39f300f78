// The one connect use-case: the hook (runc), the API's `network connect` and the containerd
// integration all attach a container this way. It stays on the hook's lean import graph: the
// QoS code loads only when a network has settings.
import { type AttachRequest, type AttachTarget, attachAll, detach } from '../attach/attach';
import { hasQos } from '../attach/qos-link';
import { noteRollbackFailure, UsageError } from '../errors';
import { isHostNetns } from '../netns';
import type { Attachment } from '../state/schemas';
import type { ConnectContext } from './context';

/** circuit never configures the host's network namespace. */
export function refuseHostNetns(container: string, netnsPath: string): void {
  if (isHostNetns(netnsPath))
    throw new UsageError(
      `container ${container} shares the host network namespace; circuit will not attach it`,
    );
}

/**
 * Apply stored QoS to a container's new attachments. If shaping fails, the new attachments are
 * undone (a container never runs without the QoS its network asks for); an undo that fails is
 * added to the shaping error, which stays the reason.
 */
async function applyQosOrDetach(ctx: ConnectContext, containerId: string, networks: string[]): Promise<void> {
  const { store, deps } = ctx;
  if (!networks.some((n) => hasQos(store, n))) return;
  const { applyQosOnAttach } = await import('../qos/service');
  try {
    // under each network's QoS lock: tc never runs inside the global state lock
    await applyQosOnAttach(store, deps.run, containerId);
  } catch (err) {
    let failure: unknown = err;
    for (const n of networks)
      await detach(store, deps, containerId, n).catch((rb: unknown) => {
        failure = noteRollbackFailure(failure, `detaching ${containerId} from ${n}`, rb);
      });
    throw failure;
  }
}

/**
 * Connect a container to networks: refuse the host netns, attach all or nothing (see attachAll),
 * then apply the networks' stored QoS. Returns the new attachments (none for no requests).
 */
export async function connectContainer(
  ctx: ConnectContext,
  target: AttachTarget,
  requests: AttachRequest[],
  opts: { replaceStale: boolean },
): Promise<Attachment[]> {
  refuseHostNetns(target.name ?? target.containerId, target.netns.path);
  if (requests.length === 0) return [];
  const atts = await attachAll(ctx.store, ctx.deps, target, requests, opts);
  await applyQosOrDetach(
    ctx,
    target.containerId,
    atts.map((a) => a.network),
  );
  return atts;
}
