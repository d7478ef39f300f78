import { DOCKER_ID_PREFIX, DOCKER_SOURCE } from '../attach/networks';
import { Coalescer } from '../coalesce';
import type { ConnectContext } from '../connect/context';
import { errorMessage, KernelError } from '../errors';
import { listLinks } from '../kernel/ip-json';
import { type Service, settleBy } from '../lifecycle';
import type { Logger } from '../log';
import { setQosOptions } from '../qos/set';
import { dockerArea } from '../state/docker';
import { qosArea } from '../state/qos';
import type { Attachment, ContainerRecord } from '../state/schemas';
import type { DockerEngine } from './engine';
import type { DockerEndpoint, DockerNet } from './links';

const RESYNC_MS = 10_000;
/** A container skipped because dockerd could not say its labels is tried again this soon. */
const RETRY_MS = 1000;
const QOS_LABEL = 'io.circuit.qos.';

/** The conflist a Docker network shows as in `circuit network list/inspect` (never run by CNI). */
export function dockerConflist(name: string, net: DockerNet): Record<string, unknown> {
  const ranges = [net.v4, net.v6]
    .filter((f) => f !== undefined)
    .map((f) => [{ subnet: f.pool, ...(f.gateway ? { gateway: f.gateway } : {}) }]);
  return {
    cniVersion: '1.0.0',
    name,
    plugins: [
      { type: 'bridge', bridge: net.bridge, isGateway: !net.internal, ipam: { type: 'host-local', ranges } },
    ],
  };
}

/** io.circuit.qos.rate=5mbit … → the options of `network qos set --container`. */
export function qosFromLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {}))
    if (k.startsWith(QOS_LABEL)) out[k.slice(QOS_LABEL.length)] = v;
  return out;
}

interface Wanted {
  rec: ContainerRecord;
  fresh: Attachment[];
  labels: Record<string, string>;
}

/**
 * Keeps circuit's view of Docker networks in step with the driver's state and dockerd: each
 * circuit-driven Docker network is a circuit network record (source "docker", named as in
 * Docker), each container on it a record `docker.<id>` with its attachments, each naming its
 * host-side veth as `hostDevice` (so `network list`, `network ips`, `network qos`, the cluster
 * registry and DNS see Docker containers). Runs after every driver change (debounced) and every
 * 10 s. Docker containers' QoS comes from the network and from `io.circuit.qos.*` labels: a
 * container whose labels dockerd cannot give yet gets no record until it can (else its labels
 * would never be applied). Kernel work (ip, tc) runs outside the global state lock.
 */
export class DockerSync implements Service {
  readonly name = 'docker-sync';
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly syncer = new Coalescer(() =>
    this.syncOnce().catch((err: unknown) =>
      this.log.log('warn', 'docker sync failed', { error: errorMessage(err) }),
    ),
  );
  /** dockerd's reachability as last seen (undefined before the first try). */
  private reachable: boolean | undefined;
  private warned = new Set<string>();
  private stopped = false;

  constructor(
    private readonly ctx: ConnectContext,
    private readonly engine: DockerEngine,
    private readonly log: Logger,
  ) {}

  /** A first sync now (which says whether dockerd answers), then every 10 s. */
  async start(): Promise<void> {
    this.timer = setInterval(() => this.schedule(0), RESYNC_MS);
    await this.syncNow();
  }

  /** No more syncs; one in progress is waited for until the deadline. */
  async stop(deadline: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await settleBy(this.syncer.settled(), deadline);
  }

  /** dockerd answered, or not: logged at the first try and once per change. */
  private seen(up: boolean, fields: Record<string, unknown>): void {
    if (this.reachable === up) return;
    const first = this.reachable === undefined;
    this.reachable = up;
    if (up) this.log.log('info', first ? 'dockerd connected' : 'dockerd reachable again', fields);
    else
      this.log.log(
        'warn',
        first
          ? 'dockerd not reachable; Docker networks keep their last view, retrying every 10s'
          : 'dockerd not reachable; Docker networks keep their last view',
        fields,
      );
  }

