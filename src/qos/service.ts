import { NotFoundError, noteRollbackFailure } from '../errors';
import type { Runner } from '../runner';
import { withAreaLock } from '../state/area-lock';
import { qosArea } from '../state/qos';
import type { Attachment, ContainerRecord } from '../state/schemas';
import type { StateStore } from '../state/store';
import { programDevice, readDevice, readDrops } from './apply';
import { attachmentTargets, missingDevice, type QosTarget } from './devices';
import { describeObserved, describeSpec, drift, parseObserved } from './observe';
import { sides, UNSHAPED_RATE } from './plan';
import type { QosFile, QosSpec } from './spec';

export function readQos(store: StateStore, network: string): QosFile | undefined {
  return qosArea(store).get(network);
}

function writeQos(store: StateStore, network: string, file: QosFile): void {
  qosArea(store).put(network, file);
}

/** Per-container settings override the network's. */
export function effective(file: QosFile | undefined, containerId: string): QosSpec | undefined {
  return file?.containers[containerId] ?? file?.network;
}

interface AttRef {
  rec: ContainerRecord;
  att: Attachment;
}

/** An attachment with its QoS devices, resolved under the state lock for kernel work after it. */
interface Resolved extends AttRef {
  t: { host: QosTarget | undefined; container: QosTarget | undefined };
}

function attachmentsOn(store: StateStore, network: string): AttRef[] {
  const out: AttRef[] = [];
  for (const rec of store.allContainers()) {
    for (const att of rec.attachments) {
      if (att.network === network && att.status === 'attached') out.push({ rec, att });
    }
  }
  return out;
}

function resolve(store: StateStore, ref: AttRef): Resolved {
  return {
    ...ref,
    t: attachmentTargets(ref.rec, ref.att, store.getCache(ref.att.network, ref.rec.id, ref.att.ifName)),
  };
}

/**
 * Run a change of one network's QoS: serialised with every other change of it (a `qos set`, a
 * rollback, QoS applied on attach; across processes) by that network's own lock, never the
 * global one. Inside it, state is read and written under the global lock held briefly, and tc
 * runs with no state lock held. Never called with the global lock held (lock order: area first).
 */
export function qosLocked<T>(store: StateStore, network: string, fn: () => Promise<T>): Promise<T> {
  return withAreaLock(store.root, `qos.${network}`, fn);
}

/** Make an attachment's devices match `spec` (clear both sides when undefined). Kernel only. */
async function program(run: Runner, ref: Resolved, spec: QosSpec | undefined): Promise<void> {
  const want = spec ? sides(spec.direction) : [];
  for (const side of ['host', 'container'] as const) {
    const target: QosTarget | undefined = ref.t[side];
    if (want.includes(side)) {
      if (!target) throw missingDevice(ref.rec, ref.att, side);
      await programDevice(run, target, spec);
    } else if (target) {
      await programDevice(run, target, undefined);
    }
  }
}

/**
 * Apply a change of a network's QoS file to the affected attachments (on failure put the old
 * settings back), then record it. `change` is applied again to the file as it is when recorded,
 * so a container's entry forgotten meanwhile (it left the network) stays forgotten.
 */
async function transition(
  store: StateStore,
  run: Runner,
  network: string,
  containerId: string | undefined,
  change: (f: QosFile | undefined) => QosFile,
  requireAttached = false,
): Promise<number> {
  const read = await store.locked(async () => {
    const before = readQos(store, network);
    const refs = attachmentsOn(store, network)
      .filter((r) => !containerId || r.rec.id === containerId)
      .map((r) => resolve(store, r));
    return { before, refs };
  });
  const { before, refs } = read;
  if (requireAttached && containerId && refs.length === 0) {
    throw new NotFoundError(`container ${containerId} is not attached to network ${network}`);
  }
  const after = change(before);
  const done: Resolved[] = [];
  try {
    for (const ref of refs) {
      done.push(ref);
      await program(run, ref, effective(after, ref.rec.id));
    }
  } catch (err) {
    // the first error stays the reason; a restore that fails is added to it
    let failure: unknown = err;
    for (const ref of done)
      await program(run, ref, effective(before, ref.rec.id)).catch((rb: unknown) => {
        failure = noteRollbackFailure(failure, `restoring QoS of container ${ref.rec.id} on ${network}`, rb);
      });
    throw failure;
  }
  await store.locked(async () => writeQos(store, network, change(readQos(store, network))));
  return refs.length;
}

/** `qos set`: replaces the network's (or one container's) settings. Takes the network's QoS lock. */
export function qosSet(
  store: StateStore,
  run: Runner,
  network: string,
  containerId: string | undefined,
  spec: QosSpec,
): Promise<number> {
  return qosLocked(store, network, () =>
    transition(
      store,
      run,
      network,
      containerId,
      (f) => {
        const next: QosFile = { ...(f ?? { containers: {} }), containers: { ...(f?.containers ?? {}) } };
        if (containerId) next.containers[containerId] = spec;
        else next.network = spec;
        return next;
      },
      true,
    ),
  );
}

