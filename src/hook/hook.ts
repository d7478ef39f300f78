import { detach } from '../attach/attach';
import type { ChainDeps } from '../cni/chain';
import { parseCniPath } from '../cni/exec';
import { ANNOTATION } from '../connect/annotations';
import { connectContainer } from '../connect/connect';
import { attachRequests } from '../connect/requests';
import { baseEnv } from '../env';
import { errorMessage, noteRollbackFailure, rollbackFailures, UsageError } from '../errors';
import { hookLog } from '../hooklog';
import { netnsRef } from '../netns';
import { readBundle } from '../oci/bundle';
import { isPodman, podmanName } from '../oci/podman';
import { parseOciState, readStdin } from '../oci/state';
import { runLean } from '../runner';
import { StateStore } from '../state/store';
import { hasTopologyRecord } from '../topology/records';
import { type HookStage, hookAction } from './stage';

/** Topology files: the io.circuit.topology annotation, else CIRCUIT_TOPOLOGY (FILE[:FILE...]). */
function topologyFiles(annotations: Record<string, string>): string[] {
  const value = annotations[ANNOTATION.topology] ?? process.env.CIRCUIT_TOPOLOGY ?? '';
  return value
    .split(':')
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
}

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
      const podman = isPodman(annotations) ? podmanName(state.id, state.bundle) : undefined;
      if (podman !== undefined) {
        log.podman = podman;
        // podman (netavark, CNI, slirp4netns, container:) made or chose this namespace: not circuit's
        if (bundle.joinsNetns)
          throw new UsageError(
            `podman container ${podman} has a podman network (netns ${netnsPath}); circuit attaches only containers run with --network none`,
          );
      }
      const topology = topologyFiles(annotations);
      // a container may have topology links, CNI networks, or both
      const wantsCni =
        topology.length === 0 || annotations[ANNOTATION.network] !== undefined || !!process.env.CNI_CONF;
      const requests = wantsCni
        ? attachRequests(store, state.id, annotations, {
            cniConf: process.env.CNI_CONF,
            ifName: process.env.CNI_IFNAME,
            cniArgs: process.env.CNI_ARGS,
          })
        : [];
      log.networks = requests.map((r) => r.net.name);
      const atts = await connectContainer(
        { store, deps },
        {
          containerId: state.id,
          netns: netnsRef(netnsPath),
          bundle: state.bundle,
          ...(podman !== undefined
            ? { source: 'podman' as const, name: podman }
            : { source: 'hook' as const }),
          ...(state.pid ? { pid: state.pid } : {}),
        },
        requests,
        { replaceStale: true },
      );
      log.ips = atts.flatMap((a) => a.ips);
      if (topology.length) {
        if (!state.pid) throw new UsageError(`container ${state.id}: a topology needs the container's pid`);
        log.topology = topology;
        const { hookTopologyUp } = await import('../topology/hook');
        try {
          await hookTopologyUp(
            store,
            runLean,
            topology,
            {
              id: state.id,
              pid: state.pid,
              netns: netnsPath,
              ...(podman !== undefined ? { aliases: [podman] } : {}),
            },
            log,
          );
        } catch (err) {
          // runc refuses the container: nothing of it may stay behind
          let failure: unknown = err;
          if (atts.length)
            await detach(store, deps, state.id).catch((rb: unknown) => {
              failure = noteRollbackFailure(failure, `detaching ${state.id} from its networks`, rb);
            });
          throw failure;
        }
      }
    } else if (action === 'start') {
      if (hasTopologyRecord(opts.stateDir, state.id) && state.pid) {
        const { hookTopologyStart } = await import('../topology/hook');
        await hookTopologyStart(store, runLean, state.id, state.pid, log);
      }
    } else {
      if (hasTopologyRecord(opts.stateDir, state.id)) {
        const { hookTopologyDown } = await import('../topology/hook');
        await hookTopologyDown(store, runLean, state.id, log);
      }
      if (!store.hasContainer(state.id)) {
        // nothing recorded (create failed, or a second poststop): no lock needed
        log.networks = [];
        log.note = 'nothing attached';
      } else {
        const released = await detach(store, deps, state.id);
        log.networks = released.map((a) => a.network);
        if (released.length === 0) log.note = 'nothing attached';
      }
    }
    log.ok = true;
  } catch (err) {
    log.ok = false;
    log.error = errorMessage(err);
    const rollback = rollbackFailures(err);
    if (rollback.length) log.rollback = rollback;
    throw err;
  } finally {
    log.ms = Math.round((performance.now() - started) * 10) / 10;
    // this process' own CPU since it started (plugins are children: not counted)
    const cpu = process.cpuUsage();
    log.cpuMs = Math.round((cpu.user + cpu.system) / 100) / 10;
    hookLog(opts.stateDir, log);
  }
}
