import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { Coalescer } from '../coalesce';
import { errorMessage } from '../errors';
import { type Service, settleBy } from '../lifecycle';
import type { Logger } from '../log';
import type { StateStore } from '../state/store';
import { Keys } from './keys';
import { localNode } from './local-node';
import { checkRedisUrl } from './redis-url';
import { attRowsSchema, type NodeInfo, type NodeIpRow, nodeInfoSchema, parseStored } from './schemas';
import { localRecords, snapshot } from './snapshot';

export interface ClusterOptions {
  url: string;
  nodeName: string;
  /** The node's API address, published for others. */
  address: string;
  /** Heartbeat and full republish interval; entries live 3 intervals. */
  intervalMs: number;
  startedAt: number;
}

/** node-redis, loaded on first use; commands fail at once while disconnected (no offline queue). */
async function newClient(url: string) {
  const { createClient } = await import('redis');
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000),
    },
  });
}
type Client = Awaited<ReturnType<typeof newClient>>;

/**
 * This node's membership of a circuit cluster in Redis: a heartbeat that republishes the node and
 * all its attachments (so a restarted or flushed Redis is whole again within one interval), a
 * state-dir watch that publishes changes made by hooks and direct CLI calls within a second, and
 * the cluster-wide queries. Redis being away never stops the node: queries fall back to local
 * answers, the client reconnects with backoff, and each up/down change is logged once.
 */
export class ClusterRegistry implements Service {
  readonly name = 'cluster';
  private client: Client | undefined;
  private up = false;
  private everUp = false;
  private downLogged = false;
  private published = new Set<string>();
  private needsCleanup = true;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private readonly publisher = new Coalescer(
    () =>
      this.publishOnce().catch((err: unknown) => {
        if (this.up) this.log.log('warn', 'redis publish failed', { error: errorMessage(err) });
      }),
    () => this.up,
  );
  private warned = new Set<string>();
  readonly keys = new Keys();

  constructor(
    private readonly store: StateStore,
    private readonly opts: ClusterOptions,
    private readonly log: Logger,
  ) {}

  get ttlMs(): number {
    return this.opts.intervalMs * 3;
  }

  async start(): Promise<void> {
    checkRedisUrl(this.opts.url);
    const client = await newClient(this.opts.url);
    client.on('ready', () => {
      this.up = true;
      this.everUp = true;
      this.downLogged = false;
      this.needsCleanup = true;
      this.log.log('info', 'redis connected', { url: redact(this.opts.url), node: this.opts.nodeName });
      this.schedule(0);
    });
    client.on('error', (err: Error) => this.down(err.message));
    client.on('end', () => this.down('connection closed'));
    this.client = client;
    client.connect().catch((err: unknown) => this.down(errorMessage(err)));
    this.timer = setInterval(() => this.schedule(0), this.opts.intervalMs);
    mkdirSync(this.store.root, { recursive: true, mode: 0o700 });
    try {
      this.watcher = watch(this.store.root, { recursive: true }, (_e, file) => {
        if (file && !String(file).startsWith('hook.log')) this.schedule(100);
      });
    } catch (err) {
      this.log.log('warn', 'cannot watch the state dir; changes reach Redis with the heartbeat', {
        error: errorMessage(err),
      });
    }
  }

  /** Heartbeat and state watch stop at once; a publish in progress has until the deadline. */
  async stop(deadline: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher?.close();
    await settleBy(this.publisher.settled(), deadline);
    const c = this.client;
    this.client = undefined;
    this.up = false;
    // a client still reconnecting would wait for Redis to come back: cut it
    if (c?.isReady && (await settleBy(c.quit(), deadline))) return;
    if (c?.isOpen) c.destroy();
  }

  private down(why: string): void {
    if (!this.up && this.downLogged) return;
    this.up = false;
    this.downLogged = true;
    this.log.log(
      'warn',
      this.everUp
        ? 'redis unavailable; serving local data, reconnecting'
        : 'redis not reachable yet; serving local data, retrying',
      {
        url: redact(this.opts.url),
        error: why,
      },
    );
  }

