import { NotFoundError, noteRollbackFailure, UsageError } from '../errors';
import { linkAddrs } from '../kernel/ip-json';
import { runStep, runSteps } from '../kernel/step';
import type { Runner } from '../runner';
import { dockerArea } from '../state/docker';
import type { StateStore } from '../state/store';
import { bridgeDeleteStep, bridgeFor, bridgePlan, type DockerNet } from './links';
import { dockerLocked } from './lock';
import { requests } from './requests';

type Body = Record<string, unknown>;

const GENERIC = 'com.docker.network.generic';
/** -o options a circuit network accepts (Docker's own bridge names for the same things too). */
const KNOWN_OPTIONS = [
  'circuit.bridge',
  'circuit.mtu',
  'com.docker.network.bridge.name',
  'com.docker.network.driver.mtu',
];

const ipOf = (cidr: string) => cidr.split('/')[0] ?? '';

/** CreateNetwork's request → the network record (checked; nothing changed on bad options). */
export function networkFromRequest(body: unknown): DockerNet {
  const r = requests.CreateNetwork.parse(body);
  const generic = (r.Options?.[GENERIC] ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(generic))
    if (!KNOWN_OPTIONS.includes(k))
      throw new UsageError(
        `circuit: unknown network option ${JSON.stringify(k)} (known: ${KNOWN_OPTIONS.join(', ')})`,
      );
  const bridgeOpt = String(generic['circuit.bridge'] ?? generic['com.docker.network.bridge.name'] ?? '');
  if (bridgeOpt && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(bridgeOpt))
    throw new UsageError(
      `circuit.bridge: ${JSON.stringify(bridgeOpt)} is not an interface name (15 characters at most)`,
    );
  const mtuOpt = generic['circuit.mtu'] ?? generic['com.docker.network.driver.mtu'];
  const mtu = mtuOpt === undefined ? undefined : Number(mtuOpt);
  if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < 576 || mtu > 65535))
    throw new UsageError(`circuit.mtu: ${JSON.stringify(mtuOpt)} is not an MTU (576-65535)`);
  const v4 = r.IPv4Data?.[0];
  const v6 = r.IPv6Data?.[0];
  if (!v4?.Pool || v4.Pool === '0.0.0.0/0')
    throw new UsageError('circuit: give the network a subnet (docker network create --subnet CIDR)');
  return {
    id: r.NetworkID,
    bridge: bridgeOpt || bridgeFor(r.NetworkID),
    ownBridge: true,
    internal: r.Options?.['com.docker.network.internal'] === true,
    ...(mtu ? { mtu } : {}),
    v4: { pool: v4.Pool, gateway: ipOf(v4.Gateway ?? '') },
    ...(v6?.Pool ? { v6: { pool: v6.Pool, gateway: ipOf(v6.Gateway ?? '') } } : {}),
    createdAt: new Date().toISOString(),
  };
}

/**
 * Docker's CreateNetwork and DeleteNetwork: a network is a Linux bridge (circuit's own, or one
 * that exists and that circuit then never deletes) with the gateway addresses. The record says
 * who owns the bridge and is written before the bridge is created; a failed create is undone.
 */
export class DockerNetworks {
  private readonly area;

  constructor(
    private readonly store: StateStore,
    private readonly run: Runner,
    private readonly changed: () => void,
  ) {
    this.area = dockerArea(store);
  }

  /** The network's record (NotFoundError when Docker asks about one circuit does not have). */
  get(id: string): DockerNet {
    const n = this.area.networks.get(id);
    if (!n) throw new NotFoundError(`circuit: no network ${id.slice(0, 12)}`);
    return n;
  }

  create = (body: unknown): Promise<Body> => {
    const net = networkFromRequest(body);
    return dockerLocked(this.store, async () => {
      const addrs = await linkAddrs(this.run, net.bridge);
      // ownership before creation: the record names the bridge as circuit's before it exists
      await this.store.locked(async () => {
        const prev = this.area.networks.get(net.id);
        // a retried create keeps the ownership the first try recorded (it made the bridge)
        net.ownBridge = addrs === undefined || (prev?.bridge === net.bridge && prev.ownBridge);
        this.area.networks.put(net);
      });
      try {
        await runSteps(this.run, bridgePlan(net, addrs));
      } catch (err) {
        // Docker never deletes a network whose create failed: undo it here
        let failure: unknown = err;
        try {
          if (net.ownBridge) await runStep(this.run, bridgeDeleteStep(net));
          await this.store.locked(async () => this.area.networks.remove(net.id));
        } catch (rb) {
          failure = noteRollbackFailure(failure, `removing bridge ${net.bridge}`, rb);
        }
        throw failure;
      }
      this.changed();
      return {};
    });
  };

  /** Idempotent (Docker retries it): the bridge goes first (if circuit's), then its record. */
  delete = (body: unknown): Promise<Body> => {
    const r = requests.DeleteNetwork.parse(body);
    return dockerLocked(this.store, async () => {
      const net = await this.store.locked(async () => this.area.networks.get(r.NetworkID));
      if (!net) return {};
      if (net.ownBridge) await runStep(this.run, bridgeDeleteStep(net));
      await this.store.locked(async () => this.area.networks.remove(net.id));
      this.changed();
      return {};
    });
  };
}
