import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateError } from '../errors';

/** The circuit API's .proto (src/api/proto in the source tree, dist/proto in a build). */
export const PROTO_FILE = 'circuit/v1/circuit.proto';

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

export function protoRoot(): string {
  return findProtoRoot(PROTO_FILE, import.meta.url);
}

export const LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
} as const;
