import type { RestartPolicy } from './labels';

export const BACKOFF_START_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;
/** A task that ran this long before exiting starts the backoff over. */
export const STABLE_MS = 60_000;

export interface RestartState {
  /** Restarts since the task last ran stably. */
  attempts: number;
  /** pid of the task we last saw running, and since when. */
  pid?: number;
  runningSince?: number;
}

/**
 * Whether and when to restart a stopped task (pure): exponential backoff from 1 s doubling to
 * 30 s, reset after 60 s of running; on-failure skips exit status 0 and stops after N restarts.
 */
export function restartDecision(
  policy: RestartPolicy,
  exitStatus: number,
  st: RestartState,
  now: number,
): { restart: false; why: string } | { restart: true; delayMs: number; attempt: number } {
  if (policy.kind === 'no') return { restart: false, why: 'no restart label' };
  if (policy.kind === 'on-failure' && exitStatus === 0)
    return { restart: false, why: 'exited with status 0' };
  const ranStably = st.runningSince !== undefined && now - st.runningSince >= STABLE_MS;
  const attempts = ranStably ? 0 : st.attempts;
  if (policy.kind === 'on-failure' && policy.max !== undefined && attempts >= policy.max)
    return { restart: false, why: `gave up after ${attempts} restart(s)` };
  const delayMs = Math.min(BACKOFF_START_MS * 2 ** attempts, BACKOFF_MAX_MS);
  return { restart: true, delayMs, attempt: attempts + 1 };
}
