// A unary gRPC client over node:http2 (the gRPC HTTP/2 protocol: length-prefixed messages, status
// and metadata in trailers), for the CLI's --address calls: a CLI process makes one or two calls,
// and node:http2 is built in, where @grpc/grpc-js costs more to load and to open its first call
// than the call itself (see the README's Performance). The daemon serves with @grpc/grpc-js.
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { Status } from './status';
import type { Target } from './transport';

/** A call that ended with a non-OK status (`code` is the gRPC status code). */
export class CallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly metadata: Record<string, string>,
  ) {
    super(details);
  }
}

const MAX_MESSAGE = 64 * 1024 * 1024;

function metadataOf(h: http2.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') && v !== undefined) out[k] = String(v);
  return out;
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** One HTTP/2 connection to a gRPC server, opened on the first call. */
export class UnaryChannel {
  private session: http2.ClientHttp2Session | undefined;

  constructor(
    private readonly target: Target,
    private readonly tls: () => { ca: Buffer; key?: Buffer; cert?: Buffer } | undefined,
  ) {}

  private open(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const t = this.target;
    const tls = t.kind === 'tcp' ? this.tls() : undefined;
    const host = t.host.includes(':') ? `[${t.host}]` : t.host;
    const s =
      t.kind === 'unix'
        ? http2.connect('http://localhost', { createConnection: () => net.connect(t.path) })
        : tls
          ? http2.connect(`https://${host}:${t.port}`, {
              ...tls,
              ...(net.isIP(t.host) ? {} : { servername: t.host }),
            })
          : http2.connect(`http://${host}:${t.port}`);
    s.on('error', () => {}); // surfaced per call (the stream errors too)
    this.session = s;
    return s;
  }

  /** The response message of `path` for `message`; rejects with a CallError. */
  call(path: string, message: Buffer, deadlineMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (code: number, details: string, md: Record<string, string> = {}) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new CallError(code, details, md));
      };
      const timer = setTimeout(() => {
        fail(Status.DEADLINE_EXCEEDED, 'Deadline exceeded');
        req?.close(http2.constants.NGHTTP2_CANCEL);
      }, deadlineMs);
      let req: http2.ClientHttp2Stream | undefined;
      try {
        req = this.open().request({
          ':method': 'POST',
          ':path': path,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': `${Math.max(1, Math.ceil(deadlineMs))}m`,
          'grpc-accept-encoding': 'identity',
          'user-agent': 'circuit-cli',
        });
      } catch (err) {
        fail(Status.UNAVAILABLE, (err as Error).message);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let headers: http2.IncomingHttpHeaders = {};
      req.on('response', (h) => {
        headers = h;
      });
      req.on('data', (d: Buffer) => {
        size += d.length;
        if (size > MAX_MESSAGE + 5) {
          fail(Status.RESOURCE_EXHAUSTED, `response larger than ${MAX_MESSAGE} bytes`);
          req?.close(http2.constants.NGHTTP2_CANCEL);
        } else chunks.push(d);
      });
      req.on('error', (err) => fail(Status.UNAVAILABLE, err.message));
      req.on('trailers', (tr) => {
        headers = { ...headers, ...tr };
      });
      req.on('close', () => {
        if (settled) return;
        const status = headers['grpc-status'];
        if (status === undefined) {
          const http = Number(headers[':status'] ?? 0);
          const code = http === 0 ? Status.UNAVAILABLE : http === 200 ? Status.UNKNOWN : Status.UNAVAILABLE;
          const why =
            http === 0 ? 'the connection closed before a response' : `HTTP status ${http}, no grpc-status`;
          return fail(code, why);
        }
        const code = Number(status);
        if (code !== Status.OK)
          return fail(code, percentDecode(String(headers['grpc-message'] ?? '')), metadataOf(headers));
        const body = Buffer.concat(chunks);
        if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5)
          return fail(Status.INTERNAL, 'malformed response (expected one length-prefixed message)');
        if (body[0] !== 0) return fail(Status.INTERNAL, 'compressed response (not asked for)');
        settled = true;
        clearTimeout(timer);
        resolve(body.subarray(5));
      });
      const frame = Buffer.allocUnsafe(5);
      frame[0] = 0;
      frame.writeUInt32BE(message.length, 1);
      req.end(Buffer.concat([frame, message]));
    });
  }

  close(): void {
    this.session?.close();
  }
}
