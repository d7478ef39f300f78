import { PluginError } from '../errors';
import type { Runner } from '../runner';
import type { QosTarget } from './devices';
import { tcApplyLines, tcResetLines } from './plan';
import type { QosSpec } from './spec';

function argv(t: QosTarget, ...rest: string[]): string[] {
  return t.netns ? ['nsenter', `--net=${t.netns}`, 'tc', ...rest] : ['tc', ...rest];
}

function explain(stderr: string, t: QosTarget): string {
  if (/Specified qdisc kind is unknown|Unknown qdisc "netem"/.test(stderr)) {
    return 'this kernel has no netem (sch_netem): delay/loss unavailable';
  }
  if (/Cannot find device|does not exist/.test(stderr)) return `device ${t.dev} not found`;
  return stderr.replace(/\s+/g, ' ').trim();
}

/** Failed batch line numbers from `tc -force -batch` ("Command failed -:N"). */
function failedLines(stderr: string): number[] {
  return [...stderr.matchAll(/Command failed -:(\d+)/g)].map((m) => Number(m[1]));
}

/**
 * Program one device with a spec (or clear it when spec is undefined). The first batch line is
 * always the delete of the old root qdisc, whose failure on a clean device is expected.
 */
export async function programDevice(run: Runner, t: QosTarget, spec: QosSpec | undefined): Promise<void> {
  const lines = spec ? tcApplyLines(t.dev, spec) : tcResetLines(t.dev);
  const res = await run({
    argv: argv(t, '-force', '-batch', '-'),
    input: `${lines.join('\n')}\n`,
    timeoutMs: 30_000,
  });
  if (res.failure) throw new PluginError('tc', `tc on ${t.dev}: ${res.failure}`);
  if (res.exitCode === 0) return;
  const failed = failedLines(res.stderr);
  if (failed.length > 0 && failed.every((n) => n === 1) && !/Cannot find device/.test(res.stderr)) return;
  if (!spec && /Cannot find device/.test(res.stderr)) return; // nothing to clear
  throw new PluginError('tc', `tc on ${t.side}-side ${t.dev}: ${explain(res.stderr, t)}`);
}

/** What the kernel has on a device, as text from `tc qdisc show` and `tc class show`. */
export async function readDevice(
  run: Runner,
  t: QosTarget,
): Promise<{ qdiscs: string; classes: string } | undefined> {
  const q = await run({ argv: argv(t, 'qdisc', 'show', 'dev', t.dev) });
  if (q.exitCode !== 0) return undefined;
  const c = await run({ argv: argv(t, 'class', 'show', 'dev', t.dev) });
  return { qdiscs: q.stdout, classes: c.stdout };
}

/** Packets dropped by the qdiscs of a device (`tc -s qdisc show`), undefined when unreadable. */
export async function readDrops(run: Runner, t: QosTarget): Promise<number | undefined> {
  const q = await run({ argv: argv(t, '-s', 'qdisc', 'show', 'dev', t.dev) });
  if (q.exitCode !== 0) return undefined;
  return [...q.stdout.matchAll(/dropped (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
}
