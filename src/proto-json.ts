// A set of .proto files as protobufjs JSON (what @grpc/proto-loader's fromJSON and
// src/proto-codec.ts take). The builds replace this module with the sets compiled at build time
// (scripts/build-config.mjs: PROTOS); this source version, for the source tree (tsx), parses the
// files under `dir` with @grpc/proto-loader's own parser and include rules.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** protobufjs's JSON form of a namespace (messages, enums, services), as Root.toJSON() writes it. */
export interface ProtoNamespace {
  nested?: Record<string, ProtoNode>;
  options?: Record<string, unknown>;
}
export interface ProtoField {
  type: string;
  id: number;
  rule?: 'repeated' | 'required';
  keyType?: string;
  options?: Record<string, unknown>;
}
export interface ProtoNode extends ProtoNamespace {
  fields?: Record<string, ProtoField>;
  oneofs?: Record<string, { oneof: string[] }>;
  values?: Record<string, number>;
  methods?: Record<
    string,
    { requestType: string; responseType: string; requestStream?: boolean; responseStream?: boolean }
  >;
}

/** `files` (named from `dir`) as one protobufjs JSON root, imports included. */
export function protoJson(files: string[], dir: URL, keepCase = false): ProtoNamespace {
  const require = createRequire(import.meta.url);
  const util = require(join(require.resolve('@grpc/proto-loader'), '..', 'util.js')) as {
    loadProtosWithOptionsSync: (f: string[], o: object) => { toJSON: () => ProtoNamespace };
  };
  return util.loadProtosWithOptionsSync(files, { keepCase, includeDirs: [fileURLToPath(dir)] }).toJSON();
}