  /** Ask for a sync soon (the driver calls this after each change). */
  schedule(ms = 150): void {
    if (this.debounce || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.syncNow();
    }, ms);
  }

  syncNow(): Promise<void> {
    return this.syncer.run();
  }

  private warnOnce(key: string, msg: string, fields: Record<string, unknown>): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.log('warn', msg, fields);
  }

  private async syncOnce(): Promise<void> {
    const { store } = this.ctx;
    const socket = this.engine.socket;
    try {
      this.seen(true, { socket, version: await this.engine.version() });
    } catch (err) {
      this.seen(false, { socket, error: errorMessage(err) });
      return;
    }
    const area = dockerArea(store);
    const endpoints = new Map<string, DockerEndpoint>(area.endpoints.all().map((e) => [e.id, e]));
    /** A record that is there but does not parse (skipped with one warning line, left as it is). */
    const corrupt = (id: string) =>
      store.hasContainer(id) && !store.skipCorrupt(() => store.getContainer(id));
    const names = new Map<string, { net: DockerNet; doc: Record<string, unknown> }>();
    const wanted = new Map<string, Wanted>();
    /** Containers left out of this sync (their labels could not be read): tried again soon. */
    const later = new Set<string>();
    for (const net of area.networks.all()) {
      let info: Awaited<ReturnType<DockerEngine['network']>>;
      try {
        info = await this.engine.network(net.id);
      } catch (err) {
        this.seen(false, { socket, error: errorMessage(err) });
        return;
      }
      if (!info) continue;
      const other = store.skipCorrupt(() => store.getNetwork(info.Name));
      if ((other && other.source !== DOCKER_SOURCE) || (!other && store.networks.has(info.Name))) {
        this.warnOnce(
          `name:${info.Name}`,
          "a circuit network has the Docker network's name; not shown in circuit",
          {
            network: info.Name,
          },
        );
        continue;
      }
      names.set(info.Name, { net, doc: dockerConflist(info.Name, net) });
      for (const [cid, c] of Object.entries(info.Containers ?? {})) {
        const ep = endpoints.get(c.EndpointID);
        if (!ep?.sandbox) continue;
        const id = `${DOCKER_ID_PREFIX}${cid.slice(0, 12)}`;
        if (later.has(id) || corrupt(id)) continue;
        let w = wanted.get(id);
        if (!w) {
          const old = store.getContainer(id);
          const labels = old ? {} : await this.labelsOf(cid, id);
          if (!labels) {
            later.add(id);
            continue;
          }
          w = {
            rec: {
              id,
              name: (c.Name ?? cid.slice(0, 12)).replace(/^\//, ''),
              netns: { path: ep.sandbox },
              source: 'docker',
              createdAt: old?.createdAt ?? new Date().toISOString(),
              attachments: [],
            },
            fresh: [],
            labels,
          };
          wanted.set(id, w);
        }
        const ifName = await this.ifNameOf(ep);
        if (!ifName) continue;
        const att: Attachment = {
          network: info.Name,
          ifName,
          status: 'attached',
          ips: [ep.address, ep.addressV6].filter((a): a is string => !!a),
          mac: ep.mac,
          hostDevice: ep.host,
          updatedAt: new Date().toISOString(),
        };
        w.rec.attachments.push(att);
        const known = store.getContainer(id)?.attachments.some((a) => a.network === att.network);
        if (!known) w.fresh.push(att);
      }
    }
    // a container with one network read and another not is left out whole (no partial record)
    for (const id of later) wanted.delete(id);
    const qosWork: Wanted[] = [];
    await store.locked(async () => {
      for (const [name, { doc }] of names) {
        const cur = store.getNetwork(name);
        if (cur && JSON.stringify(cur.config) === JSON.stringify(doc)) continue;
        store.putNetwork({
          name,
          config: doc,
          source: DOCKER_SOURCE,
          createdAt: cur?.createdAt ?? new Date().toISOString(),
        });
      }
      for (const rec of store.allNetworks())
        if (rec.source === DOCKER_SOURCE && !names.has(rec.name)) {
          store.removeNetwork(rec.name);
          qosArea(store).remove(rec.name);
        }
      for (const id of store.containerIds()) {
        if (!id.startsWith(DOCKER_ID_PREFIX) || later.has(id) || corrupt(id)) continue;
        const old = store.getContainer(id);
        const keep = wanted.get(id);
        for (const a of old?.attachments ?? [])
          if (!keep?.rec.attachments.some((b) => b.network === a.network && b.ifName === a.ifName)) {
            const { forgetQos } = await import('../attach/qos-link');
            await forgetQos(store, a.network, id);
          }
        if (!keep) store.removeContainer(id);
      }
      for (const w of wanted.values()) {
        store.putContainer(w.rec);
        if (w.fresh.length) qosWork.push(w);
      }
    });
    // tc runs with no state lock held (each network's QoS lock only)
    for (const w of qosWork) await this.applyQos(w);
    if (later.size > 0) this.schedule(RETRY_MS);
  }

  /**
   * A new container's `io.circuit.qos.*` labels; undefined when dockerd cannot say (an error, or
   * it does not know the container yet): the container is then left for a later sync.
   */
  private async labelsOf(cid: string, id: string): Promise<Record<string, string> | undefined> {
    try {
      const info = await this.engine.container(cid);
      if (info) {
        this.warned.delete(`labels:${id}`);
        return qosFromLabels(info.Config?.Labels);
      }
      this.warnOnce(`labels:${id}`, 'docker container not found; its record waits', { container: id });
    } catch (err) {
      this.warnOnce(`labels:${id}`, 'docker container labels not readable; its record waits', {
        container: id,
        error: errorMessage(err),
      });
    }
    return undefined;
  }

  /** Network QoS for new attachments, then the container's own from its labels. */
  private async applyQos(w: Wanted): Promise<void> {
    try {
      const { applyQosOnAttach } = await import('../qos/service');
      await applyQosOnAttach(this.ctx.store, this.ctx.deps.run, w.rec.id);
      if (Object.keys(w.labels).length)
        for (const a of w.fresh)
          await setQosOptions(this.ctx.store, this.ctx.deps.run, {
            network: a.network,
            container: w.rec.id,
            options: w.labels,
          });
    } catch (err) {
      this.log.log('warn', 'docker container QoS not applied', {
        container: w.rec.name,
        error: errorMessage(err),
      });
    }
  }

  /**
   * The container-side name Docker gave the endpoint's interface (found by its MAC); undefined
   * while it is not there (the sandbox gone, the peer not moved in yet).
   */
  private async ifNameOf(ep: DockerEndpoint): Promise<string | undefined> {
    try {
      const links = await listLinks(this.ctx.deps.run, ep.sandbox);
      return links.find((l) => l.address?.toLowerCase() === ep.mac.toLowerCase())?.ifname;
    } catch (err) {
      if (!(err instanceof KernelError && err.gone))
        this.warnOnce(`links:${ep.id}`, 'docker endpoint interfaces not readable', {
          endpoint: ep.id.slice(0, 12),
          error: errorMessage(err),
        });
      return undefined;
    }
  }
}
