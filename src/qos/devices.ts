import { cachedConfig } from '../cni/cache';
import { CircuitError, ExitCode } from '../errors';
import { netnsAlive } from '../netns';
import type { Attachment, CacheEntry, ContainerRecord } from '../state/schemas';

/** One device that carries QoS: the host-side peer (ingress) or the container interface (egress). */
export interface QosTarget {
  side: 'host' | 'container';
  dev: string;
  /** netns path for container-side devices. */
  netns?: string;
}

/** Host-side device from the cached result: the interface outside the sandbox that is not the bridge. */
export function hostDevice(cache: CacheEntry | undefined): string | undefined {
  const ifs = (cache?.result?.interfaces ?? []) as { name?: string; sandbox?: string }[];
  let bridges = new Set<string>();
  if (cache) {
    try {
      const net = cachedConfig(cache);
      bridges = new Set(net.plugins.map((p) => (typeof p.bridge === 'string' ? p.bridge : 'cni0')));
    } catch {
      // unreadable cache config: fall back to the result alone
    }
  }
  const outside = ifs.filter((i) => i.name && !i.sandbox && !bridges.has(i.name)).map((i) => i.name ?? '');
  return outside.length === 1 ? outside[0] : undefined;
}

/**
 * Both QoS devices of an attachment: the host side from the record (a Docker endpoint's veth) or
 * else from the cached result. A missing host side is reported when it is needed.
 */
export function attachmentTargets(rec: ContainerRecord, att: Attachment, cache: CacheEntry | undefined) {
  const host = att.hostDevice ?? hostDevice(cache);
  const container: QosTarget | undefined = netnsAlive(rec.netns)
    ? { side: 'container', dev: att.ifName, netns: rec.netns.path }
    : undefined;
  return { host: host ? ({ side: 'host', dev: host } as QosTarget) : undefined, container };
}

export function missingDevice(
  rec: ContainerRecord,
  att: Attachment,
  side: 'host' | 'container',
): CircuitError {
  return new CircuitError(
    side === 'host'
      ? `container ${rec.id} on network ${att.network}: no host-side device in the CNI result (e.g. macvlan/ipvlan); ingress shaping needs one, use --direction egress`
      : `container ${rec.id} on network ${att.network}: its network namespace is gone`,
    ExitCode.notFound,
  );
}
