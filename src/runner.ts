import { spawn } from 'node:child_process';

/** One external command, always an argv array (never a shell string). */
export interface Command {
  argv: readonly string[];
  input?: string;
  /** Complete environment for the child (nothing is inherited when set). */
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the child could not be spawned or was killed (timeout/signal). */
  failure?: string;
}

export type Runner = (cmd: Command) => Promise<CommandResult>;

/**
 * The only module that spawns processes. Two implementations of one contract:
 * - runCommand: execa, loaded on first use; the CLI's tools (runc, tc, nft, ipvsadm, ip).
 * - runLean: node:child_process directly; the hook's plugin calls. execa's module init costs
 *   ~26 ms (bun) / ~35 ms (node) on every container start, more than a plugin call itself.
 * Both run with cwd "/" (runc runs hooks in the bundle dir, which may be gone by poststop).
 */
export const runCommand: Runner = async (cmd) => {
  const [file, ...args] = cmd.argv;
  if (!file) throw new Error('runner: empty argv');
  const { execa } = await import('execa');
  const res = await execa(file, args, {
    input: cmd.input ?? '',
    cwd: '/',
    env: cmd.env ?? process.env,
    extendEnv: cmd.env === undefined,
    reject: false,
    stripFinalNewline: false,
    timeout: cmd.timeoutMs,
    encoding: 'utf8',
  });
  const out: CommandResult = {
    exitCode: typeof res.exitCode === 'number' ? res.exitCode : -1,
    stdout: String(res.stdout ?? ''),
    stderr: String(res.stderr ?? ''),
  };
  if (res.failed && (res.timedOut || res.isTerminated || res.exitCode === undefined)) {
    out.failure = res.timedOut
      ? `timed out after ${cmd.timeoutMs} ms`
      : res.signal
        ? `killed by ${res.signal}`
        : (res.shortMessage ?? 'could not be started');
  }
  return out;
};

/** Bun's native spawn, when running as the standalone binary (see runLean). */
interface BunSpawn {
  spawn(opts: {
    cmd: string[];
    cwd: string;
    env: Record<string, string | undefined>;
    stdin: Blob;
    stdout: 'pipe';
    stderr: 'pipe';
    timeout?: number;
    killSignal?: string;
  }): {
    exited: Promise<number>;
    signalCode: string | null;
    stdout: ReadableStream<Uint8Array>;
    stderr: ReadableStream<Uint8Array>;
  };
}

const bun = (globalThis as { Bun?: BunSpawn }).Bun;

/** runLean on bun: Bun.spawn is native; node:child_process streams cost bun several ms per call. */
async function runBun(b: BunSpawn, cmd: Command): Promise<CommandResult> {
  const [file] = cmd.argv;
  if (!file) throw new Error('runner: empty argv');
  let child: ReturnType<BunSpawn['spawn']>;
  try {
    child = b.spawn({
      cmd: [...cmd.argv],
      cwd: '/',
      env: cmd.env ?? process.env,
      stdin: new Blob([cmd.input ?? '']),
      stdout: 'pipe',
      stderr: 'pipe',
      ...(cmd.timeoutMs ? { timeout: cmd.timeoutMs, killSignal: 'SIGKILL' } : {}),
    });
  } catch (e) {
    return {
      exitCode: -1,
      stdout: '',
      stderr: '',
      failure: `could not be started (${(e as Error).message})`,
    };
  }
  const started = Date.now();
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const res: CommandResult = { exitCode: child.signalCode ? -1 : exitCode, stdout, stderr };
  if (child.signalCode)
    res.failure =
      cmd.timeoutMs && Date.now() - started >= cmd.timeoutMs
        ? `timed out after ${cmd.timeoutMs} ms`
        : `killed by ${child.signalCode}`;
  return res;
}

export const runLean: Runner = (cmd) => (bun ? runBun(bun, cmd) : runNode(cmd));

const runNode: Runner = (cmd) => spawnNode(cmd);

/** How a child is spawned by spawnNode: in its own process group, tracked by `groups`. */
interface GroupOptions {
  groups: ProcessGroups;
}

function spawnNode(cmd: Command, opts?: GroupOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [file, ...args] = cmd.argv;
    if (!file) throw new Error('runner: empty argv');
    if (opts?.groups.closed) {
      resolve({ exitCode: -1, stdout: '', stderr: '', failure: 'not started (the daemon is stopping)' });
      return;
    }
    const child = spawn(file, args, {
      cwd: '/',
      env: cmd.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // its own process group: a plugin's own children go with it when the group is killed
      detached: opts !== undefined,
    });
    const pid = child.pid;
    if (opts && pid !== undefined) opts.groups.live.add(pid);
    const kill = () => {
      if (opts && pid !== undefined) killGroup(pid);
      else child.kill('SIGKILL');
    };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failure: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (cmd.timeoutMs) {
      timer = setTimeout(() => {
        failure = `timed out after ${cmd.timeoutMs} ms`;
        kill();
      }, cmd.timeoutMs);
    }
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      failure ??= `could not be started (${e.message})`;
    });
    child.stdin.on('error', () => undefined); // a child that exits without reading stdin
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (opts && pid !== undefined) opts.groups.live.delete(pid);
      if (signal && !failure) failure = `killed by ${signal}`;
      const res: CommandResult = {
        exitCode: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (failure) res.failure = failure;
      resolve(res);
    });
    child.stdin.end(cmd.input ?? '');
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/**
 * The daemon's runner: every child in its own process group (a plugin and whatever it forked),
 * so that what is still running when the daemon must be gone can be killed as a whole.
 */
export class ProcessGroups {
  /** Leaders (= group ids) of the groups still running. */
  readonly live = new Set<number>();
  closed = false;

  readonly run: Runner = (cmd) => spawnNode(cmd, { groups: this });

  /** Groups still running. */
  get running(): number {
    return this.live.size;
  }

  /** Refuse new commands from now on, and SIGKILL every group still running; how many were. */
  killAll(): number {
    this.closed = true;
    const n = this.live.size;
    for (const pid of this.live) killGroup(pid);
    return n;
  }
}
