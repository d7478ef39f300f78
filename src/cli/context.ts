import type { ChainDeps } from '../cni/chain';
import { parseCniPath } from '../cni/exec';
import { baseEnv, stateDirFrom } from '../env';
import { runCommand } from '../runner';
import { StateStore } from '../state/store';
import { type ParsedArgs, str } from './args';

export interface CliContext {
  store: StateStore;
  deps: ChainDeps;
  json: boolean;
  runcRoot: string | undefined;
  out: (text: string) => void;
}

export function makeContext(args: ParsedArgs): CliContext {
  return {
    store: new StateStore(stateDirFrom(args.flags['state-dir'])),
    deps: {
      run: runCommand,
      cniPath: parseCniPath(str(args.flags, 'cni-path') ?? process.env.CNI_PATH),
      baseEnv: baseEnv(),
    },
    json: args.flags.json === true,
    runcRoot: str(args.flags, 'runc-root'),
    out: (text) => {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}
