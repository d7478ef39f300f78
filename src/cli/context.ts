import { LocalApi } from '../api/local';
import type { Api } from '../api/types';
import { type ParsedArgs, str } from '../args';
import { parseCniPath } from '../cni/exec';
import { baseEnv, stateDirFrom } from '../env';
import { runCommand } from '../runner';
import { StateStore } from '../state/store';

export interface CliContext {
  api: Api;
  json: boolean;
  /** Set when the CLI speaks to a daemon (--address / CIRCUIT_ADDRESS). */
  address: string | undefined;
  args: ParsedArgs;
  out: (text: string) => void;
  close: () => void;
}

export function localApi(args: ParsedArgs): LocalApi {
  return new LocalApi({
    store: new StateStore(stateDirFrom(args.flags['state-dir'])),
    deps: {
      run: runCommand,
      cniPath: parseCniPath(str(args.flags, 'cni-path') ?? process.env.CNI_PATH),
      baseEnv: baseEnv(),
    },
    runcRoot: str(args.flags, 'runc-root'),
    ...(str(args.flags, 'containerd') !== undefined
      ? {
          containerd: {
            socket: str(args.flags, 'containerd') ?? '',
            namespace: str(args.flags, 'containerd-namespace') ?? 'default',
          },
        }
      : {}),
  });
}

export async function makeContext(args: ParsedArgs, local = false): Promise<CliContext> {
  const address = local
    ? undefined
    : (str(args.flags, 'address') ?? (process.env.CIRCUIT_ADDRESS || undefined));
  let api: Api;
  let close: () => void = () => undefined;
  if (address) {
    const { RemoteApi } = await import('../api/remote');
    const remote = await RemoteApi.connect(address);
    api = remote;
    close = () => remote.close();
  } else api = localApi(args);
  return {
    api,
    json: args.flags.json === true,
    address,
    args,
    out: (text) => {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    close,
  };
}
