/**
 * The one way circuit enters a network namespace: `nsenter --net=PATH TOOL ...`.
 *
 * Why nsenter and not `ip -n NAME` / `ip netns exec NAME`: circuit's namespaces come as paths (a
 * runtime's bundle netns, /proc/PID/ns/net, or a named /run/netns/NAME), and its tools are not
 * only `ip` (tc, nft, ethtool, sysctl). `nsenter --net=PATH` takes every kind of path and runs
 * every tool the same way; `ip -n` takes names only and works for `ip` alone, and `ip netns exec`
 * also builds a mount namespace per call (its /sys remount) that none of these tools needs.
 */

/** Where a step runs: the host's namespace (undefined) or the netns at this path. */
export type NetnsPath = string | undefined;

/** The path of a named namespace (`ip netns add NAME`). */
export const namedNetns = (name: string): string => `/run/netns/${name}`;

/** A named namespace's path, or undefined (the host's) when there is no name. */
export const netnsOf = (name: string | undefined): NetnsPath => (name ? namedNetns(name) : undefined);

/** The argv that runs `argv` inside `netns` (unchanged for the host's). */
export function inNetns(netns: NetnsPath, argv: readonly string[]): string[] {
  return netns ? ['nsenter', `--net=${netns}`, ...argv] : [...argv];
}
