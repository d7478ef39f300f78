import { localContext } from '../api/context';
import { LocalApi } from '../api/local';
import type { Api } from '../api/types';
import { type ParsedArgs, str } from '../args';

/** What main hands the CLI: the parts it starts but must not import (cli/ never imports server/). */
export interface CliHost {
  /** `circuit server`: runs the daemon until it is stopped. */
  server: (args: ParsedArgs) => Promise<void>;
}

export interface CliContext {
  api: Api;
  json: boolean;
  /** Set when the CLI speaks to a daemon (--address / CIRCUIT_ADDRESS). */
  address: string | undefined;
  args: ParsedArgs;
  out: (text: string) => void;
  close: () => void;
  host: CliHost;
}

export function localApi(args: ParsedArgs): LocalApi {
  return new LocalApi(localContext(args.flags));
}

export async function makeContext(args: ParsedArgs, host: CliHost, local = false): Promise<CliContext> {
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
    host,
  };
}
