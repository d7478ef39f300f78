import minimist from 'minimist';
import { stateDirFrom } from '../env';
import { UsageError } from '../errors';
import { runHook } from './hook';
import { parseStage } from './stage';

const KNOWN = new Set(['_', 'state-dir', 'debug']);

/** `circuit [hook [STAGE]] [--state-dir DIR] [--debug]` with the OCI state on stdin. */
export async function runHookCommand(argv: string[]): Promise<void> {
  const args = minimist(argv, { string: ['state-dir'], boolean: ['debug'] });
  for (const k of Object.keys(args)) if (!KNOWN.has(k)) throw new UsageError(`hook: unknown flag --${k}`);
  const pos = args._.map(String);
  if (pos[0] === 'hook') pos.shift();
  if (pos.length > 1) throw new UsageError(`hook: unexpected argument ${JSON.stringify(pos[1])}`);
  await runHook({
    stage: pos[0] ? parseStage(pos[0]) : undefined,
    stateDir: stateDirFrom(args['state-dir']),
  });
}
