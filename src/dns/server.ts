import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { errorMessage, UsageError } from '../errors';
import type { Logger } from '../server/log';
import { decide, type Lookup, RCODE } from './answer';

export interface DnsOptions {
  listen: string[];
  domain: string;
  /** HOST:PORT of a resolver for names outside the domain. */
  upstream?: string;
}

const UPSTREAM_MS = 2000;

export function parseListen(text: string, flag: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d{1,5})$/.exec(text);
  const host = m?.[1]?.replace(/^\[|\]$/g, '') ?? '';
  const port = Number(m?.[2]);
  if (!m || !isIP(host) || port < 1 || port > 65535)
    throw new UsageError(`${flag}: expected IP:PORT (e.g. 198.18.20.1:53), not ${JSON.stringify(text)}`);
  return { host, port };
}

/** UDP DNS for containers (A/AAAA, TTL 0) from the lookup (cluster registry or local state). */
export class DnsServer {
  private sockets: Socket[] = [];

  constructor(
    private readonly opts: DnsOptions,
    private readonly lookup: Lookup,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (
      !/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
        this.opts.domain,
      )
    )
      throw new UsageError(`--dns-domain: invalid domain ${JSON.stringify(this.opts.domain)}`);
    const upstream = this.opts.upstream ? parseListen(this.opts.upstream, '--dns-upstream') : undefined;
    const packet = (await import('dns-packet')).default;
    for (const text of this.opts.listen) {
      const where = parseListen(text, '--dns');
      const sock = createSocket(where.host.includes(':') ? 'udp6' : 'udp4');
      sock.on('message', (msg, rinfo) => {
        void this.handle(packet, sock, msg, rinfo, upstream).catch((err: unknown) =>
          this.log.log('warn', 'dns: cannot answer', { error: errorMessage(err) }),
        );
      });
      await new Promise<void>((resolve, reject) => {
        sock.once('error', (err) => reject(new UsageError(`--dns ${text}: ${err.message}`)));
        sock.bind(where.port, where.host, () => resolve());
      });
      sock.on('error', (err) => this.log.log('warn', 'dns socket error', { error: err.message }));
      this.sockets.push(sock);
    }
  }

  stop(): void {
    for (const s of this.sockets) s.close();
    this.sockets = [];
  }

  private async handle(
    packet: typeof import('dns-packet'),
    sock: Socket,
    msg: Buffer,
    rinfo: { address: string; port: number },
    upstream: { host: string; port: number } | undefined,
  ): Promise<void> {
    let query: import('dns-packet').Packet;
    try {
      query = packet.decode(msg);
    } catch {
      return; // not DNS: drop, as resolvers do
    }
    const reply = (rcode: number, answers: import('dns-packet').Answer[], aa: boolean) =>
      sock.send(
        packet.encode({
          id: query.id ?? 0,
          type: 'response',
          flags:
            ((query.flags ?? 0) & packet.RECURSION_DESIRED) | (aa ? packet.AUTHORITATIVE_ANSWER : 0) | rcode,
          questions: query.questions ?? [],
          answers,
        }),
        rinfo.port,
        rinfo.address,
      );
    const q = query.questions?.[0];
    if (query.type !== 'query' || !q || (query.questions?.length ?? 0) !== 1)
      return reply(RCODE.NOTIMP, [], false);
    const d = await decide(
      { name: q.name, type: q.type },
      this.opts.domain,
      this.lookup,
      upstream !== undefined,
    );
    if (d.kind === 'answer') {
      this.log.log('debug', 'dns', { name: q.name, type: q.type, rcode: d.rcode, answers: d.answers.length });
      return reply(
        d.rcode,
        d.answers.map((a) => ({ ...a, ttl: 0, class: 'IN' as const })),
        d.authoritative,
      );
    }
    if (!upstream) return reply(RCODE.REFUSED, [], false);
    const res = await forward(msg, upstream).catch(() => undefined);
    if (res) sock.send(res, rinfo.port, rinfo.address);
    else reply(RCODE.SERVFAIL, [], false);
  }
}

/** Relay a query to the upstream resolver as is and return its raw answer. */
function forward(msg: Buffer, to: { host: string; port: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket(to.host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('upstream timed out'));
    }, UPSTREAM_MS);
    s.once('message', (res) => {
      clearTimeout(timer);
      s.close();
      resolve(res);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      s.close();
      reject(err);
    });
    s.send(msg, to.port, to.host);
  });
}
