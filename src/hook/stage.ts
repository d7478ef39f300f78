import { UsageError } from '../errors';
import type { OciState } from '../oci/state';

export const HOOK_STAGES = ['createRuntime', 'prestart', 'poststart', 'poststop'] as const;
export type HookStage = (typeof HOOK_STAGES)[number];
/** add: attach; start: a topology's commands (poststart); del: release. */
export type HookAction = 'add' | 'start' | 'del';

export function parseStage(s: string): HookStage {
  if ((HOOK_STAGES as readonly string[]).includes(s)) return s as HookStage;
  throw new UsageError(`unknown hook stage ${JSON.stringify(s)} (expected ${HOOK_STAGES.join(', ')})`);
}

/** Explicit stage first, then the OCI status, then whether there is a live pid. */
export function hookAction(stage: HookStage | undefined, state: OciState): HookAction {
  if (stage) return stage === 'poststop' ? 'del' : stage === 'poststart' ? 'start' : 'add';
  if (state.status === 'creating' || state.status === 'created') return 'add';
  if (state.status === 'stopped') return 'del';
  return state.pid && state.pid > 0 ? 'add' : 'del';
}
