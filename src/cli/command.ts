import type { FlagSpec, ParsedArgs } from '../args';
import type { CliContext } from './context';

export interface CommandDef {
  usage: string;
  summary: string;
  flags: FlagSpec;
  /** Always works on the local state dir (--address means something else, e.g. for `server`). */
  local?: boolean;
  /** Not listed in help (used by the completion scripts). */
  hidden?: boolean;
  run: (ctx: CliContext, args: ParsedArgs) => Promise<void>;
}

/** The CLI's commands keyed by their words, and the aliases that name the same definitions. */
export interface CommandTable {
  commands: Record<string, CommandDef>;
  aliases: Record<string, string>;
}
