/**
 * Runs a task one at a time: a call while it runs asks for exactly one more run after it (however
 * many calls came), and gets the promise of the run in progress. Used by the daemon's background
 * loops (cluster publishing, containerd reconcile, Docker sync).
 */
export class Coalescer {
  private running: Promise<void> | undefined;
  private pending = false;

  constructor(
    private readonly task: () => Promise<void>,
    /** Whether a requested extra run should still happen (e.g. not after stop). */
    private readonly more: () => boolean = () => true,
  ) {}

  /** The run in progress (or nothing), without asking for another. */
  async settled(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Ask for one more run after the current one (also from inside the task). */
  requestMore(): void {
    this.pending = true;
  }

  run(): Promise<void> {
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.pending = false;
        await this.task();
      } while (this.pending && this.more());
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
