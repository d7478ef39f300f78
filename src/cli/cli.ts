import { GLOBAL_STRING, parseArgs } from '../args';
import { UsageError } from '../errors';
import { VERSION } from '../version';
import type { CommandDef } from './command';
import { ALIASES, COMMANDS } from './commands';
import { type CliHost, makeContext } from './context';

const GLOBAL_HELP = `Global flags:
  --state-dir DIR   state directory (default /var/lib/circuit, or $CIRCUIT_STATE_DIR)
  --address ADDR    work through a circuit daemon (unix:///run/circuit/circuit.sock, tcp://HOST:PORT;
                    or $CIRCUIT_ADDRESS); without it, directly on the state dir
  --cni-path DIRS   plugin directories, colon separated (default $CNI_PATH or /opt/cni/bin:/usr/lib/cni)
  --runc-root DIR   runc --root, to find containers by id
  --json            machine-readable output
  --debug           stack traces on errors (also CIRCUIT_DEBUG=1)
  -h, --help        help (also: circuit help [COMMAND...]);  --version  the version

Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 conflict, 5 plugin/tool failure, 6 state dir error`;

const visible = () => Object.entries(COMMANDS).filter(([, c]) => !c.hidden);
const entry = (c: CommandDef) => `  ${c.usage.replace(/\n/g, '\n  ')}\n      ${c.summary}`;

function overview(): string {
  const lines = visible().map(([, c]) => entry(c));
  return `circuit: container networking for runc (CNI hooks, networks, QoS, load balancing)\n\nCommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}`;
}

const STRING_FLAGS = new Set<string>([
  ...GLOBAL_STRING,
  ...Object.values(COMMANDS).flatMap((c) => [...(c.flags.string ?? []), ...(c.flags.multi ?? [])]),
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

/** The command named by the leading words (longest match first). */
function match(words: string[]): { key: string; n: number } | undefined {
  for (const n of [3, 2, 1]) {
    if (words.length < n) continue;
    const candidate = words.slice(0, n).join(' ');
    const key = ALIASES[candidate] ?? candidate;
    if (COMMANDS[key]) return { key, n };
  }
  return undefined;
}

/** Help for `words`: a command, a group of commands ("network", "lb"), or everything. */
function helpFor(words: string[]): string {
  const m = match(words);
  const def = m ? COMMANDS[m.key] : undefined;
  if (def) return `usage: ${def.usage}\n  ${def.summary}\n\n${GLOBAL_HELP}`;
  const prefix = words.join(' ');
  const group = prefix ? visible().filter(([k]) => k.startsWith(`${prefix} `)) : [];
  if (group.length) return `${group.map(([, c]) => entry(c)).join('\n')}\n\n${GLOBAL_HELP}`;
  if (prefix) throw new UsageError(`unknown command ${JSON.stringify(prefix)} (see circuit --help)`);
  return overview();
}

export async function runCli(argv: string[], host: CliHost): Promise<number> {
  const idx = wordIndexes(argv);
  const words = idx.map((i) => argv[i] ?? '');
  const dashdash = argv.indexOf('--');
  const flagsPart = dashdash === -1 ? argv : argv.slice(0, dashdash);
  if (flagsPart.includes('--version') || (words.length === 1 && words[0] === 'version')) {
    process.stdout.write(`circuit ${VERSION}\n`);
    return 0;
  }
  if (words[0] === 'help') {
    process.stdout.write(`${helpFor(words.slice(1))}\n`);
    return 0;
  }
  if (words.length === 0 || flagsPart.includes('--help') || flagsPart.includes('-h')) {
    process.stdout.write(`${helpFor(words)}\n`);
    return 0;
  }
  const m = match(words);
  const def = m ? COMMANDS[m.key] : undefined;
  if (!m || !def) {
    throw new UsageError(
      `unknown command ${JSON.stringify(words.slice(0, 2).join(' '))} (see circuit --help)`,
    );
  }
  const drop = new Set(idx.slice(0, m.n));
  const args = parseArgs(
    argv.filter((_, i) => !drop.has(i)),
    def.flags,
  );
  const ctx = await makeContext(args, host, def.local === true);
  try {
    await def.run(ctx, args);
  } finally {
    ctx.close();
  }
  return 0;
}
