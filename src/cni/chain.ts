import { CircuitError, errorMessage, PluginError } from '../errors';
import type { Runner } from '../runner';
import type { NetworkConfig } from './config';
import { invoke } from './exec';
import { type CniCommand, planStep, type RuntimeConf } from './plan';
import { resultSchema } from './result';
import { supportsCheck, supportsGc, supportsPrevResultOnDel } from './version';

export interface ChainDeps {
  run: Runner;
  cniPath: readonly string[];
  baseEnv: Record<string, string>;
}

function step(
  deps: ChainDeps,
  command: CniCommand,
  net: NetworkConfig,
  index: number,
  rt: RuntimeConf | undefined,
  prevResult?: unknown,
  extra?: Record<string, unknown>,
) {
  const plugin = net.plugins[index];
  if (!plugin) throw new CircuitError(`internal: no plugin ${index} in ${net.name}`);
  const opts: Parameters<typeof planStep>[4] = { cniPath: deps.cniPath, baseEnv: deps.baseEnv };
  if (prevResult !== undefined) opts.prevResult = prevResult;
  if (extra) opts.extra = extra;
  return invoke(planStep(command, net, plugin, rt, opts), deps.cniPath, deps.run);
}

export class ChainAddError extends PluginError {
  readonly rollbackError: string | undefined;
  constructor(cause: PluginError, rollbackError: string | undefined) {
    const suffix = rollbackError ? `; rollback also failed: ${rollbackError}` : '';
    super(cause.plugin, `${cause.message}${suffix}`, cause.code);
    this.rollbackError = rollbackError;
  }
}

/**
 * ADD over the whole chain, each plugin receiving the previous result. On any
 * failure the chain is DELeted in reverse (with the netns still present) and a
 * ChainAddError is thrown; the caller decides what to record.
 */
export async function addChain(deps: ChainDeps, net: NetworkConfig, rt: RuntimeConf): Promise<unknown> {
  let prev: unknown;
  for (let i = 0; i < net.plugins.length; i++) {
    try {
      const out = await step(deps, 'ADD', net, i, rt, prev);
      if (out !== undefined) {
        const parsed = resultSchema.safeParse(out);
        if (!parsed.success) {
          throw new PluginError(
            net.plugins[i]?.type ?? '?',
            `plugin ${net.plugins[i]?.type} (ADD): result is malformed`,
          );
        }
        prev = out;
      }
    } catch (err) {
      const cause =
        err instanceof PluginError ? err : new PluginError(net.plugins[i]?.type ?? '?', errorMessage(err));
      // Undo only what ran: plugins before i, and i itself unless it could not even be found.
      const ran = /failed to find plugin/.test(cause.message) ? i : i + 1;
      let rollbackError: string | undefined;
      try {
        await delChain(deps, net, rt, prev, ran);
      } catch (rbErr) {
        rollbackError = errorMessage(rbErr);
      }
      throw new ChainAddError(cause, rollbackError);
    }
  }
  return prev;
}

/**
 * DEL in reverse order (the first `count` plugins; all by default). Every plugin is called even if an earlier one failed;
 * the first failure is thrown at the end (DEL must be retryable).
 */
export async function delChain(
  deps: ChainDeps,
  net: NetworkConfig,
  rt: RuntimeConf,
  cachedResult: unknown,
  count = net.plugins.length,
): Promise<void> {
  const prev = supportsPrevResultOnDel(net.cniVersion) ? cachedResult : undefined;
  let first: unknown;
  for (let i = count - 1; i >= 0; i--) {
    try {
      await step(deps, 'DEL', net, i, rt, prev);
    } catch (err) {
      first ??= err;
    }
  }
  if (first) throw first;
}

/** CHECK in order with the cached result. Returns false when the version has no CHECK. */
export async function checkChain(
  deps: ChainDeps,
  net: NetworkConfig,
  rt: RuntimeConf,
  cachedResult: unknown,
): Promise<boolean> {
  if (!supportsCheck(net.cniVersion) || net.disableCheck) return false;
  for (let i = 0; i < net.plugins.length; i++) await step(deps, 'CHECK', net, i, rt, cachedResult);
  return true;
}

/** GC (CNI 1.1.0) with the attachments that are still valid. Returns false when not applicable. */
export async function gcChain(
  deps: ChainDeps,
  net: NetworkConfig,
  valid: { containerID: string; ifname: string }[],
): Promise<boolean> {
  if (!supportsGc(net.cniVersion) || net.disableGC) return false;
  for (let i = 0; i < net.plugins.length; i++) {
    await step(deps, 'GC', net, i, undefined, undefined, { 'cni.dev/valid-attachments': valid });
  }
  return true;
}

/** Ask every plugin of the chain which versions it speaks; throws on a missing plugin or mismatch. */
export async function versionCheck(deps: ChainDeps, net: NetworkConfig): Promise<void> {
  for (const plugin of net.plugins) {
    const inv = {
      pluginType: plugin.type,
      command: 'VERSION' as const,
      env: { ...planStep('VERSION', net, plugin, undefined, deps).env },
      stdin: JSON.stringify({ cniVersion: net.cniVersion }),
    };
    const out = (await invoke(inv, deps.cniPath, deps.run)) as { supportedVersions?: unknown } | undefined;
    const versions = Array.isArray(out?.supportedVersions) ? (out.supportedVersions as unknown[]) : [];
    if (!versions.includes(net.cniVersion)) {
      throw new PluginError(
        plugin.type,
        `plugin ${plugin.type} does not support cniVersion ${net.cniVersion} (it supports: ${versions.join(', ') || 'none reported'})`,
      );
    }
  }
}
