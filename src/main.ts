import { CircuitError, ExitCode, errorMessage } from './errors';

/** Global flags understood before dispatch (parsed again by the CLI with its full schema). */
function peekFlag(argv: string[], name: string): string | boolean | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === `--${name}`) {
      const next = argv[i + 1];
      return next !== undefined && !next.startsWith('-') ? next : true;
    }
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

const VALUE_FLAGS = new Set(['--state-dir', '--runc-root', '--cni-path', '--address']);

/** The first word that is neither a flag nor the value of a global flag. */
function firstCommand(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  const debug = peekFlag(argv, 'debug') === true || process.env.CIRCUIT_DEBUG === '1';
  try {
    const command = firstCommand(argv);
    const asksCli = argv.some((a) => a === '--help' || a === '-h' || a === '--version');
    if (((command === undefined && !process.stdin.isTTY) || command === 'hook') && !asksCli) {
      const { runHookCommand } = await import('./hook/command');
      await runHookCommand(argv);
      return ExitCode.ok;
    }
    const { runCli } = await import('./cli/cli');
    // the CLI starts the daemon through main: cli/ and server/ never import each other
    return await runCli(argv, { server: async (args) => (await import('./server/run')).runServer(args) });
  } catch (err) {
    if (err instanceof CircuitError) {
      process.stderr.write(`circuit: ${err.message}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    process.stderr.write(`circuit: internal error: ${errorMessage(err)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return ExitCode.failure;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = ExitCode.failure;
  },
);
