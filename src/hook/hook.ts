import { attachAll, detach } from '../attach/attach';
import { netnsRef } from '../attach/netns';
import { applyQosOrDetach } from '../attach/qos-link';
import type { ChainDeps } from '../cni/chain';
import { parseCniPath } from '../cni/exec';
import { baseEnv } from '../env';
import { errorMessage, UsageError } from '../errors';
import { hookLog } from '../hooklog';
import { readBundle } from '../oci/bundle';
import { parseOciState, readStdin } from '../oci/state';
import { runLean } from '../runner';
import { StateStore } from '../state/store';
import { attachRequests } from './requests';
import { type HookStage, hookAction } from './stage';

export interface HookOptions {
  stage?: HookStage;
  stateDir: string;
  /** stdin text (read from the process when omitted). */
  input?: string;
}

/** Hook mode: OCI state on stdin; ADD at createRuntime/prestart, DEL at poststop. */
export async function runHook(opts: HookOptions): Promise<void> {
  const started = performance.now();
  const state = parseOciState(opts.input ?? (await readStdin()));
  const action = hookAction(opts.stage, state);
  const store = new StateStore(opts.stateDir);
  const deps: ChainDeps = {
    run: runLean,
    cniPath: parseCniPath(process.env.CNI_PATH),
    baseEnv: baseEnv(),
  };
  const log: Record<string, unknown> = { stage: opts.stage ?? state.status, action, container: state.id };
  try {
    if (action === 'add') {
      const bundle = readBundle(state.bundle, state.pid);
      if (bundle.found && bundle.netnsPath === undefined) {
        throw new UsageError(
          `container ${state.id} shares the host network namespace; circuit will not attach it`,
        );
      }
      const netnsPath = bundle.netnsPath ?? (state.pid ? `/proc/${state.pid}/ns/net` : undefined);
      if (!netnsPath) throw new UsageError(`container ${state.id}: no pid and no netns path in the bundle`);
      const annotations = { ...bundle.annotations, ...(state.annotations ?? {}) };
      const requests = attachRequests(store, state.id, annotations, {
        cniConf: process.env.CNI_CONF,
        ifName: process.env.CNI_IFNAME,
        cniArgs: process.env.CNI_ARGS,
      });
      log.networks = requests.map((r) => r.net.name);
      const atts = await attachAll(
        store,
        deps,
        {
          containerId: state.id,
          netns: netnsRef(netnsPath),
          bundle: state.bundle,
          source: 'hook',
          ...(state.pid ? { pid: state.pid } : {}),
        },
        requests,
        { replaceStale: true },
      );
      await applyQosOrDetach(
        store,
        deps,
        state.id,
        atts.map((a) => a.network),
      );
      log.ips = atts.flatMap((a) => a.ips);
    } else if (!store.hasContainer(state.id)) {
      // nothing recorded (create failed, or a second poststop): no lock needed
      log.networks = [];
      log.note = 'nothing attached';
    } else {
      const released = await detach(store, deps, state.id);
      log.networks = released.map((a) => a.network);
      if (released.length === 0) log.note = 'nothing attached';
    }
    log.ok = true;
  } catch (err) {
    log.ok = false;
    log.error = errorMessage(err);
    throw err;
  } finally {
    log.ms = Math.round((performance.now() - started) * 10) / 10;
    // this process' own CPU since it started (plugins are children: not counted)
    const cpu = process.cpuUsage();
    log.cpuMs = Math.round((cpu.user + cpu.system) / 100) / 10;
    hookLog(opts.stateDir, log);
  }
}
