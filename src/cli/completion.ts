import { expectPositional, GLOBAL_BOOLEAN, GLOBAL_STRING, type ParsedArgs } from '../args';
import { UsageError } from '../errors';
import type { CommandTable } from './command';
import type { CliContext } from './context';

/** Which stored names a command's positional arguments complete to. */
const NAMES: Record<string, 'networks' | 'services'> = {
  'network inspect': 'networks',
  'network delete': 'networks',
  'network connect': 'networks',
  'network disconnect': 'networks',
  'network qos set': 'networks',
  'network qos reset': 'networks',
  'network qos show': 'networks',
  'lb add': 'services',
  'lb remove': 'services',
  'lb delete': 'services',
  'lb stats': 'services',
};

function commandWords({ commands, aliases }: CommandTable): string[] {
  return [...Object.keys(commands).filter((k) => !commands[k]?.hidden), ...Object.keys(aliases)].sort();
}

function flagsOf({ commands, aliases }: CommandTable, key: string): string[] {
  const def = commands[aliases[key] ?? key];
  const f = def?.flags ?? {};
  return [...(f.string ?? []), ...(f.multi ?? []), ...(f.boolean ?? [])].map((x) => `--${x}`);
}

const GLOBAL_FLAGS = [...GLOBAL_STRING, ...GLOBAL_BOOLEAN].map((f) => `--${f}`);

const VALUE_FLAGS = ({ commands }: CommandTable) =>
  [
    ...new Set([
      ...GLOBAL_STRING,
      ...Object.values(commands).flatMap((c) => [...(c.flags.string ?? []), ...(c.flags.multi ?? [])]),
    ]),
  ]
    .map((f) => `--${f}`)
    .join(' ');

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(t: CommandTable): string {
  const { aliases } = t;
  const cmds = commandWords(t);
  const flags = cmds.map((c) => `  [${q(c)}]=${q(flagsOf(t, c).join(' '))}`).join('\n');
  const names = Object.entries(NAMES)
    .flatMap(([k, v]) =>
      [k, ...Object.keys(aliases).filter((a) => aliases[a] === k)].map((c) => `  [${q(c)}]=${v}`),
    )
    .join('\n');
  return `# circuit bash completion: source <(circuit completion bash)
_circuit_cmds=(${cmds.map(q).join(' ')})
declare -A _circuit_flags=(
${flags}
)
declare -A _circuit_names=(
${names}
)
_circuit_global=${q(GLOBAL_FLAGS.join(' '))}
_circuit_value_flags=" ${VALUE_FLAGS(t)} "
_circuit() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" i w c cmd="" pass=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ $w == --state-dir || $w == --address ]]; then pass+=("$w" "\${COMP_WORDS[i+1]}"); fi
    if [[ $_circuit_value_flags == *" $w "* ]]; then ((i++)); continue; fi
    [[ $w == -* ]] && continue
    path="\${path:+$path }$w"
  done
  for c in "\${_circuit_cmds[@]}"; do
    [[ "$path" == "$c" || "$path" == "$c "* ]] && cmd=$c
  done
  if [[ -n $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "\${_circuit_flags[$cmd]} $_circuit_global" -- "$cur"))
    elif [[ -n \${_circuit_names[$cmd]} ]]; then
      COMPREPLY=($(compgen -W "$(circuit "\${pass[@]}" __complete "\${_circuit_names[$cmd]}" 2>/dev/null)" -- "$cur"))
    elif [[ $cmd == completion ]]; then
      COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"))
    fi
    return 0
  fi
  local next=()
  for c in "\${_circuit_cmds[@]}"; do
    if [[ -z $path ]]; then next+=("\${c%% *}")
    elif [[ $c == "$path "* ]]; then w=\${c#"$path "}; next+=("\${w%% *}"); fi
  done
  [[ -z $path ]] && next+=(help)
  if [[ $cur == -* ]]; then next=($_circuit_global); fi
  COMPREPLY=($(compgen -W "$(printf '%s\\n' "\${next[@]}" | sort -u)" -- "$cur"))
}
complete -F _circuit circuit
`;
}

function zsh(t: CommandTable): string {
  return `#compdef circuit
# circuit zsh completion (bash's, through bashcompinit): source <(circuit completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(t)}`;
}

function fish(t: CommandTable): string {
  const cmds = commandWords(t);
  const top = [...new Set(cmds.map((c) => c.split(' ')[0] ?? c)), 'help'];
  const lines = [
    '# circuit fish completion: circuit completion fish | source',
    'complete -c circuit -f',
    `complete -c circuit -n __fish_use_subcommand -a ${q(top.join(' '))}`,
  ];
  const groups = new Map<string, Set<string>>();
  for (const c of cmds) {
    const parts = c.split(' ');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join(' ');
      let set = groups.get(parent);
      if (!set) {
        set = new Set();
        groups.set(parent, set);
      }
      set.add(parts[i] ?? '');
    }
  }
  for (const [parent, subs] of groups) {
    const last = parent.split(' ').at(-1) ?? parent;
    lines.push(
      `complete -c circuit -n ${q(`__fish_seen_subcommand_from ${last}; and not __fish_seen_subcommand_from ${[...subs].join(' ')}`)} -a ${q([...subs].join(' '))}`,
    );
  }
  for (const c of cmds) {
    const last = c.split(' ').at(-1) ?? c;
    for (const f of flagsOf(t, c))
      lines.push(`complete -c circuit -n ${q(`__fish_seen_subcommand_from ${last}`)} -l ${f.slice(2)}`);
    const kind = NAMES[t.aliases[c] ?? c];
    if (kind)
      lines.push(
        `complete -c circuit -n ${q(`__fish_seen_subcommand_from ${last}`)} -a '(circuit __complete ${kind} 2>/dev/null)'`,
      );
  }
  for (const f of GLOBAL_FLAGS) lines.push(`complete -c circuit -l ${f.slice(2)}`);
  return `${lines.join('\n')}\n`;
}

/** `circuit completion SHELL`: the script for the command table it is given (the CLI's own). */
export async function completion(ctx: CliContext, args: ParsedArgs, table: CommandTable): Promise<void> {
  const [shell = ''] = expectPositional(args, 1, 1, 'circuit completion bash|zsh|fish');
  const scripts: Record<string, (t: CommandTable) => string> = { bash, zsh, fish };
  const make = scripts[shell];
  if (!make) throw new UsageError(`completion: unknown shell ${JSON.stringify(shell)} (bash, zsh or fish)`);
  process.stdout.write(make(table));
  void ctx;
}

export async function names(ctx: CliContext, args: ParsedArgs): Promise<void> {
  const [kind = ''] = expectPositional(args, 1, 1, 'circuit __complete networks|services');
  if (kind === 'networks') return ctx.out((await ctx.api.listNetworks()).map((n) => n.name).join('\n'));
  if (kind === 'services') return ctx.out((await ctx.api.lbList()).map((s) => s.name).join('\n'));
  throw new UsageError(`__complete: unknown kind ${JSON.stringify(kind)}`);
}
