/**
 * The one runner of kernel steps: every ip, tc, nft, ethtool, ipvsadm and sysctl call of circuit
 * goes through runStep (and so through src/runner.ts), and fails with one error type.
 */
import { KernelError } from '../errors';
import type { Runner } from '../runner';
import { isExists, isGone, lastLine, missingFeature } from './match';
import { inNetns, type NetnsPath } from './netns';

export interface Step {
  /** The tool's argv (without any netns entry: see `netns`). */
  argv: string[];
  /** Run inside the netns at this path (nsenter --net=); the host's when undefined. */
  netns?: NetnsPath;
  input?: string;
  /**
   * A failure that is fine: 'exists' (creating what is there already), 'gone' (removing or
   * clearing what is not there), 'any' (a best-effort preparation, e.g. clearing a qdisc).
   */
  tolerate?: 'exists' | 'gone' | 'any';
}

/** Outcome of a step that ran (a tolerated failure included). */
export interface StepOutput {
  stdout: string;
  /** The step failed in a tolerated way ("already there" / "not there"). */
  tolerated: boolean;
}

export const STEP_TIMEOUT_MS = 60_000;

/** The full argv of a step, its netns entry included (what is actually run). */
export const stepArgv = (s: Step): string[] => inNetns(s.netns, s.argv);

/** Run one step; a failure it does not tolerate is a KernelError naming the step and the tool's words. */
export async function runStep(run: Runner, s: Step, timeoutMs = STEP_TIMEOUT_MS): Promise<StepOutput> {
  const argv = stepArgv(s);
  const res = await run({ argv, ...(s.input === undefined ? {} : { input: s.input }), timeoutMs });
  if (res.failure)
    throw new KernelError(argv, `${argv.join(' ')}: ${res.failure}`, {
      code: res.exitCode,
      stderr: res.stderr,
    });
  if (res.exitCode === 0) return { stdout: res.stdout, tolerated: false };
  const gone = isGone(res.stderr);
  if (
    s.tolerate === 'any' ||
    (s.tolerate === 'gone' && gone) ||
    (s.tolerate === 'exists' && isExists(res.stderr))
  )
    return { stdout: res.stdout, tolerated: true };
  const words = missingFeature(res.stderr) ?? (lastLine(res.stderr) || `exit ${res.exitCode}`);
  throw new KernelError(argv, `${argv.join(' ')}: ${words}`, {
    code: res.exitCode,
    stderr: res.stderr,
    gone,
  });
}

/** Run steps in order; the first failure stops them. */
export async function runSteps(run: Runner, steps: readonly Step[], timeoutMs?: number): Promise<void> {
  for (const s of steps) await runStep(run, s, timeoutMs);
}

/** Run a read-only step and return its output; any failure is an error (never "absent"). */
export async function observe(run: Runner, s: Step): Promise<string> {
  const { tolerate: _ignored, ...strict } = s;
  return (await runStep(run, strict)).stdout;
}

/**
 * Run a read-only step about one object: its output, or undefined when the tool says the object
 * is not there. Every other failure is an error (an observation that fails is never "absent").
 */
export async function observeIfPresent(run: Runner, s: Step): Promise<string | undefined> {
  try {
    return await observe(run, s);
  } catch (err) {
    if (err instanceof KernelError && err.gone) return undefined;
    throw err;
  }
}
