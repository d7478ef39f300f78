import type { LocalContext } from '../api/context';
import { attachAll } from '../attach/attach';
import { applyQosOrDetach } from '../attach/qos-link';
import { UsageError } from '../errors';
import { attachRequests } from '../hook/requests';
import { isHostNetns, netnsRef } from '../netns';
import type { Attachment } from '../state/schemas';
import type { CtrContainer } from './client';
import { annotationsFromLabels, recordId } from './labels';

/**
 * Attach a containerd task to the networks its labels name, with the hook's CNI engine, state
 * and rollback semantics; the record is kept under the container's name and namespace.
 */
export async function attachTask(
  ctx: LocalContext,
  namespace: string,
  labelKey: string,
  c: CtrContainer,
  pid: number,
  source: 'containerd' | 'cli',
  requestsFrom?: Record<string, string>,
): Promise<Attachment[]> {
  const netns = `/proc/${pid}/ns/net`;
  if (isHostNetns(netns))
    throw new UsageError(`container ${c.id} shares the host network namespace; circuit will not attach it`);
  const id = recordId(namespace, c.id);
  const requests = attachRequests(
    ctx.store,
    c.id,
    requestsFrom ?? annotationsFromLabels(c.labels, labelKey),
    {},
  );
  const atts = await attachAll(
    ctx.store,
    ctx.deps,
    { containerId: id, pid, netns: netnsRef(netns), source, name: c.id, namespace },
    requests,
    { replaceStale: source === 'containerd' },
  );
  await applyQosOrDetach(
    ctx.store,
    ctx.deps,
    id,
    atts.map((a) => a.network),
  );
  return atts;
}
