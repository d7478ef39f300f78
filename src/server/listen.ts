import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Target } from '../api/transport';
import { ConflictError, UsageError } from '../errors';

/** True when something accepts connections on the unix socket. */
function socketLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Prepare a unix socket path: directory 0700, no live server on it (a second daemon refuses to
 * start rather than steal the socket), a stale socket of a dead daemon removed.
 */
export async function prepareUnixSocket(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700);
  let isSocket = false;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new UsageError(`--address: ${path} exists and is not a socket`);
  if (await socketLive(path)) throw new ConflictError(`another circuit server is already serving on ${path}`);
  rmSync(path, { force: true });
}

export interface TlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

/** TCP off loopback needs TLS; cert and key come together. */
export function checkTls(target: Target, tls: TlsFiles): boolean {
  const any = tls.cert !== undefined || tls.key !== undefined || tls.ca !== undefined;
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (any && target.kind === 'unix') throw new UsageError('--tls-* flags are for tcp:// addresses');
  if (target.kind === 'tcp' && !target.loopback && tls.cert === undefined)
    throw new UsageError(
      `refusing to serve the API on ${target.host}:${target.port} without TLS: give --tls-cert and --tls-key (and --tls-ca to require client certificates), or listen on loopback or a unix socket`,
    );
  if (tls.ca !== undefined && tls.cert === undefined)
    throw new UsageError('--tls-ca needs --tls-cert and --tls-key');
  return tls.cert !== undefined;
}
