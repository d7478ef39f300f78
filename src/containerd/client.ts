import type * as grpc from '@grpc/grpc-js';
import { CircuitError, ExitCode, PluginError, UsageError } from '../errors';
import { loadProtos } from '../proto';

/** containerd's view of a container (what circuit reads of it). */
export interface CtrContainer {
  id: string;
  labels: Record<string, string>;
  snapshotter: string;
  snapshotKey: string;
}

export interface CtrTask {
  containerId: string;
  /** "" for the init process; an exec id otherwise. */
  id: string;
  pid: number;
  status: 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';
  exitStatus: number;
}

export interface CtrMount {
  type: string;
  source: string;
  target: string;
  options: string[];
}

export interface CtrEvent {
  namespace: string;
  topic: string;
}

/** Under src/containerd/proto (compiled into the builds: scripts/build-config.mjs PROTOS). */
const FILES = [
  'containerd/services/events/v1/events.proto',
  'containerd/services/containers/v1/containers.proto',
  'containerd/services/tasks/v1/tasks.proto',
  'containerd/services/snapshots/v1/snapshots.proto',
];

type Wire = Record<string, unknown>;
type Unary = (
  req: Wire,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: Wire) => void,
) => void;

const NOT_FOUND = 5;
const CALL_MS = 10_000;

/**
 * containerd's gRPC API over its unix socket, with circuit's minimal copies of containerd's own
 * .proto definitions (same packages and field numbers) and the containerd-namespace header.
 */
export class ContainerdClient {
  private constructor(
    readonly socket: string,
    readonly namespace: string,
    private readonly g: typeof grpc,
    private readonly clients: Record<string, grpc.Client>,
  ) {}

  static async connect(socket: string, namespace: string): Promise<ContainerdClient> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(namespace))
      throw new UsageError(`--containerd-namespace: invalid namespace ${JSON.stringify(namespace)}`);
    const [g, def] = await Promise.all([
      import('@grpc/grpc-js'),
      loadProtos(FILES, new URL('./proto/', import.meta.url)),
    ]);
    const pkg = g.loadPackageDefinition(def) as unknown as {
      containerd: { services: Record<string, { v1: Record<string, grpc.ServiceClientConstructor> }> };
    };
    const target = `unix://${socket.replace(/^unix:\/\//, '')}`;
    const creds = g.credentials.createInsecure();
    const make = (svc: string, name: string) => {
      const Ctor = pkg.containerd.services[svc]?.v1[name];
      if (!Ctor) throw new CircuitError(`containerd proto: no service ${svc}.${name}`);
      return new Ctor(target, creds, { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
    };
    return new ContainerdClient(socket, namespace, g, {
      events: make('events', 'Events'),
      containers: make('containers', 'Containers'),
      tasks: make('tasks', 'Tasks'),
      snapshots: make('snapshots', 'Snapshots'),
    });
  }

  close(): void {
    for (const c of Object.values(this.clients)) c.close();
  }

  private metadata(): grpc.Metadata {
    const md = new this.g.Metadata();
    md.set('containerd-namespace', this.namespace);
    return md;
  }

  private call(svc: string, rpc: string, req: Wire): Promise<Wire> {
    const client = this.clients[svc] as unknown as Record<string, Unary>;
    return new Promise((resolve, reject) => {
      client[rpc]?.call(client, req, this.metadata(), { deadline: Date.now() + CALL_MS }, (err, res) => {
        if (!err) return resolve(res);
        if (err.code === NOT_FOUND) return reject(new CircuitError(err.details, ExitCode.notFound));
        reject(new PluginError('containerd', `containerd ${svc}.${rpc}: ${err.details || err.message}`));
      });
    });
  }

  private static container(w: Wire): CtrContainer {
    return {
      id: String(w.id ?? ''),
      labels: (w.labels ?? {}) as Record<string, string>,
      snapshotter: String(w.snapshotter ?? ''),
      snapshotKey: String(w.snapshotKey ?? ''),
    };
  }

  private static task(w: Wire): CtrTask {
    return {
      containerId: String(w.containerId || w.id || ''),
      id: String(w.id ?? ''),
      pid: Number(w.pid ?? 0),
      status: String(w.status ?? 'UNKNOWN') as CtrTask['status'],
      exitStatus: Number(w.exitStatus ?? 0),
    };
  }

  async listContainers(): Promise<CtrContainer[]> {
    const r = await this.call('containers', 'List', { filters: [] });
    return ((r.containers ?? []) as Wire[]).map(ContainerdClient.container);
  }

  /** undefined when there is no such container. */
  async getContainer(id: string): Promise<CtrContainer | undefined> {
    try {
      return ContainerdClient.container((await this.call('containers', 'Get', { id })).container as Wire);
    } catch (err) {
      if (err instanceof CircuitError && err.exitCode === ExitCode.notFound) return undefined;
      throw err;
    }
  }

  async listTasks(): Promise<CtrTask[]> {
    const r = await this.call('tasks', 'List', { filter: '' });
    return ((r.tasks ?? []) as Wire[]).map(ContainerdClient.task);
  }

  async getTask(containerId: string): Promise<CtrTask | undefined> {
    try {
      return ContainerdClient.task((await this.call('tasks', 'Get', { containerId })).process as Wire);
    } catch (err) {
      if (err instanceof CircuitError && err.exitCode === ExitCode.notFound) return undefined;
      throw err;
    }
  }

  async deleteTask(containerId: string): Promise<void> {
    try {
      await this.call('tasks', 'Delete', { containerId });
    } catch (err) {
      if (!(err instanceof CircuitError && err.exitCode === ExitCode.notFound)) throw err;
    }
  }

  async mounts(snapshotter: string, key: string): Promise<CtrMount[]> {
    const r = await this.call('snapshots', 'Mounts', { snapshotter, key });
    return (r.mounts ?? []) as CtrMount[];
  }

  /** A new task for the container (no stdio), started; returns its pid. */
  async createAndStart(c: CtrContainer): Promise<number> {
    const rootfs = c.snapshotKey ? await this.mounts(c.snapshotter, c.snapshotKey) : [];
    await this.call('tasks', 'Create', { containerId: c.id, rootfs });
    const r = await this.call('tasks', 'Start', { containerId: c.id, execId: '' });
    return Number(r.pid ?? 0);
  }

  /**
   * Subscribe to task and container events. `onEvent` gets each envelope's namespace and topic;
   * `onEnd` is called once when the stream ends or fails (containerd went away).
   */
  subscribe(onEvent: (e: CtrEvent) => void, onEnd: (err: Error | undefined) => void): () => void {
    const client = this.clients.events as unknown as Record<
      string,
      (req: Wire, md: grpc.Metadata) => grpc.ClientReadableStream<Wire>
    >;
    const stream = client.Subscribe?.call(
      this.clients.events,
      { filters: ['topic~="/tasks/"', 'topic~="/containers/"'] },
      this.metadata(),
    );
    if (!stream) throw new CircuitError('containerd proto: no Events.Subscribe');
    let ended = false;
    const end = (err: Error | undefined) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    stream.on('data', (w: Wire) =>
      onEvent({ namespace: String(w.namespace ?? ''), topic: String(w.topic ?? '') }),
    );
    stream.on('error', (err: Error) => end(err));
    stream.on('end', () => end(undefined));
    return () => {
      ended = true;
      stream.cancel();
    };
  }
}
