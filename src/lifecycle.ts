/**
 * One lifecycle for the daemon's parts (gRPC API, metrics, containerd watcher, cluster publisher,
 * DNS, Docker sync, Docker plugin server): the daemon composes services and owns no networking.
 */
export interface Service {
  /** Its name in log lines. */
  readonly name: string;
  /**
   * Begin. Resolves once serving; an endpoint that is not reachable (no dockerd, no containerd
   * socket, no Redis) is logged and retried, not thrown. Throws only for what can never work
   * (a listen address in use, bad options).
   */
  start(): Promise<void>;
  /**
   * Stop taking new work at once, then wait for work in progress until `deadline` (epoch ms) and
   * no longer: resolves by the deadline, never rejects. What is still running then is abandoned
   * (the daemon kills its child processes; `circuit gc` undoes what they leave).
   */
  stop(deadline: number): Promise<void>;
}

/** Wait for `work` until `deadline` (epoch ms); true when it settled in time. */
export async function settleBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
