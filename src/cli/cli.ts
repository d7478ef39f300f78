import { UsageError } from '../errors';
import { GLOBAL_STRING, parseArgs } from './args';
import { ALIASES, COMMANDS } from './commands';
import { makeContext } from './context';

const GLOBAL_HELP = `Global flags:
  --state-dir DIR   state directory (default /var/lib/circuit, or $CIRCUIT_STATE_DIR)
  --cni-path DIRS   plugin directories, colon separated (default $CNI_PATH or /opt/cni/bin:/usr/lib/cni)
  --runc-root DIR   runc --root, to find containers by id
  --json            machine-readable output
  --debug           stack traces on errors (also CIRCUIT_DEBUG=1)

Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 conflict, 5 plugin/tool failure, 6 state dir error`;

function overview(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `circuit: container networking for runc (CNI hooks, networks, QoS, load balancing)\n\nCommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}`;
}

const STRING_FLAGS = new Set<string>([
  ...GLOBAL_STRING,
  ...Object.values(COMMANDS).flatMap((c) => [...(c.flags.string ?? [])]),
]);

/** Indexes of the words in argv (not flags, not the values of string flags). */
function wordIndexes(argv: string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') break;
    if (a.startsWith('--') && !a.includes('=') && STRING_FLAGS.has(a.slice(2))) i++;
    else if (!a.startsWith('-')) out.push(i);
  }
  return out;
}

/** Find the command named by the leading words of argv; return it and argv without those words. */
function lookup(argv: string[]): { key: string | undefined; words: string[]; rest: string[] } {
  const idx = wordIndexes(argv);
  const words = idx.map((i) => argv[i] ?? '');
  for (const n of [3, 2, 1]) {
    const candidate = words.slice(0, n).join(' ');
    const key = ALIASES[candidate] ?? candidate;
    if (words.length >= n && COMMANDS[key]) {
      const drop = new Set(idx.slice(0, n));
      return { key, words: words.slice(0, n), rest: argv.filter((_, i) => !drop.has(i)) };
    }
  }
  return { key: undefined, words, rest: argv };
}

export async function runCli(argv: string[]): Promise<number> {
  if (
    argv.length === 0 ||
    argv[0] === 'help' ||
    (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'))
  ) {
    process.stdout.write(`${overview()}\n`);
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(`circuit ${process.env.CIRCUIT_VERSION ?? '0.1.0'}\n`);
    return 0;
  }
  const { key, words, rest } = lookup(argv);
  const def = key ? COMMANDS[key] : undefined;
  if (!key || !def) {
    const group = words[0];
    if (group && Object.keys(COMMANDS).some((k) => k.startsWith(`${group} `)) && argv.includes('--help')) {
      const subs = Object.entries(COMMANDS).filter(([k]) => k.startsWith(`${group} `));
      process.stdout.write(`${subs.map(([, c]) => `  ${c.usage}\n      ${c.summary}`).join('\n')}\n`);
      return 0;
    }
    throw new UsageError(
      `unknown command ${JSON.stringify(words.slice(0, 2).join(' '))} (see circuit --help)`,
    );
  }
  const args = parseArgs(rest, def.flags);
  if (args.flags.help === true) {
    process.stdout.write(`usage: ${def.usage}\n  ${def.summary}\n\n${GLOBAL_HELP}\n`);
    return 0;
  }
  await def.run(makeContext(args), args);
  return 0;
}
