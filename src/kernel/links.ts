/**
 * Planners (pure) for the devices circuit creates outside CNI: bridges and veth pairs, and the
 * removal of a link. Run them with runSteps.
 */
import type { NetnsPath } from './netns';
import type { Step } from './step';

export interface BridgeOptions {
  netns?: NetnsPath;
  mtu?: number;
}

/** A bridge (kept when it exists), its MTU, up. */
export function bridgeSteps(name: string, o: BridgeOptions = {}): Step[] {
  return [
    { argv: ['ip', 'link', 'add', name, 'type', 'bridge'], netns: o.netns, tolerate: 'exists' },
    ...(o.mtu ? [{ argv: ['ip', 'link', 'set', name, 'mtu', String(o.mtu)], netns: o.netns }] : []),
    { argv: ['ip', 'link', 'set', name, 'up'], netns: o.netns },
  ];
}

export interface VethOptions {
  /** The end created (and kept) in `netns`. */
  host: string;
  peer: string;
  netns?: NetnsPath;
  mtu?: number;
  /** Move the peer at creation into this namespace: a PID (its netns) or a named namespace. */
  peerNetns?: number | string;
  peerMac?: string;
  peerMtu?: number;
  /** Enslave the host end to this bridge. */
  master?: string;
  /** Bring the host end up (default true). */
  up?: boolean;
}

/** A veth pair: created with its peer's name, place and MAC, host end on its bridge and up. */
export function vethSteps(o: VethOptions): Step[] {
  const peer = [
    'peer',
    'name',
    o.peer,
    ...(o.peerNetns !== undefined ? ['netns', String(o.peerNetns)] : []),
    ...(o.peerMac ? ['address', o.peerMac] : []),
    ...(o.peerMtu ? ['mtu', String(o.peerMtu)] : []),
  ];
  const steps: Step[] = [
    {
      argv: ['ip', 'link', 'add', o.host, ...(o.mtu ? ['mtu', String(o.mtu)] : []), 'type', 'veth', ...peer],
      netns: o.netns,
    },
  ];
  const set = [...(o.master ? ['master', o.master] : []), ...(o.up === false ? [] : ['up'])];
  if (set.length) steps.push({ argv: ['ip', 'link', 'set', o.host, ...set], netns: o.netns });
  return steps;
}

/** Remove a link (a veth takes its peer along); a link that is gone already is fine. */
export function linkDeleteStep(dev: string, netns?: NetnsPath): Step {
  return { argv: ['ip', 'link', 'del', dev], netns, tolerate: 'gone' };
}
