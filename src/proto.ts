// .proto sets for the daemon and its gRPC clients (never on the hook path: it loads the gRPC
// libraries). In the builds, @grpc/proto-loader's loadSync answers from the sets compiled at build
// time (scripts/build-config.mjs: PROTOS), so nothing reads or parses a .proto at run time and
// `dir` is not consulted; in the source tree (tsx) the files are parsed from `dir`.

import { fileURLToPath } from 'node:url';
import type { Options, PackageDefinition } from '@grpc/proto-loader';

/** How circuit's own sets are loaded (the builds compile them with the same keepCase). */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
} as const satisfies Options;

/** The package definition of `files` (named from `dir`), with LOADER_OPTIONS. */
export async function loadProtos(files: string[], dir: URL): Promise<PackageDefinition> {
  const loader = await import('@grpc/proto-loader');
  return loader.loadSync(files, { ...LOADER_OPTIONS, includeDirs: [fileURLToPath(dir)] });
}
