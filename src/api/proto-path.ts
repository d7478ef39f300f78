import { findProtoRoot } from '../proto-root';

/** The circuit API's .proto (src/api/proto in the source tree, dist/proto in a build). */
export const PROTO_FILE = 'circuit/v1/circuit.proto';

export function protoRoot(): string {
  return findProtoRoot(PROTO_FILE, import.meta.url);
}
