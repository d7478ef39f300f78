import { type ParsedArgs, str } from '../args';
import { parseCniPath } from '../cni/exec';
import type { ConnectContext } from '../connect/context';
import { baseEnv, stateDirFrom } from '../env';
import { runCommand } from '../runner';
import { StateStore } from '../state/store';

/** What the local API works with: the state dir and how to run plugins and tools. */
export interface LocalContext extends ConnectContext {
  /** runc --root for resolving container ids (a request may name its own). */
  runcRoot: string | undefined;
  /** containerd to resolve container names with (--containerd, or the daemon's). */
  containerd?: { socket: string; namespace: string };
}

/** The local context the global flags name (--state-dir, --cni-path, --runc-root, --containerd). */
export function localContext(flags: ParsedArgs['flags']): LocalContext {
  const containerd = str(flags, 'containerd');
  return {
    store: new StateStore(stateDirFrom(flags['state-dir'])),
    deps: {
      run: runCommand,
      cniPath: parseCniPath(str(flags, 'cni-path') ?? process.env.CNI_PATH),
      baseEnv: baseEnv(),
    },
    runcRoot: str(flags, 'runc-root'),
    ...(containerd !== undefined
      ? { containerd: { socket: containerd, namespace: str(flags, 'containerd-namespace') ?? 'default' } }
      : {}),
  };
}
