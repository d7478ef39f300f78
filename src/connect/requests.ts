import type { AttachRequest } from '../attach/attach';
import { ifNameSeries } from '../attach/ifnames';
import { attachableNetwork, resolveCniConf } from '../attach/networks';
import { declaredCapabilities } from '../cni/config';
import { UsageError } from '../errors';
import { firstIssue, ifName as ifNameSchema } from '../names';
import type { StateStore } from '../state/store';
import { capabilityArgsFor, parseAnnotations, parseCniArgs } from './annotations';

export interface RequestDefaults {
  /** CNI_CONF: a network when no io.circuit.network names one. */
  cniConf?: string | undefined;
  /** CNI_IFNAME: the first interface (default eth0). */
  ifName?: string | undefined;
  /** CNI_ARGS. */
  cniArgs?: string | undefined;
}

/**
 * What to attach a container to, from its io.circuit.* annotations (runc) or labels
 * (containerd): networks as eth0, eth1, ... with positional ips/macs and port mappings.
 */
export function attachRequests(
  store: StateStore,
  id: string,
  annotations: Record<string, string>,
  d: RequestDefaults,
): AttachRequest[] {
  const cn = parseAnnotations(annotations);
  const nets =
    cn.networks.length > 0
      ? cn.networks.map((n) => attachableNetwork(store, n))
      : d.cniConf
        ? [resolveCniConf(store, d.cniConf)]
        : [];
  if (nets.length === 0) {
    throw new UsageError(
      `container ${id}: no network given (set CNI_CONF or the io.circuit.network annotation)`,
    );
  }
  const base = d.ifName || 'eth0';
  const ifr = ifNameSchema.safeParse(base);
  if (!ifr.success) throw new UsageError(`CNI_IFNAME: ${firstIssue(ifr.error)}`);
  const ifNames = ifNameSeries(base, nets.length);
  const args = parseCniArgs(d.cniArgs);
  const anyPorts = nets.some((n) => declaredCapabilities(n).has('portMappings'));
  if (cn.ports.length > 0 && !anyPorts) {
    throw new UsageError(
      'io.circuit.ports: no network of this container has a plugin with the portMappings capability',
    );
  }
  return nets.map((net, i) => {
    const caps = capabilityArgsFor(cn, i);
    if (!declaredCapabilities(net).has('portMappings')) delete caps.portMappings;
    return { net, ifName: ifNames[i] ?? `eth${i}`, args, capabilityArgs: caps };
  });
}