/** `qos reset`: idempotent. Takes the network's QoS lock. */
export async function qosReset(
  store: StateStore,
  run: Runner,
  network: string,
  containerId: string | undefined,
): Promise<void> {
  await qosLocked(store, network, () =>
    transition(store, run, network, containerId, (f) => {
      const next: QosFile = { containers: { ...(f?.containers ?? {}) } };
      if (containerId) {
        delete next.containers[containerId];
        if (f?.network) next.network = f.network;
      }
      return next;
    }),
  );
}

/**
 * Apply stored QoS to a container's attachments (hook create, connect): per network, under that
 * network's QoS lock, state read under the global lock, tc outside it. Never call it with the
 * global lock held.
 */
export async function applyQosOnAttach(store: StateStore, run: Runner, containerId: string): Promise<void> {
  const networks = await store.locked(async () => [
    ...new Set(
      (store.getContainer(containerId)?.attachments ?? [])
        .filter((a) => a.status === 'attached')
        .map((a) => a.network),
    ),
  ]);
  for (const network of networks) {
    await qosLocked(store, network, async () => {
      const work = await store.locked(async () => {
        const rec = store.getContainer(containerId);
        const spec = effective(readQos(store, network), containerId);
        if (!rec || !spec) return [];
        return rec.attachments
          .filter((att) => att.network === network && att.status === 'attached')
          .map((att) => ({ ref: resolve(store, { rec, att }), spec }));
      });
      for (const w of work) await program(run, w.ref, w.spec);
    });
  }
}

/** Drop a container's own settings when it leaves a network. Inside store.locked(). */
export function forgetContainer(store: StateStore, network: string, containerId: string): void {
  const file = readQos(store, network);
  if (!file?.containers[containerId]) return;
  delete file.containers[containerId];
  writeQos(store, network, file);
}

export interface QosRow {
  network: string;
  container: string;
  side: 'host' | 'container';
  device: string;
  scope: 'network' | 'container' | '-';
  stored: string;
  kernel: string;
  status: 'ok' | 'drift' | 'missing';
  drift: string[];
}

/**
 * Stored settings next to what the kernel has, per attachment and side. State is read under the
 * global lock; tc reads run after it is released.
 */
export async function qosShow(store: StateStore, run: Runner, network?: string): Promise<QosRow[]> {
  const plan = await store.locked(async () =>
    (network ? [network] : store.networkNames()).map((name) => {
      const file = readQos(store, name);
      return { name, file, refs: attachmentsOn(store, name).map((r) => resolve(store, r)) };
    }),
  );
  const rows: QosRow[] = [];
  for (const { name, file, refs } of plan) {
    for (const ref of refs) {
      const spec = effective(file, ref.rec.id);
      for (const side of ['host', 'container'] as const) {
        const target = ref.t[side];
        const wanted = spec && sides(spec.direction).includes(side) ? spec : undefined;
        if (!target) {
          if (wanted) rows.push(row(name, ref, side, '?', file, wanted, undefined, ['device not found']));
          continue;
        }
        const k = await readDevice(run, target);
        const o = k ? parseObserved(k.qdiscs, k.classes) : undefined;
        if (!wanted && !o?.htb) continue;
        rows.push(row(name, ref, side, target.dev, file, wanted, o, drift(wanted, o, UNSHAPED_RATE)));
      }
    }
  }
  return rows;
}

function row(
  network: string,
  ref: AttRef,
  side: 'host' | 'container',
  device: string,
  file: QosFile | undefined,
  spec: QosSpec | undefined,
  o: ReturnType<typeof parseObserved> | undefined,
  d: string[],
): QosRow {
  return {
    network,
    container: ref.rec.id,
    side,
    device,
    scope: file?.containers[ref.rec.id] ? 'container' : file?.network ? 'network' : '-',
    stored: describeSpec(spec),
    kernel: describeObserved(o),
    status: d.length === 0 ? 'ok' : device === '?' ? 'missing' : 'drift',
    drift: d,
  };
}

export interface QosDrops {
  network: string;
  container: string;
  side: 'host' | 'container';
  device: string;
  drops: number;
}

/** Dropped packets per shaped device (for metrics). */
export async function qosDrops(store: StateStore, run: Runner): Promise<QosDrops[]> {
  const out: QosDrops[] = [];
  for (const network of store.networkNames()) {
    const file = readQos(store, network);
    if (!file) continue;
    for (const ref of attachmentsOn(store, network)) {
      const spec = effective(file, ref.rec.id);
      if (!spec) continue;
      const { t } = resolve(store, ref);
      for (const side of sides(spec.direction)) {
        const target = t[side];
        const drops = target ? await readDrops(run, target) : undefined;
        if (target && drops !== undefined)
          out.push({ network, container: ref.rec.id, side, device: target.dev, drops });
      }
    }
  }
  return out;
}
