import type { NetworkConfig, PluginConf } from './config';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';

/** Per-attachment runtime parameters (libcni's RuntimeConf). */
export interface RuntimeConf {
  containerId: string;
  /** Path to the netns; empty string when it is gone (DEL only). */
  netns: string;
  ifName: string;
  args: [string, string][];
  capabilityArgs: Record<string, unknown>;
}

/** One plugin execution, fully planned: what runs, with which env and stdin. */
export interface Invocation {
  pluginType: string;
  command: CniCommand;
  env: Record<string, string>;
  stdin: string;
}

/** The per-plugin network configuration libcni builds for one step of a chain. */
export function pluginStdin(
  net: NetworkConfig,
  plugin: PluginConf,
  opts: { prevResult?: unknown; capabilityArgs?: Record<string, unknown>; extra?: Record<string, unknown> },
): string {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: net.cniVersion, name: net.name };
  if (opts.prevResult !== undefined) conf.prevResult = opts.prevResult;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(plugin.capabilities ?? {})) {
    if (enabled && opts.capabilityArgs && cap in opts.capabilityArgs)
      runtimeConfig[cap] = opts.capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  Object.assign(conf, opts.extra);
  return JSON.stringify(conf);
}

export function cniArgsString(args: [string, string][]): string {
  return args.map(([k, v]) => `${k}=${v}`).join(';');
}

export function invocationEnv(
  command: CniCommand,
  rt: RuntimeConf | undefined,
  cniPath: readonly string[],
  base: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { ...base, CNI_COMMAND: command, CNI_PATH: cniPath.join(':') };
  if (!env.PATH) env.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const k of ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS']) delete env[k];
  if (rt) {
    env.CNI_CONTAINERID = rt.containerId;
    env.CNI_NETNS = rt.netns;
    env.CNI_IFNAME = rt.ifName;
    env.CNI_ARGS = cniArgsString(rt.args);
  }
  return env;
}

/** Plan one chain step. */
export function planStep(
  command: CniCommand,
  net: NetworkConfig,
  plugin: PluginConf,
  rt: RuntimeConf | undefined,
  opts: {
    prevResult?: unknown;
    cniPath: readonly string[];
    baseEnv: Record<string, string>;
    extra?: Record<string, unknown>;
  },
): Invocation {
  const stdinOpts: Parameters<typeof pluginStdin>[2] = {};
  if (opts.prevResult !== undefined) stdinOpts.prevResult = opts.prevResult;
  if (rt) stdinOpts.capabilityArgs = rt.capabilityArgs;
  if (opts.extra) stdinOpts.extra = opts.extra;
  return {
    pluginType: plugin.type,
    command,
    env: invocationEnv(command, rt, opts.cniPath, opts.baseEnv),
    stdin: pluginStdin(net, plugin, stdinOpts),
  };
}