  private schedule(ms: number): void {
    if (ms === 0) return void this.publishNow();
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.publishNow();
    }, ms);
  }

  private publishNow(): Promise<void> {
    return this.publisher.run();
  }

  private async publishOnce(): Promise<void> {
    const c = this.client;
    if (!c || !this.up) return;
    const k = this.keys;
    const me = this.opts.nodeName;
    const now = Date.now();
    const ttlS = Math.ceil(this.ttlMs / 1000);
    const expiry = now + this.ttlMs;
    const snap = snapshot(localRecords(this.store));
    if (this.needsCleanup) {
      // after a (re)connect: what an earlier life of this node published and no longer has
      const before = await c.sMembers(k.nodeNames(me)).catch(() => [] as string[]);
      for (const n of before) this.published.add(n);
      this.needsCleanup = false;
    }
    const gone = [...this.published].filter((n) => !snap.has(n));
    const info = localNode(this.store, {
      name: me,
      address: this.opts.address,
      startedAt: this.opts.startedAt,
    });
    const m = c.multi();
    m.set(k.node(me), JSON.stringify(info), { expiration: { type: 'EX', value: ttlS } });
    m.zAdd(k.nodes(), { score: expiry, value: me });
    m.zRemRangeByScore(k.nodes(), '-inf', now);
    for (const [name, rows] of snap) {
      m.set(k.att(me, name), JSON.stringify(rows), { expiration: { type: 'EX', value: ttlS } });
      m.zAdd(k.name(name), { score: expiry, value: me });
      m.zRemRangeByScore(k.name(name), '-inf', now);
      m.expire(k.name(name), ttlS);
    }
    for (const name of gone) {
      m.del(k.att(me, name));
      m.zRem(k.name(name), me);
    }
    m.del(k.nodeNames(me));
    if (snap.size) m.sAdd(k.nodeNames(me), [...snap.keys()]);
    m.expire(k.nodeNames(me), ttlS);
    try {
      await m.exec();
    } catch (err) {
      // someone wrote something else under a shared key: our keyspace, so repair it
      if (!replyErrors(err).some((e) => e.startsWith('WRONGTYPE'))) throw err;
      const expected = new Map<string, string>([
        [k.nodes(), 'zset'],
        [k.nodeNames(me), 'set'],
        ...[...snap.keys(), ...gone].map((n): [string, string] => [k.name(n), 'zset']),
      ]);
      const wrong: string[] = [];
      for (const [key, type] of expected) {
        const actual = await c.type(key);
        if (actual !== 'none' && actual !== type) wrong.push(key);
      }
      this.warnOnce('wrongtype', 'redis: replacing keys of the wrong type under the cluster prefix', {
        keys: wrong.slice(0, 10),
      });
      if (wrong.length) await c.del(wrong);
      this.publisher.requestMore();
      return;
    }
    this.published = new Set(snap.keys());
  }

  private warnOnce(key: string, msg: string, fields: Record<string, unknown> = {}): void {
    if (this.warned.has(key)) return;
    if (this.warned.size > 1000) this.warned.clear();
    this.warned.add(key);
    this.log.log('warn', msg, fields);
  }

  /** Live nodes, or undefined when Redis is not reachable (the caller answers locally). */
  async nodes(): Promise<NodeInfo[] | undefined> {
    const c = this.client;
    if (!c || !this.up) return undefined;
    try {
      const names = await c.zRangeByScore(this.keys.nodes(), Date.now(), '+inf');
      if (names.length === 0) return [];
      const docs = await c.mGet(names.map(this.keys.node));
      const out: NodeInfo[] = [];
      docs.forEach((d, i) => {
        const r = parseStored(nodeInfoSchema, d);
        if (r?.ok) out.push(r.value);
        else if (r)
          this.warnOnce(`node:${names[i]}:${d}`, 'redis: ignoring a malformed node entry', {
            node: names[i],
            why: r.why,
          });
      });
      return out;
    } catch (err) {
      this.warnOnce(`nodes:${errorMessage(err)}`, 'redis: cannot read the node registry', {
        error: errorMessage(err),
      });
      return undefined;
    }
  }

  /** Every node's rows for a container name, or undefined when Redis is not reachable. */
  async ips(name: string): Promise<NodeIpRow[] | undefined> {
    const c = this.client;
    if (!c || !this.up) return undefined;
    try {
      const nodes = await c.zRangeByScore(this.keys.name(name), Date.now(), '+inf');
      if (nodes.length === 0) return [];
      const docs = await c.mGet(nodes.map((n) => this.keys.att(n, name)));
      const out: NodeIpRow[] = [];
      docs.forEach((d, i) => {
        const node = nodes[i] ?? '';
        const r = parseStored(attRowsSchema, d);
        if (r?.ok)
          for (const row of r.value)
            out.push({
              network: row.network,
              ip: row.ip,
              cidr: row.cidr,
              interface: row.interface,
              status: row.status,
              node,
            });
        else if (r)
          this.warnOnce(`att:${node}:${name}:${d}`, 'redis: ignoring a malformed attachment entry', {
            node,
            container: name,
            why: r.why,
          });
      });
      return out;
    } catch (err) {
      this.warnOnce(`ips:${errorMessage(err)}`, 'redis: cannot read the attachment registry', {
        error: errorMessage(err),
      });
      return undefined;
    }
  }
}

/** The messages of a failed command or of every failed command of a MULTI. */
function replyErrors(err: unknown): string[] {
  const multi = err as { errors?: () => Iterable<unknown> };
  if (typeof multi.errors === 'function') return [...multi.errors()].map(errorMessage);
  return [errorMessage(err)];
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
