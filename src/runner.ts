import { execa } from 'execa';

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

/** The only place in circuit that spawns processes. */
export const runCommand: Runner = async (cmd) => {
  const [file, ...args] = cmd.argv;
  if (!file) throw new Error('runner: empty argv');
  const res = await execa(file, args, {
    input: cmd.input ?? '',
    // Hooks may run with a cwd that no longer exists (runc uses the bundle dir).
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
