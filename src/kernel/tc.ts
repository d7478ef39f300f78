/** tc: batches and reads, on a device of the host's or a container's namespace. */
import { KernelError } from '../errors';
import type { Runner } from '../runner';
import { isDeviceGone, lastLine, missingFeature } from './match';
import type { NetnsPath } from './netns';
import { observeIfPresent, stepArgv } from './step';

export interface TcDevice {
  dev: string;
  netns?: NetnsPath;
}

/** Failed batch line numbers from `tc -force -batch` ("Command failed -:N"). */
export function failedBatchLines(stderr: string): number[] {
  return [...stderr.matchAll(/Command failed -:(\d+)/g)].map((m) => Number(m[1]));
}

/**
 * Run tc batch lines (`tc -force -batch -`) on one device. Lines numbered in `mayFail` (1-based)
 * may fail (e.g. deleting a root qdisc a clean device does not have); `goneOk`: a device that
 * does not exist is fine (nothing to clear). Returns false when the device was gone. `label`
 * names the device in messages (default: its name).
 */
export async function tcBatch(
  run: Runner,
  d: TcDevice,
  lines: readonly string[],
  opts: { mayFail?: readonly number[]; goneOk?: boolean; label?: string } = {},
): Promise<boolean> {
  const argv = stepArgv({ argv: ['tc', '-force', '-batch', '-'], netns: d.netns });
  const what = opts.label ?? d.dev;
  const res = await run({ argv, input: `${lines.join('\n')}\n`, timeoutMs: 30_000 });
  if (res.failure) throw new KernelError(argv, `tc on ${what}: ${res.failure}`, { stderr: res.stderr });
  if (res.exitCode === 0) return true;
  const gone = isDeviceGone(res.stderr);
  if (gone && opts.goneOk) return false;
  const failed = failedBatchLines(res.stderr);
  const allowed = new Set(opts.mayFail ?? []);
  if (!gone && failed.length > 0 && failed.every((n) => allowed.has(n))) return true;
  const words = gone
    ? `device ${d.dev} not found`
    : (missingFeature(res.stderr) ??
      (lastLine(res.stderr.replace(/Command failed -:\d+/g, '')) || `exit ${res.exitCode}`));
  throw new KernelError(argv, `tc on ${what}: ${words}`, { code: res.exitCode, stderr: res.stderr, gone });
}

/** `tc [-s] qdisc|class show dev DEV`: the text, or undefined when the device does not exist. */
export function tcShow(
  run: Runner,
  d: TcDevice,
  what: 'qdisc' | 'class',
  stats = false,
): Promise<string | undefined> {
  return observeIfPresent(run, {
    argv: ['tc', ...(stats ? ['-s'] : []), what, 'show', 'dev', d.dev],
    netns: d.netns,
  });
}
