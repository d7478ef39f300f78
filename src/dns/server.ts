import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { errorMessage, UsageError } from '../errors';
import type { Service } from '../lifecycle';
import type { Logger } from '../log';
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

const DOMAIN =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function checkDomain(domain: string): void {
  if (!DOMAIN.test(domain) || domain.length > 200)
    throw new UsageError(`--dns-domain: invalid domain ${JSON.stringify(domain)}`);
}

/**
 * UDP DNS for containers (A/AAAA, TTL 0) from an injected lookup (the daemon's: cluster registry
 * or local state); this folder knows nothing of the API or the state dir.
 */
export class DnsServer implements Service {
  readonly name = 'dns';
  private sockets: Socket[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly waiting = new Set<string>();
  private stopped = false;
  private readonly warned = new Set<string>();

  constructor(
    private readonly opts: DnsOptions,
    private readonly lookup: Lookup,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    checkDomain(this.opts.domain);
    const upstream = this.opts.upstream ? parseListen(this.opts.upstream, '--dns-upstream') : undefined;
    const packet = (await import('dns-packet')).default;
    const listen = this.opts.listen.map((text) => ({ text, where: parseListen(text, '--dns') }));
    for (const { text, where } of listen) await this.bindOne(packet, text, where, upstream);
  }

  /**
   * Bind one listen address. An address not (yet) on this host, such as the gateway of a bridge
   * whose first container has not started, is retried every second instead of failing the daemon.
   */
  private async bindOne(
    packet: typeof import('dns-packet'),
    text: string,
    where: { host: string; port: number },
    upstream: { host: string; port: number } | undefined,
  ): Promise<void> {
    if (this.stopped) return;
    const sock = createSocket(where.host.includes(':') ? 'udp6' : 'udp4');
    sock.on('message', (msg, rinfo) => {
      void this.handle(packet, sock, msg, rinfo, upstream).catch((err: unknown) =>
        this.log.log('warn', 'dns: cannot answer', { error: errorMessage(err) }),
      );
    });
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      sock.once('error', resolve);
      sock.bind(where.port, where.host, () => resolve(undefined));
    });
    if (err?.code === 'EADDRNOTAVAIL') {
      sock.close();
      if (!this.waiting.has(text)) {
        this.waiting.add(text);
        this.log.log('warn', 'dns: address not on this host yet; retrying every second', { listen: text });
      }
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        void this.bindOne(packet, text, where, upstream);
      }, 1000);
      this.retries.add(timer);
      return;
    }
    if (err) {
      sock.close();
      throw new UsageError(`--dns ${text}: ${err.message}`);
    }
    if (this.waiting.delete(text)) this.log.log('info', 'dns: listening', { listen: text });
    sock.on('error', (e) => this.log.log('warn', 'dns socket error', { error: e.message }));
    this.sockets.push(sock);
  }

  private warnOnce(msg: string, error: string): void {
    if (this.warned.has(error)) return;
    if (this.warned.size > 1000) this.warned.clear();
    this.warned.add(error);
    this.log.log('warn', msg, { error });
  }

  /** Answers are immediate: sockets close at once. */
  async stop(_deadline: number): Promise<void> {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
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
      if (d.error !== undefined) this.warnOnce('dns: lookup failed; answering SERVFAIL', d.error);
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
