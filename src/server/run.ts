import { rmSync } from 'node:fs';
import { localContext } from '../api/context';
import { type ClusterView, LocalApi } from '../api/local';
import { expectPositional, type ParsedArgs } from '../args';
import type { Service } from '../lifecycle';
import { makeLogger } from '../log';
import { ProcessGroups } from '../runner';
import { VERSION } from '../version';
import { apiLookup } from './dns-lookup';
import { GrpcApi } from './grpc-server';
import { prepareUnixSocket } from './listen';
import { MetricsEndpoint, makeMetrics } from './metrics';
import { serverOptions } from './options';
import { Services } from './services';

/** From SIGTERM to the deadline: parts drain until then, plugin calls still running are killed. */
const GRACE_MS = 5000;
/** After the kill, how long the killed calls get to record their failure before the exit. */
const AFTER_KILL_MS = 300;

/**
 * `circuit server`: the gRPC API in the foreground until SIGTERM/SIGINT, composed with the
 * optional parts (metrics, containerd watcher, cluster registry, DNS, Docker). It owns no
 * networking logic: every call goes to the same LocalApi the CLI uses, every part is a Service.
 */
export async function runServer(args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit server [--address ADDR] [--metrics HOST:PORT] ...');
  const o = serverOptions(args);
  const log = makeLogger(o.level);
  // every plugin and tool the daemon runs is in its own process group, killed at the deadline
  const groups = new ProcessGroups();
  const local = localContext(args.flags);
  local.store.warn = (msg, fields) => log.log('warn', msg, fields);
  const base = { ...local, deps: { ...local.deps, run: groups.run } };
  const node = { name: o.nodeName, address: o.address, startedAt: Date.now() };
  let cluster: (ClusterView & Service) | undefined;
  if (o.redisUrl) {
    const { ClusterRegistry } = await import('../cluster/registry');
    cluster = new ClusterRegistry(
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
  }
  const api = new LocalApi(base, node, cluster);
  if (o.target.kind === 'unix') await prepareUnixSocket(o.target.path);
  const removeSocket = () => {
    if (o.target.kind === 'unix') rmSync(o.target.path, { force: true });
  };
  const parts = new Services(log);
  const metrics = o.metrics ? await makeMetrics(api, log) : undefined;
  const grpcApi = new GrpcApi(api, o.target, o.tls, log, metrics);
  try {
    await parts.start(grpcApi, 'endpoint');
    if (metrics && o.metrics) await parts.start(new MetricsEndpoint(metrics, o.metrics, log), 'endpoint');
    if (o.dns.length) {
      const { DnsServer } = await import('../dns/server');
      const dns = new DnsServer(
        { listen: o.dns, domain: o.dnsDomain, ...(o.dnsUpstream ? { upstream: o.dnsUpstream } : {}) },
        apiLookup(api),
        log,
      );
      await parts.start(dns, 'endpoint');
    }
    if (o.dockerPlugin) {
      const { DockerDriver } = await import('../docker/driver');
      const { DockerPluginServer } = await import('../docker/plugin-server');
      const { DockerEngine, dockerSocket } = await import('../docker/engine');
      const { DockerSync } = await import('../docker/sync');
      const sync = new DockerSync(base, new DockerEngine(dockerSocket(o.dockerHost)), log);
      const driver = new DockerDriver(base.store, base.deps.run, () => sync.schedule());
      await parts.start(new DockerPluginServer(o.dockerPlugin, driver, log), 'endpoint');
      await parts.start(sync, 'source');
    }
    if (cluster) await parts.start(cluster, 'source');
    if (base.containerd) {
      const { ContainerdWatcher } = await import('../containerd/watcher');
      const watcher = new ContainerdWatcher(base, { ...base.containerd, labelKey: o.labelKey }, log);
      await parts.start(watcher, 'source');
    }
  } catch (err) {
    await parts.stop(Date.now() + GRACE_MS);
    groups.killAll();
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
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const deadline = Date.now() + GRACE_MS;
  log.log('info', 'stopping', { signal, inFlight: grpcApi.inFlight(), running: groups.running });
  await parts.stop(deadline);
  const killed = groups.killAll();
  if (killed) {
    log.log(
      'warn',
      'killed plugin and tool calls still running at the deadline; circuit gc undoes what they left',
      {
        processGroups: killed,
      },
    );
    await new Promise((r) => setTimeout(r, AFTER_KILL_MS));
  }
  removeSocket();
  log.log('info', 'stopped');
  // whatever an abandoned call still holds open (a socket, a timer) does not keep the process
  setTimeout(() => process.exit(), 200).unref();
}
