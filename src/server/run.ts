import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { LocalApi } from '../api/local';
import { DEFAULT_ADDRESS, parseAddress } from '../api/transport';
import { expectPositional, type ParsedArgs, str } from '../cli/args';
import type { CliContext } from '../cli/context';
import { localApi } from '../cli/context';
import { VERSION } from '../cluster/local-node';
import { DEFAULT_NETWORK_LABEL } from '../containerd/labels';
import type { ContainerdWatcher } from '../containerd/watcher';
import { errorMessage, UsageError } from '../errors';
import { startGrpc } from './grpc-server';
import { checkTls, prepareUnixSocket } from './listen';
import { LEVELS, type Level, makeLogger } from './log';
import { makeMetrics, parseHostPort, serveMetrics } from './metrics';

const GRACE_MS = 5000;

/** `circuit server`: the gRPC API in the foreground until SIGTERM/SIGINT. */
export async function runServer(_ctx: CliContext, args: ParsedArgs): Promise<void> {
  expectPositional(args, 0, 0, 'circuit server [--address ADDR] [--metrics HOST:PORT] ...');
  const level = (str(args.flags, 'log-level') ?? 'info') as Level;
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level: expected one of ${LEVELS.join(', ')}`);
  const address = str(args.flags, 'address') ?? (process.env.CIRCUIT_ADDRESS || DEFAULT_ADDRESS);
  const target = parseAddress(address);
  const tls = {
    ...(str(args.flags, 'tls-cert') !== undefined ? { cert: str(args.flags, 'tls-cert') } : {}),
    ...(str(args.flags, 'tls-key') !== undefined ? { key: str(args.flags, 'tls-key') } : {}),
    ...(str(args.flags, 'tls-ca') !== undefined ? { ca: str(args.flags, 'tls-ca') } : {}),
  };
  const secure = checkTls(target, tls);
  const metricsAt = str(args.flags, 'metrics');
  const metricsWhere = metricsAt !== undefined ? parseHostPort(metricsAt) : undefined;
  const log = makeLogger(level);
  const base = localApi(args);
  const labelKey = str(args.flags, 'network-label') ?? DEFAULT_NETWORK_LABEL;
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/.test(labelKey))
    throw new UsageError(`--network-label: invalid label key ${JSON.stringify(labelKey)}`);
  if (str(args.flags, 'containerd-namespace') !== undefined && !base.ctx.containerd)
    throw new UsageError('--containerd-namespace needs --containerd SOCK');
  const api = new LocalApi(base.ctx, { name: hostname(), address, startedAt: Date.now() });
  if (target.kind === 'unix') await prepareUnixSocket(target.path);
  const metrics = metricsWhere ? await makeMetrics(api, log) : undefined;
  const grpcServer = await startGrpc(api, target, tls, log, metrics);
  const cleanup = () => {
    if (target.kind === 'unix') rmSync(target.path, { force: true });
  };
  let http: import('node:http').Server | undefined;
  try {
    if (metrics && metricsWhere) http = await serveMetrics(metrics, metricsWhere, log);
  } catch (err) {
    await grpcServer.stop(0);
    cleanup();
    throw err;
  }
  let watcher: ContainerdWatcher | undefined;
  if (api.ctx.containerd) {
    const { ContainerdWatcher } = await import('../containerd/watcher');
    watcher = new ContainerdWatcher(api.ctx, { ...api.ctx.containerd, labelKey }, log);
    watcher.start();
  }
  log.log('info', 'serving', {
    version: VERSION,
    address,
    tls: secure,
    stateDir: api.ctx.store.root,
    ...(metricsAt ? { metrics: `http://${metricsAt}/metrics` } : {}),
    pid: process.pid,
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.log('info', 'stopping', { signal, inFlight: grpcServer.inFlight() });
      http?.close();
      http?.closeAllConnections();
      Promise.all([watcher?.stop(), grpcServer.stop(GRACE_MS)])
        .catch((err: unknown) => log.log('error', 'shutdown', { error: errorMessage(err) }))
        .finally(() => {
          cleanup();
          log.log('info', 'stopped');
          resolve();
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
