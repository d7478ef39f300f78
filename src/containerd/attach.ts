import { connectContainer } from '../connect/connect';
import type { ConnectContext } from '../connect/context';
import { attachRequests } from '../connect/requests';
import { netnsRef } from '../netns';
import type { Attachment } from '../state/schemas';
import type { CtrContainer } from './client';
import { annotationsFromLabels, recordId } from './labels';

/**
 * Attach a containerd task to the networks its labels name, with the hook's CNI engine, state
 * and rollback semantics; the record is kept under the container's name and namespace.
 */
export async function attachTask(
  ctx: ConnectContext,
  namespace: string,
  labelKey: string,
  c: CtrContainer,
  pid: number,
  source: 'containerd' | 'cli',
  requestsFrom?: Record<string, string>,
): Promise<Attachment[]> {
  const id = recordId(namespace, c.id);
  const target = {
    containerId: id,
    pid,
    netns: netnsRef(`/proc/${pid}/ns/net`),
    source,
    name: c.id,
    namespace,
  };
  const requests = attachRequests(
    ctx.store,
    c.id,
    requestsFrom ?? annotationsFromLabels(c.labels, labelKey),
    {},
  );
  return connectContainer(ctx, target, requests, { replaceStale: source === 'containerd' });
}
