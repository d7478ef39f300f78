import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateError } from './errors';

/**
 * The directory holding `file` for a module at `moduleUrl`: `<module dir>/proto` in the source
 * tree, `dist/proto` in a build (chunks live in dist/chunks).
 */
export function findProtoRoot(file: string, moduleUrl: string): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [
    join(here, 'proto'),
    join(here, '..', 'proto'),
    join(dirname(process.execPath), 'proto'),
  ];
  const found = candidates.find((d) => existsSync(join(d, file)));
  if (!found) throw new StateError(`cannot find ${file} (looked in ${candidates.join(', ')})`);
  return found;
}

/** @grpc/proto-loader options of every gRPC client and server circuit has. */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
} as const;
