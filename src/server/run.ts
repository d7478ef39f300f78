import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { localContext } from '../api/context';
import { type ClusterView, LocalApi } from '../api/local';
import { expectPositional, type ParsedArgs } from '../args';
import { errorMessage } from '../errors';
import { makeLogger } from '../log';
import { VERSION } from '../version';
import { startGrpc } from './grpc-server';
import { prepareUnixSocket } from './listen';
import { makeMetrics, serveMetrics } from './metrics';
import { serverOptions } from './options';

const GRACE_MS = 5000;

/** Something the daemon runs next to the API and stops on shutdown. */
interface Part {
  stop(): void | Promise<void>;
}

/**
 * `circuit server`: the gRPC API in the foreground until SIGTERM/SIGINT, composed with the
 * optional parts (metrics, containerd watcher, cluster registry, DNS). It owns no networking
 * logic: every call goes to the same LocalApi the CLI uses.
 */
export async function runServer(args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit server [--address ADDR] [--metrics HOST:PORT] ...');
  const o = serverOptions(args);
  const log = makeLogger(o.level);
  const base = localContext(args.flags);
  base.store.warn = (msg, fields) => log.log('warn', msg, fields);
  const parts: Part[] = [];
  const node = { name: o.nodeName, address: o.address, startedAt: Date.now() };
  let cluster: (ClusterView & Part & { start(): Promise<void> }) | undefined;
  if (o.redisUrl) {
    const { ClusterRegistry } = await import('../cluster/registry');
    const registry = new ClusterRegistry(
      base.store,
      {
        url: o.redisUrl,
        nodeName: o.nodeName,
        address: o.address,
        intervalMs: o.clusterIntervalMs,
        startedAt: node.startedAt,
      },
      log,
    );
    cluster = registry;
  }
  const api = new LocalApi(base, node, cluster);
  if (o.target.kind === 'unix') await prepareUnixSocket(o.target.path);
  const metrics = o.metrics ? await makeMetrics(api, log) : undefined;
  const grpcServer = await startGrpc(api, o.target, o.tls, log, metrics);
  const removeSocket = () => {
    if (o.target.kind === 'unix') rmSync(o.target.path, { force: true });
  };
  try {
    if (metrics && o.metrics) {
      const http: Server = await serveMetrics(metrics, o.metrics, log);
      parts.push({
        stop: () => {
          http.close();
          http.closeAllConnections();
        },
      });
    }
    if (o.dns.length) {
      const { DnsServer } = await import('../dns/server');
      const dns = new DnsServer(
        { listen: o.dns, domain: o.dnsDomain, ...(o.dnsUpstream ? { upstream: o.dnsUpstream } : {}) },
        async (container, network) => {
          const rows = await api.containerIps(container).catch(() => []);
          const mine = rows.filter((r) => r.network === network && r.ip);
          if (mine.length === 0) return undefined;
          return {
            v4: mine.filter((r) => !r.ip.includes(':')).map((r) => r.ip),
            v6: mine.filter((r) => r.ip.includes(':')).map((r) => r.ip),
          };
        },
        log,
      );
      await dns.start();
      parts.push(dns);
    }
    if (o.dockerPlugin) {
      const { DockerDriver } = await import('../docker/driver');
      const { DockerPluginServer } = await import('../docker/plugin-server');
      const { DockerEngine, dockerSocket } = await import('../docker/engine');
      const { DockerSync } = await import('../docker/sync');
      const sync = new DockerSync(base, new DockerEngine(dockerSocket(o.dockerHost)), log);
      const driver = new DockerDriver(base.store, base.deps.run, () => sync.schedule());
      const plugin = new DockerPluginServer(o.dockerPlugin, driver, log);
      await plugin.start();
      parts.push(plugin);
      sync.start();
      parts.push(sync);
    }
    if (cluster) {
      await cluster.start();
      parts.push(cluster);
    }
    if (base.containerd) {
      const { ContainerdWatcher } = await import('../containerd/watcher');
      const watcher = new ContainerdWatcher(base, { ...base.containerd, labelKey: o.labelKey }, log);
      watcher.start();
      parts.push(watcher);
    }
  } catch (err) {
    await Promise.all(parts.map((p) => p.stop()));
    await grpcServer.stop(0);
    removeSocket();
    throw err;
  }
  log.log('info', 'serving', {
    version: VERSION,
    address: o.address,
    tls: o.secure,
    stateDir: base.store.root,
    node: o.nodeName,
    ...(o.metrics ? { metrics: `http://${o.metrics.text}/metrics` } : {}),
    ...(base.containerd ? { containerd: base.containerd.socket } : {}),
    ...(o.redisUrl ? { cluster: true } : {}),
    ...(o.dns.length ? { dns: o.dns } : {}),
    ...(o.dockerPlugin ? { dockerPlugin: o.dockerPlugin } : {}),
    pid: process.pid,
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.log('info', 'stopping', { signal, inFlight: grpcServer.inFlight() });
      Promise.all([...parts.map((p) => p.stop()), grpcServer.stop(GRACE_MS)])
        .catch((err: unknown) => log.log('error', 'shutdown', { error: errorMessage(err) }))
        .finally(() => {
          removeSocket();
          log.log('info', 'stopped');
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
