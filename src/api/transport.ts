import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors';
import { loadProtos } from '../proto';

export const DEFAULT_ADDRESS = 'unix:///run/circuit/circuit.sock';

export interface Target {
  kind: 'unix' | 'tcp';
  /** Socket path (unix) or host (tcp). */
  path: string;
  host: string;
  port: number;
  /** What grpc-js takes: unix:///abs/path or host:port. */
  grpcTarget: string;
  loopback: boolean;
  /** TLS for a client: when CIRCUIT_TLS_CA is set. */
  tls: boolean;
  /** A TLS client's CA, and key + certificate when the server asks for one (read on use). */
  clientTls: () => { ca: Buffer; key?: Buffer; cert?: Buffer };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${what} ${path}: ${(err as Error).message}`);
  }
}

/** unix:///path, unix:/path, /path, tcp://HOST:PORT, tcp://[V6]:PORT. */
export function parseAddress(address: string): Target {
  const env = process.env;
  const clientTls = () => ({
    ca: readPem(env.CIRCUIT_TLS_CA ?? '', 'CIRCUIT_TLS_CA'),
    ...(env.CIRCUIT_TLS_KEY ? { key: readPem(env.CIRCUIT_TLS_KEY, 'CIRCUIT_TLS_KEY') } : {}),
    ...(env.CIRCUIT_TLS_CERT ? { cert: readPem(env.CIRCUIT_TLS_CERT, 'CIRCUIT_TLS_CERT') } : {}),
  });
  const tls = Boolean(env.CIRCUIT_TLS_CA);
  const unix = /^unix:(?:\/\/)?(\/.+)$/.exec(address) ?? /^(\/.+)$/.exec(address);
  if (unix?.[1]) {
    const path = unix[1];
    if (path.includes('\0') || path.length > 107) throw new UsageError(`--address: bad socket path ${path}`);
    return {
      kind: 'unix',
      path,
      host: '',
      port: 0,
      grpcTarget: `unix://${path}`,
      loopback: true,
      tls: false,
      clientTls,
    };
  }
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  if (tcp?.[1] && tcp[2]) {
    const host = tcp[1].replace(/^\[|\]$/g, '');
    const port = Number(tcp[2]);
    if (port < 1 || port > 65535) throw new UsageError(`--address: port ${port} is out of range`);
    const loopback =
      host === 'localhost' || (ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback');
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return {
      kind: 'tcp',
      path: '',
      host,
      port,
      grpcTarget: `${hostPart}:${port}`,
      loopback,
      tls,
      clientTls,
    };
  }
  throw new UsageError(
    `--address: ${JSON.stringify(address)} is not unix:///PATH or tcp://HOST:PORT (default ${DEFAULT_ADDRESS})`,
  );
}

/** The circuit API's .proto, under src/api/proto (compiled into the builds). */
export const PROTO_FILE = 'circuit/v1/circuit.proto';

/** gRPC and the circuit package definition, loaded on first use (never on the hook path). */
export async function loadApi(): Promise<{
  grpc: typeof grpc;
  pkg: Record<string, unknown>;
  definition: import('@grpc/proto-loader').PackageDefinition;
}> {
  const [g, definition] = await Promise.all([
    import('@grpc/grpc-js'),
    loadProtos([PROTO_FILE], new URL('./proto/', import.meta.url)),
  ]);
  const root = g.loadPackageDefinition(definition) as unknown as { circuit: { v1: Record<string, unknown> } };
  return { grpc: g, pkg: root.circuit.v1, definition };
}
