import { DOCKER_ID_PREFIX, DOCKER_SOURCE } from '../attach/networks';
import { Coalescer } from '../coalesce';
import type { ConnectContext } from '../connect/context';
import { errorMessage } from '../errors';
import { type Service, settleBy } from '../lifecycle';
import type { Logger } from '../log';
import { setQosOptions } from '../qos/set';
import type { Attachment, CacheEntry, ContainerRecord } from '../state/schemas';
import type { DockerEngine } from './engine';
import type { DockerEndpoint, DockerNet } from './links';
import { dockerEndpointSchema, dockerNetSchema } from './schemas';

const RESYNC_MS = 10_000;
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
  caches: CacheEntry[];
  fresh: Attachment[];
  labels: Record<string, string>;
}

/**
 * Keeps circuit's view of Docker networks in step with the driver's state and dockerd: each
 * circuit-driven Docker network is a circuit network record (source "docker", named as in
 * Docker), each container on it a record `docker.<id>` with its attachments and a cache entry
 * naming its host-side veth (so `network list`, `network ips`, `network qos`, the cluster registry
 * and DNS see Docker containers). Runs after every driver change (debounced) and every 10 s.
 * Docker containers' QoS comes from the network and from `io.circuit.qos.*` labels.
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
    const nets = store
      .list('docker/networks')
      .flatMap((f) => store.readJson(`docker/networks/${f}`, dockerNetSchema) ?? []);
    const endpoints = new Map<string, DockerEndpoint>(
      store
        .list('docker/endpoints')
        .flatMap((f) => store.readJson(`docker/endpoints/${f}`, dockerEndpointSchema) ?? [])
        .map((e) => [e.id, e]),
    );
    const names = new Map<string, { net: DockerNet; doc: Record<string, unknown> }>();
    const wanted = new Map<string, Wanted>();
    for (const net of nets) {
      let info: Awaited<ReturnType<DockerEngine['network']>>;
      try {
        info = await this.engine.network(net.id);
      } catch (err) {
        this.seen(false, { socket, error: errorMessage(err) });
        return;
      }
      if (!info) continue;
      const other = store.getNetwork(info.Name);
      if (other && other.source !== DOCKER_SOURCE) {
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
        let w = wanted.get(id);
        if (!w) {
          const old = store.getContainer(id);
          const labels = old
            ? {}
            : qosFromLabels((await this.engine.container(cid).catch(() => undefined))?.Config?.Labels);
          w = {
            rec: {
              id,
              name: (c.Name ?? cid.slice(0, 12)).replace(/^\//, ''),
              netns: { path: ep.sandbox },
              source: 'docker',
              createdAt: old?.createdAt ?? new Date().toISOString(),
              attachments: [],
            },
            caches: [],
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
          updatedAt: new Date().toISOString(),
        };
        w.rec.attachments.push(att);
        const known = store.getContainer(id)?.attachments.some((a) => a.network === att.network);
        if (!known) w.fresh.push(att);
        w.caches.push({
          kind: 'cniCacheV1',
          containerId: id,
          config: Buffer.from(JSON.stringify(names.get(info.Name)?.doc)).toString('base64'),
          ifName,
          networkName: info.Name,
          netns: ep.sandbox,
          result: {
            cniVersion: '1.0.0',
            interfaces: [{ name: ep.host }, { name: ifName, mac: ep.mac, sandbox: ep.sandbox }],
            ips: att.ips.map((address) => ({ address, interface: 1 })),
          },
        });
      }
    }
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
      for (const name of store.networkNames())
        if (store.getNetwork(name)?.source === DOCKER_SOURCE && !names.has(name)) {
          store.removeNetwork(name);
          store.remove(`qos/${name}.json`);
        }
      for (const id of store.containerIds()) {
        if (!id.startsWith(DOCKER_ID_PREFIX)) continue;
        const old = store.getContainer(id);
        const keep = wanted.get(id);
        for (const a of old?.attachments ?? [])
          if (!keep?.rec.attachments.some((b) => b.network === a.network && b.ifName === a.ifName)) {
            store.removeCache(a.network, id, a.ifName);
            const { forgetQos } = await import('../attach/qos-link');
            await forgetQos(store, a.network, id);
          }
        if (!keep) store.removeContainer(id);
      }
      for (const w of wanted.values()) {
        store.putContainer(w.rec);
        for (const c of w.caches) store.putCache(c);
        if (w.fresh.length) qosWork.push(w);
      }
    });
    for (const w of qosWork) await this.applyQos(w);
  }

  /** Network QoS for new attachments, then the container's own from its labels. */
  private async applyQos(w: Wanted): Promise<void> {
    try {
      const { applyOnAttach } = await import('../qos/service');
      await this.ctx.store.locked(() => applyOnAttach(this.ctx.store, this.ctx.deps.run, w.rec.id));
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

  /** The container-side name Docker gave the endpoint's interface (found by its MAC). */
  private async ifNameOf(ep: DockerEndpoint): Promise<string | undefined> {
    const r = await this.ctx.deps.run({
      argv: ['nsenter', `--net=${ep.sandbox}`, 'ip', '-j', 'link', 'show'],
    });
    if (r.exitCode !== 0) return undefined;
    try {
      const links = JSON.parse(r.stdout) as { ifname: string; address?: string }[];
      return links.find((l) => l.address?.toLowerCase() === ep.mac.toLowerCase())?.ifname;
    } catch {
      return undefined;
    }
  }
}
