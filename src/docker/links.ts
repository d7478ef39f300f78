/**
 * Host-side links of Docker networks and endpoints: their names, and the kernel steps that make
 * them (pure; built on src/kernel/links.ts, run with runSteps).
 */
import { bridgeSteps, linkDeleteStep, vethSteps } from '../kernel/links';
import type { Step } from '../kernel/step';
import type { DockerEndpointRecord, DockerNetRecord } from '../state/docker';

export type DockerNet = DockerNetRecord;
export type DockerEndpoint = DockerEndpointRecord;

/** `cird` + 10 hex of the network id (15 characters at most, like every Linux interface name). */
export const bridgeFor = (networkId: string) => `cird${networkId.slice(0, 10)}`;

/** Veth names of an endpoint: host end `cvh…` (stays on the bridge), peer `cvp…` (Docker moves it). */
export function vethFor(endpointId: string): { host: string; peer: string } {
  const tag = endpointId.slice(0, 11);
  return { host: `cvh${tag}`, peer: `cvp${tag}` };
}

/** A stable locally administered MAC derived from the endpoint id (02:xx:…). */
export function macFor(endpointId: string): string {
  const hex = `${endpointId.replace(/[^0-9a-f]/gi, '')}0000000000`.slice(0, 10).toLowerCase();
  return `02:${hex.match(/../g)?.join(':')}`;
}

const prefixOf = (cidr: string) => cidr.split('/')[1] ?? '';

/**
 * Bring a network's bridge up: create it unless it exists (`addrs` undefined: it does not), set
 * its MTU, add the gateway addresses it lacks (none on an internal network).
 */
export function bridgePlan(net: DockerNet, addrs: readonly string[] | undefined): Step[] {
  const [create, ...rest] = bridgeSteps(net.bridge, net.mtu ? { mtu: net.mtu } : {});
  const steps: Step[] = addrs === undefined && create ? [create, ...rest] : rest;
  if (net.internal) return steps;
  for (const fam of [net.v4, net.v6]) {
    if (!fam) continue;
    const addr = `${fam.gateway}/${prefixOf(fam.pool)}`;
    if (addrs?.includes(addr)) continue;
    steps.push({
      argv: ['ip', 'addr', 'add', addr, 'dev', net.bridge, ...(fam === net.v6 ? ['nodad'] : [])],
      tolerate: 'exists',
    });
  }
  return steps;
}

/** Remove a bridge circuit created (a gone one is fine). */
export const bridgeDeleteStep = (net: DockerNet): Step => linkDeleteStep(net.bridge);

/**
 * An endpoint's veth pair, host end on the network's bridge and up; Docker moves the peer into
 * the container. A host end left from an earlier Join (Docker retried) is removed first.
 */
export function vethPlan(net: DockerNet, ep: DockerEndpoint): Step[] {
  return [
    linkDeleteStep(ep.host),
    ...vethSteps({
      host: ep.host,
      peer: ep.peer,
      peerMac: ep.mac,
      master: net.bridge,
      ...(net.mtu ? { mtu: net.mtu } : {}),
    }),
  ];
}

/** Remove an endpoint's veth pair (the peer goes with it; a gone one is fine). */
export const vethDeleteStep = (endpointId: string): Step => linkDeleteStep(vethFor(endpointId).host);
