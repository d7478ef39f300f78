import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateError } from '../errors';

/** The circuit API's .proto (src/api/proto in the source tree, dist/proto in a build). */
export const PROTO_FILE = 'circuit/v1/circuit.proto';

export function protoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, 'proto'),
    join(here, '..', 'proto'),
    join(dirname(process.execPath), 'proto'),
  ];
  const found = candidates.find((d) => existsSync(join(d, PROTO_FILE)));
  if (!found) throw new StateError(`cannot find ${PROTO_FILE} (looked in ${candidates.join(', ')})`);
  return found;
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
