import { tcBatch, tcShow } from '../kernel/tc';
import type { Runner } from '../runner';
import type { QosTarget } from './devices';
import { tcApplyLines, tcResetLines } from './plan';
import type { QosSpec } from './spec';

const device = (t: QosTarget) => ({ dev: t.dev, netns: t.netns });

/**
 * Program one device with a spec (or clear it when spec is undefined). The first batch line is
 * always the delete of the old root qdisc, whose failure on a clean device is expected; clearing
 * a device that is gone is fine.
 */
export async function programDevice(run: Runner, t: QosTarget, spec: QosSpec | undefined): Promise<void> {
  const lines = spec ? tcApplyLines(t.dev, spec) : tcResetLines(t.dev);
  await tcBatch(run, device(t), lines, { mayFail: [1], goneOk: !spec, label: `${t.side}-side ${t.dev}` });
}

/**
 * What the kernel has on a device, as text from `tc qdisc show` and `tc class show`; undefined
 * when the device does not exist. A read that fails otherwise is an error.
 */
export async function readDevice(
  run: Runner,
  t: QosTarget,
): Promise<{ qdiscs: string; classes: string } | undefined> {
  const qdiscs = await tcShow(run, device(t), 'qdisc');
  if (qdiscs === undefined) return undefined;
  const classes = await tcShow(run, device(t), 'class');
  return classes === undefined ? undefined : { qdiscs, classes };
}

/** Packets dropped by the qdiscs of a device (`tc -s qdisc show`), undefined when it is gone. */
export async function readDrops(run: Runner, t: QosTarget): Promise<number | undefined> {
  const text = await tcShow(run, device(t), 'qdisc', true);
  if (text === undefined) return undefined;
  return [...text.matchAll(/dropped (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}
