import { detach } from '../attach/attach';
import { allContainers } from '../attach/records';
import { Coalescer } from '../coalesce';
import type { ConnectContext } from '../connect/context';
import { errorMessage } from '../errors';
import { type Service, settleBy } from '../lifecycle';
import type { Logger } from '../log';
import { attachTask } from './attach';
import { ContainerdClient, type CtrContainer, type CtrTask } from './client';
import { restartPolicy } from './labels';
import { planReconcile } from './reconcile';
import { BACKOFF_MAX_MS, BACKOFF_START_MS, type RestartState, restartDecision } from './restart';

export interface WatcherOptions {
  socket: string;
  namespace: string;
  labelKey: string;
  /** Full resync even without events (repairs anything missed). */
  resyncMs?: number;
}

/**
 * The daemon's containerd integration: containerd's event stream only triggers a reconcile
 * (containerd's containers and tasks vs the state dir), so a missed event, a daemon restart or a
 * containerd restart all converge the same way. Reconnects with backoff; never exits.
 */
export class ContainerdWatcher implements Service {
  readonly name = 'containerd';
  private client: ContainerdClient | undefined;
  private cancelStream: (() => void) | undefined;
  private stopped = false;
  private connected = false;
  private backoff = BACKOFF_START_MS;
  private readonly reconciler = new Coalescer(
    () => this.reconcileOnce(),
    () => !this.stopped,
  );
  private timers = new Set<NodeJS.Timeout>();
  private restarts = new Map<string, RestartState & { timer?: NodeJS.Timeout }>();
  /** Attach failures already logged, by name:pid (logged once, retried on label/task change). */
  private failed = new Map<string, string>();
  private resync: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ConnectContext,
    private readonly opts: WatcherOptions,
    private readonly log: Logger,
  ) {}

  /** Connects in the background: an absent containerd is logged (once per outage) and retried. */
  async start(): Promise<void> {
    void this.connect();
    this.resync = setInterval(() => this.trigger(), this.opts.resyncMs ?? 15_000);
  }

  /** Events and timers stop at once; a reconcile in progress is waited for until the deadline. */
  async stop(deadline: number): Promise<void> {
    this.stopped = true;
    if (this.resync) clearInterval(this.resync);
    for (const t of this.timers) clearTimeout(t);
    for (const r of this.restarts.values()) if (r.timer) clearTimeout(r.timer);
    this.cancelStream?.();
    if (!(await settleBy(this.reconciler.settled(), deadline)))
      this.log.log('warn', 'containerd: reconcile still running at the deadline; abandoned');
    this.client?.close();
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      this.client ??= await ContainerdClient.connect(this.opts.socket, this.opts.namespace);
      this.cancelStream = this.client.subscribe(
        (e) => {
          if (e.namespace === this.opts.namespace) this.trigger();
        },
        (err) => this.lost(err),
      );
      // a reconcile that succeeds proves the connection (the stream itself says nothing until an event)
      await this.reconciler.run();
      if (!this.connected) {
        this.connected = true;
        this.backoff = BACKOFF_START_MS;
        this.log.log('info', 'containerd connected', {
          socket: this.opts.socket,
          namespace: this.opts.namespace,
        });
      }
    } catch (err) {
      this.cancelStream?.();
      this.lost(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private lost(err: Error | undefined): void {
    if (this.stopped) return;
    if (this.connected || this.backoff === BACKOFF_START_MS) {
      this.log.log('warn', 'containerd unavailable; reconnecting with backoff', {
        socket: this.opts.socket,
        error: err?.message ?? 'event stream ended',
      });
    }
    this.connected = false;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.later(wait, () => void this.connect());
  }

  /** Run a reconcile now, or once more after the one in progress. */
  private trigger(): void {
    if (this.stopped || !this.client) return;
    void this.reconciler
      .run()
      .catch((err: unknown) =>
        this.log.log('warn', 'containerd reconcile failed', { error: errorMessage(err) }),
      );
  }

  private async reconcileOnce(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const [containers, tasks] = await Promise.all([client.listContainers(), client.listTasks()]);
    const { namespace, labelKey } = this.opts;
    const plan = planReconcile(namespace, labelKey, containers, tasks, allContainers(this.ctx.store));
    await Promise.all(
      plan.detach.map(async ({ record, why }) => {
        try {
          const gone = await detach(this.ctx.store, this.ctx.deps, record.id);
          if (gone.length)
            this.log.log('info', `disconnected ${record.name} from ${gone.map((a) => a.network).join(',')}`, {
              container: record.name,
              why,
            });
        } catch (err) {
          this.log.log('warn', `cannot disconnect ${record.name}`, {
            container: record.name,
            error: errorMessage(err),
          });
        }
      }),
    );
    await Promise.all(plan.attach.map(({ container, task }) => this.attachOne(container, task)));
    for (const t of tasks) {
      const st = this.restarts.get(t.containerId);
      if (st && t.status === 'RUNNING' && st.pid !== t.pid) {
        st.pid = t.pid;
        st.runningSince = Date.now();
      }
    }
    for (const { container, task } of plan.stopped) this.maybeRestart(container, task);
  }

  private async attachOne(c: CtrContainer, t: CtrTask): Promise<void> {
    // containerd sends labels in map order (random): sort for a stable key
    const labels = Object.entries(c.labels).sort(([a], [b]) => a.localeCompare(b));
    const key = `${c.id}:${t.pid}:${JSON.stringify(labels)}`;
    if (this.failed.has(key)) return;
    const started = performance.now();
    try {
      const atts = await attachTask(
        this.ctx,
        this.opts.namespace,
        this.opts.labelKey,
        c,
        t.pid,
        'containerd',
      );
      for (const a of atts)
        this.log.log(
          'info',
          `connected ${c.id} to ${a.network} with ip ${a.ips.map((ip) => ip.split('/')[0]).join(',') || '-'}`,
          {
            container: c.id,
            network: a.network,
            ifName: a.ifName,
            ms: Math.round(performance.now() - started),
          },
        );
      if (!this.restarts.has(c.id)) this.restarts.set(c.id, { attempts: 0 });
    } catch (err) {
      this.failed.set(key, errorMessage(err));
      if (this.failed.size > 10_000) this.failed.clear();
      this.log.log('error', `cannot connect ${c.id}: ${errorMessage(err)}`, { container: c.id });
    }
  }

  private maybeRestart(c: CtrContainer, t: CtrTask): void {
    const policy = restartPolicy(c.labels);
    if ('error' in policy) {
      const key = `restart:${c.id}:${c.labels['io.circuit.restart']}`;
      if (!this.failed.has(key)) {
        this.failed.set(key, policy.error);
        this.log.log('error', `cannot restart ${c.id}: ${policy.error}`, { container: c.id });
      }
      return;
    }
    const st = this.restarts.get(c.id) ?? { attempts: 0 };
    this.restarts.set(c.id, st);
    if (st.timer || st.pid === -t.pid) return; // already scheduled, or already decided for this exit
    const d = restartDecision(policy, t.exitStatus, st, Date.now());
    st.pid = -t.pid; // this exit is handled
    if (!d.restart) {
      this.log.log('info', `not restarting ${c.id}: ${d.why}`, { container: c.id });
      return;
    }
    st.attempts = d.attempt;
    this.log.log('info', `restarting ${c.id} in ${d.delayMs / 1000}s (attempt ${d.attempt})`, {
      container: c.id,
      attempt: d.attempt,
      delayMs: d.delayMs,
      exitStatus: t.exitStatus,
    });
    st.timer = this.later(d.delayMs, () => {
      st.timer = undefined;
      void this.restartNow(c.id, d.attempt);
    });
  }

  private async restartNow(id: string, attempt: number): Promise<void> {
    const client = this.client;
    if (!client || this.stopped) return;
    try {
      const c = await client.getContainer(id);
      const policy = c ? restartPolicy(c.labels) : { kind: 'no' as const };
      if (!c || 'error' in policy || policy.kind === 'no') {
        this.restarts.delete(id);
        this.log.log('info', `restart of ${id} cancelled (container or label gone)`, { container: id });
        return;
      }
      const t = await client.getTask(id);
      if (t && t.status !== 'STOPPED') return; // someone else started it
      await client.deleteTask(id);
      const pid = await client.createAndStart(c);
      this.log.log('info', `restarted ${id} (attempt ${attempt})`, { container: id, attempt, pid });
    } catch (err) {
      this.log.log('warn', `cannot restart ${id}: ${errorMessage(err)}`, { container: id, attempt });
    }
  }
}
