import type { ContainerRecord } from '../state/schemas';
import type { CtrContainer, CtrTask } from './client';
import { RESTART_LABEL, wantsNetworks } from './labels';

export interface ReconcilePlan {
  /** Labelled containers whose running task has no attachment yet. */
  attach: { container: CtrContainer; task: CtrTask }[];
  /** Records to release: their task stopped, went away, was replaced, or the label went. */
  detach: { record: ContainerRecord; why: string }[];
  /** Containers with a restart label whose task has stopped (restart candidates). */
  stopped: { container: CtrContainer; task: CtrTask }[];
}

/**
 * Compare containerd's truth with the state dir (pure). Records of this namespace whose task no
 * longer runs with the recorded pid are released, whoever made them (daemon or CLI); records the
 * daemon made are also released when the container lost its network label.
 */
export function planReconcile(
  namespace: string,
  labelKey: string,
  containers: CtrContainer[],
  tasks: CtrTask[],
  records: ContainerRecord[],
): ReconcilePlan {
  const byName = new Map(containers.map((c) => [c.id, c]));
  const taskOf = new Map(tasks.map((t) => [t.containerId, t]));
  const plan: ReconcilePlan = { attach: [], detach: [], stopped: [] };
  const attachedPids = new Map<string, number | undefined>();
  for (const r of records) {
    if (r.namespace !== namespace || r.name === undefined) continue;
    const c = byName.get(r.name);
    const t = taskOf.get(r.name);
    let why: string | undefined;
    if (!c) why = 'container deleted';
    else if (!t) why = 'task deleted';
    else if (t.status === 'STOPPED') why = `task exited (status ${t.exitStatus})`;
    else if (t.pid !== r.pid) why = 'task replaced';
    else if (r.source === 'containerd' && !wantsNetworks(c.labels, labelKey)) why = 'network label removed';
    if (why) plan.detach.push({ record: r, why });
    else attachedPids.set(r.name, r.pid);
  }
  for (const c of containers) {
    const t = taskOf.get(c.id);
    if (!t) continue;
    if (t.status === 'STOPPED' && (c.labels[RESTART_LABEL] ?? '') !== '')
      plan.stopped.push({ container: c, task: t });
    if (!wantsNetworks(c.labels, labelKey)) continue;
    if (t.status === 'RUNNING' && t.pid > 0 && !attachedPids.has(c.id))
      plan.attach.push({ container: c, task: t });
  }
  return plan;
}
