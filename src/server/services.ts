import { errorMessage } from '../errors';
import type { Service } from '../lifecycle';
import type { Logger } from '../log';

/**
 * What makes work (containerd events, Docker resyncs, the cluster heartbeat) or takes it (the
 * gRPC API, the Docker plugin socket, DNS, metrics). On stop, sources are told first, so no new
 * work starts while the endpoints drain.
 */
export type Role = 'source' | 'endpoint';

/** The daemon's parts, started in order and stopped together by one deadline. */
export class Services {
  private readonly started: { svc: Service; role: Role }[] = [];

  constructor(private readonly log: Logger) {}

  /** Start one part; it is stopped with the others from now on. */
  async start<S extends Service>(svc: S, role: Role): Promise<S> {
    await svc.start();
    this.started.push({ svc, role });
    return svc;
  }

  /**
   * Stop every part by the deadline: sources first (their new work stops at once), then the
   * endpoints (which drain); everyone waits for its own work in progress until the deadline.
   */
  async stop(deadline: number): Promise<void> {
    const order = [
      ...this.started.filter((p) => p.role === 'source'),
      ...this.started.filter((p) => p.role === 'endpoint'),
    ];
    this.started.length = 0;
    await Promise.all(
      order.map(({ svc }) =>
        svc
          .stop(deadline)
          .catch((err: unknown) =>
            this.log.log('error', `${svc.name}: stop failed`, { error: errorMessage(err) }),
          ),
      ),
    );
  }
}
