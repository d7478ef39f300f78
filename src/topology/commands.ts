import type { Runner } from '../runner';

export interface CommandOutcome {
  command: string[];
  exitCode: number;
  output: string;
  failure?: string;
}

const CONTAINER_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/' };
export const COMMAND_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 4096;

/**
 * A topology's commands for one container, in parallel, inside all its namespaces (its root, its
 * pid namespace, its network). Each must finish, or daemonize, within 30 s.
 */
export async function runContainerCommands(
  run: Runner,
  pid: number,
  commands: readonly string[][],
): Promise<CommandOutcome[]> {
  return Promise.all(
    commands.map(async (command) => {
      const res = await run({
        argv: ['nsenter', '-t', String(pid), '-a', '--', ...command],
        env: CONTAINER_ENV,
        timeoutMs: COMMAND_TIMEOUT_MS,
      });
      const output = `${res.stdout}${res.stderr}`.trim();
      const out: CommandOutcome = {
        command,
        exitCode: res.exitCode,
        output: output.length > MAX_OUTPUT ? `${output.slice(0, MAX_OUTPUT)}…` : output,
      };
      if (res.failure) out.failure = res.failure;
      return out;
    }),
  );
}
