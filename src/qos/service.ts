import { NotFoundError, noteRollbackFailure } from '../errors';
import type { Runner } from '../runner';
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

function attachmentsOn(store: StateStore, network: string): AttRef[] {
  const out: AttRef[] = [];
  for (const rec of store.allContainers()) {
    for (const att of rec.attachments) {
      if (att.network === network && att.status === 'attached') out.push({ rec, att });
    }
  }
  return out;
}

function targets(store: StateStore, ref: AttRef) {
  return attachmentTargets(ref.rec, ref.att, store.getCache(ref.att.network, ref.rec.id, ref.att.ifName));
}

/** Make an attachment's devices match `spec` (clear both sides when undefined). */
async function program(
  store: StateStore,
  run: Runner,
  ref: AttRef,
  spec: QosSpec | undefined,
): Promise<void> {
  const t = targets(store, ref);
  const want = spec ? sides(spec.direction) : [];
  for (const side of ['host', 'container'] as const) {
    const target: QosTarget | undefined = t[side];
    if (want.includes(side)) {
      if (!target) throw missingDevice(ref.rec, ref.att, side);
      await programDevice(run, target, spec);
    } else if (target) {
      await programDevice(run, target, undefined);
    }
  }
}

/** Apply a new QoS file to the affected attachments; on failure put the old settings back. */
async function transition(
  store: StateStore,
  run: Runner,
  network: string,
  before: QosFile | undefined,
  after: QosFile,
  refs: AttRef[],
): Promise<void> {
  const done: AttRef[] = [];
  try {
    for (const ref of refs) {
      done.push(ref);
      await program(store, run, ref, effective(after, ref.rec.id));
    }
  } catch (err) {
    // the first error stays the reason; a restore that fails is added to it
    let failure: unknown = err;
    for (const ref of done)
      await program(store, run, ref, effective(before, ref.rec.id)).catch((rb: unknown) => {
        failure = noteRollbackFailure(failure, `restoring QoS of container ${ref.rec.id} on ${network}`, rb);
      });
    throw failure;
  }
  writeQos(store, network, after);
}

/** `qos set`: replaces the network's (or one container's) settings. Inside store.locked(). */
export async function qosSet(
  store: StateStore,
  run: Runner,
  network: string,
  containerId: string | undefined,
  spec: QosSpec,
): Promise<number> {
  const before = readQos(store, network);
  const after: QosFile = { ...(before ?? { containers: {} }), containers: { ...(before?.containers ?? {}) } };
  if (containerId) after.containers[containerId] = spec;
  else after.network = spec;
  const refs = attachmentsOn(store, network).filter((r) => !containerId || r.rec.id === containerId);
  if (containerId && refs.length === 0) {
    throw new NotFoundError(`container ${containerId} is not attached to network ${network}`);
  }
  await transition(store, run, network, before, after, refs);
  return refs.length;
}

/** `qos reset`: idempotent. Inside store.locked(). */
export async function qosReset(
  store: StateStore,
  run: Runner,
  network: string,
  containerId: string | undefined,
): Promise<void> {
  const before = readQos(store, network);
  const after: QosFile = { containers: { ...(before?.containers ?? {}) } };
  if (containerId) {
    delete after.containers[containerId];
    if (before?.network) after.network = before.network;
  }
  const refs = attachmentsOn(store, network).filter((r) => !containerId || r.rec.id === containerId);
  await transition(store, run, network, before, after, refs);
}

/** Apply stored QoS to fresh attachments (hook create, connect). Inside store.locked(). */
export async function applyOnAttach(store: StateStore, run: Runner, containerId: string): Promise<void> {
  const rec = store.getContainer(containerId);
  for (const att of rec?.attachments ?? []) {
    const spec = effective(readQos(store, att.network), containerId);
    if (rec && spec && att.status === 'attached') await program(store, run, { rec, att }, spec);
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

/** Stored settings next to what the kernel has, per attachment and side. */
export async function qosShow(store: StateStore, run: Runner, network?: string): Promise<QosRow[]> {
  const names = network ? [network] : store.networkNames();
  const rows: QosRow[] = [];
  for (const name of names) {
    const file = readQos(store, name);
    for (const ref of attachmentsOn(store, name)) {
      const spec = effective(file, ref.rec.id);
      const t = targets(store, ref);
      for (const side of ['host', 'container'] as const) {
        const target = t[side];
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
      const t = targets(store, ref);
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
