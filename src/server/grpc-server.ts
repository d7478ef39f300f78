import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import type { LocalApi } from '../api/local';
import { HANDLERS } from '../api/server-wire';
import { Status, statusOf } from '../api/status';
import { loadApi, type Target } from '../api/transport';
import { CircuitError, ExitCode, UsageError } from '../errors';
import type { Service } from '../lifecycle';
import type { Logger } from '../log';
import type { TlsFiles } from './listen';
import type { Metrics } from './metrics';

/** Largest request the daemon accepts (a CNI document is at most 1 MiB). */
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

const CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

function credentials(g: typeof grpc, tls: TlsFiles): grpc.ServerCredentials {
  if (!tls.cert || !tls.key) return g.ServerCredentials.createInsecure();
  const read = (p: string, what: string) => {
    try {
      return readFileSync(p);
    } catch (err) {
      throw new UsageError(`${what} ${p}: ${(err as Error).message}`);
    }
  };
  const ca = tls.ca ? read(tls.ca, '--tls-ca') : null;
  return g.ServerCredentials.createSsl(
    ca,
    [{ private_key: read(tls.key, '--tls-key'), cert_chain: read(tls.cert, '--tls-cert') }],
    ca !== null,
  );
}

/** The gRPC API (with health and reflection) on the daemon's address. */
export class GrpcApi implements Service {
  readonly name = 'api';
  private calls = 0;
  private server: grpc.Server | undefined;
  private health: { setStatus(service: string, status: 'SERVING' | 'NOT_SERVING'): void } | undefined;

  constructor(
    private readonly api: LocalApi,
    private readonly target: Target,
    private readonly tls: TlsFiles,
    private readonly log: Logger,
    private readonly metrics: Metrics | undefined,
  ) {}

  /** Calls in flight. */
  inFlight(): number {
    return this.calls;
  }

  async start(): Promise<void> {
    const { api, log, metrics } = this;
    const { grpc: g, pkg, definition } = await loadApi();
    const server = new g.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES });
    for (const [svc, handlers] of Object.entries(HANDLERS)) {
      const ctor = pkg[svc] as grpc.ServiceClientConstructor;
      const impl: grpc.UntypedServiceImplementation = {};
      for (const [rpc, handler] of Object.entries(handlers)) {
        const method = `${svc}/${rpc}`;
        impl[rpc] = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
          const started = performance.now();
          this.calls++;
          const done = (code: number, fields: Record<string, unknown>) => {
            this.calls--;
            const secs = (performance.now() - started) / 1000;
            metrics?.apiCalls.inc({ method, code: CODE_NAMES[code] ?? String(code) });
            metrics?.apiDuration.observe({ method }, secs);
            if (rpc === 'Connect' && code === Status.OK)
              metrics?.connectDuration.observe({ source: 'api' }, secs);
            log.log(code === Status.OK ? 'info' : 'warn', 'call', {
              method,
              code: CODE_NAMES[code] ?? code,
              ms: Math.round(secs * 10000) / 10,
              ...fields,
            });
          };
          handler(api, call.request).then(
            (res) => {
              done(Status.OK, {});
              cb(null, res);
            },
            (err: unknown) => {
              const st = statusOf(err);
              const md = new g.Metadata();
              md.set(
                'circuit-exit-code',
                String(err instanceof CircuitError ? err.exitCode : ExitCode.failure),
              );
              done(st.code, { error: st.message });
              cb({ code: st.code, details: st.message, metadata: md });
            },
          );
        };
      }
      server.addService(ctor.service, impl);
    }
    const { HealthImplementation, protoPath } = await import('grpc-health-check');
    const health = new HealthImplementation({ '': 'SERVING' });
    for (const svc of Object.keys(HANDLERS)) health.setStatus(`circuit.v1.${svc}`, 'SERVING');
    health.addToServer(server);
    const { ReflectionService } = await import('@grpc/reflection');
    const { loadSync } = await import('@grpc/proto-loader');
    new ReflectionService({ ...definition, ...loadSync(protoPath) }).addToServer(server);

    const creds = credentials(g, this.tls);
    const oldMask = process.umask(0o177); // the unix socket is born 0600
    try {
      await new Promise<number>((resolve, reject) =>
        server.bindAsync(this.target.grpcTarget, creds, (err, port) =>
          err
            ? reject(new UsageError(`cannot listen on ${this.target.grpcTarget}: ${err.message}`))
            : resolve(port),
        ),
      );
    } finally {
      process.umask(oldMask);
    }
    this.server = server;
    this.health = health;
  }

  /** Stop accepting, let calls in flight finish until the deadline, then cut the rest. */
  stop(deadline: number): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    this.health?.setStatus('', 'NOT_SERVING');
    return new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          if (this.calls > 0)
            this.log.log('warn', 'api: cutting calls still in flight', { calls: this.calls });
          server.forceShutdown();
          resolve();
        },
        Math.max(0, deadline - Date.now()),
      );
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
