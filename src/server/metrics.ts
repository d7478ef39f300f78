import { createServer, type Server } from 'node:http';
import type { Counter, Histogram, Registry } from 'prom-client';
import type { LocalApi } from '../api/local';
import { allContainers } from '../attach/records';
import { errorMessage, UsageError } from '../errors';
import { listServices } from '../lb/service';
import { readStats } from '../lb/stats';
import type { Service } from '../lifecycle';
import type { Logger } from '../log';
import { qosDrops } from '../qos/service';
import { HookLogTail } from './hooklog-tail';

export interface Metrics {
  registry: Registry;
  apiCalls: Counter<'method' | 'code'>;
  apiDuration: Histogram<'method'>;
  connectDuration: Histogram<'source'>;
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The daemon's Prometheus metrics; state-derived ones are computed at scrape time. */
export async function makeMetrics(api: LocalApi, log: Logger): Promise<Metrics> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  const { store, deps } = api.ctx;
  const tail = new HookLogTail(store.root);
  const hookDuration: Histogram<'stage' | 'outcome'> = new prom.Histogram({
    name: 'circuit_hook_duration_seconds',
    help: 'OCI hook calls seen in the hook log, by stage and outcome',
    labelNames: ['stage', 'outcome'],
    buckets: BUCKETS,
    registers: [registry],
    collect: () => drainHookLog(), // first metric rendered: the hook log is read before any output
  });
  const connectDuration = new prom.Histogram({
    name: 'circuit_connect_duration_seconds',
    help: 'Attaching a container to a network: hook ADDs (from the hook log) and daemon Connect calls',
    labelNames: ['source'],
    buckets: BUCKETS,
    registers: [registry],
  });
  function drainHookLog(): void {
    for (const e of tail.read()) {
      if (e.ms === undefined) continue;
      const outcome = e.ok === false ? 'error' : 'ok';
      hookDuration.observe({ stage: e.stage ?? 'unknown', outcome }, e.ms / 1000);
      if (e.action === 'add' && e.ok !== false) connectDuration.observe({ source: 'hook' }, e.ms / 1000);
    }
  }
  new prom.Gauge({
    name: 'circuit_attachments',
    help: 'Attachments per network and status',
    labelNames: ['network', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const name of store.networkNames()) this.set({ network: name, status: 'attached' }, 0);
      for (const rec of allContainers(store))
        for (const a of rec.attachments) this.inc({ network: a.network, status: a.status });
    },
  });
  const lbLabels = ['service', 'target'] as const;
  const lbPackets = new prom.Gauge({
    name: 'circuit_lb_target_packets',
    help: 'Packets forwarded to a load-balancer target (kernel counter)',
    labelNames: lbLabels,
    registers: [registry],
  });
  new prom.Gauge({
    name: 'circuit_lb_target_bytes',
    help: 'Bytes forwarded to a load-balancer target (kernel counter)',
    labelNames: lbLabels,
    registers: [registry],
    async collect() {
      this.reset();
      lbPackets.reset();
      const services = listServices(store);
      if (services.length === 0) return;
      try {
        for (const s of await readStats(deps.run, services)) {
          this.set({ service: s.service, target: s.target }, s.bytes);
          lbPackets.set({ service: s.service, target: s.target }, s.packets);
        }
      } catch (err) {
        log.log('warn', 'metrics: cannot read LB counters', { error: errorMessage(err) });
      }
    },
  });
  new prom.Gauge({
    name: 'circuit_qos_dropped_packets',
    help: 'Packets dropped by the qdiscs of a shaped device',
    labelNames: ['network', 'container', 'side', 'device'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const d of await qosDrops(store, deps.run))
          this.set({ network: d.network, container: d.container, side: d.side, device: d.device }, d.drops);
      } catch (err) {
        log.log('warn', 'metrics: cannot read qdisc drops', { error: errorMessage(err) });
      }
    },
  });
  const apiCalls = new prom.Counter({
    name: 'circuit_api_calls_total',
    help: 'gRPC API calls by method and status code',
    labelNames: ['method', 'code'],
    registers: [registry],
  });
  const apiDuration = new prom.Histogram({
    name: 'circuit_api_call_duration_seconds',
    help: 'gRPC API call duration by method',
    labelNames: ['method'],
    buckets: BUCKETS,
    registers: [registry],
  });
  prom.collectDefaultMetrics({ register: registry, prefix: 'circuit_' });
  return { registry, apiCalls, apiDuration, connectDuration };
}

export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m?.[1] || port < 1 || port > 65535)
    throw new UsageError(`--metrics: expected HOST:PORT (e.g. 127.0.0.1:9469), not ${JSON.stringify(text)}`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** /metrics (Prometheus text format) over HTTP. */
export class MetricsEndpoint implements Service {
  readonly name = 'metrics';
  private server: Server | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly where: { host: string; port: number },
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    const { metrics, where, log } = this;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
        return;
      }
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err) => {
          log.log('error', 'metrics: scrape failed', { error: errorMessage(err) });
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorMessage(err)}\n`);
        },
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err) =>
        reject(new UsageError(`--metrics ${where.host}:${where.port}: ${err.message}`)),
      );
      server.listen(where.port, where.host, () => {
        this.server = server;
        resolve();
      });
    });
  }

  /** A scrape is short: connections are cut at once. */
  async stop(_deadline: number): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.close();
    s.closeAllConnections();
  }
}
