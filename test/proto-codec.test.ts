// src/proto-codec.ts against protobufjs (what @grpc/grpc-js + @grpc/proto-loader use on the daemon's
// side): every message of circuit's and containerd's .proto, with random values, encodes to bytes
// protobufjs decodes to the same object, and decodes protobufjs's bytes to the same object as
// proto-loader's deserializer (LOADER_OPTIONS).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { LOADER_OPTIONS } from '../src/proto';
import { decode, encode, ProtoTypes } from '../src/proto-codec';
import { protoJson } from '../src/proto-json';

const SETS: [string, string[], URL][] = [
  ['circuit', ['circuit/v1/circuit.proto'], new URL('../src/api/proto/', import.meta.url)],
  [
    'containerd',
    [
      'containerd/services/events/v1/events.proto',
      'containerd/services/containers/v1/containers.proto',
      'containerd/services/tasks/v1/tasks.proto',
      'containerd/services/snapshots/v1/snapshots.proto',
    ],
    new URL('../src/containerd/proto/', import.meta.url),
  ],
  ['every field kind', ['codec/all.proto'], new URL('./fixtures/proto/', import.meta.url)],
];

let seed = 42;
/** mulberry32: deterministic, and every bit varies (an LCG's low bits repeat with a short period). */
const rand = (n: number) => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) % n;
};
const pick = <T>(xs: T[]): T => xs[rand(xs.length)] as T;

function scalarValue(type: string): unknown {
  switch (type) {
    case 'string':
      return pick(['', 'a', 'näme-1', 'x'.repeat(200), '198.18.0.1/24']);
    case 'bool':
      return rand(2) === 1;
    case 'bytes':
      return Buffer.from(pick(['', 'ab', 'x'.repeat(130)]));
    case 'double':
    case 'float':
      return pick([0, 1.5, -2.25, 1024]);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return pick([0, 1, -1, 300, -2147483648, 2147483647]);
    case 'uint32':
    case 'fixed32':
      return pick([0, 1, 127, 128, 300, 4294967295]);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return pick([0, 1, -1, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER]);
    default: // uint64, fixed64
      return pick([0, 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]);
  }
}

function randomObject(t: protobuf.Type, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of t.fieldsArray) {
    if (rand(4) === 0) continue; // absent
    const one = () => {
      if (f.resolvedType instanceof protobuf.Type)
        return depth > 3 ? {} : randomObject(f.resolvedType, depth + 1);
      if (f.resolvedType instanceof protobuf.Enum) return pick(Object.keys(f.resolvedType.values));
      return scalarValue(f.type);
    };
    if (f.map) {
      const m: Record<string, unknown> = {};
      for (let i = rand(3); i > 0; i--) m[`k${rand(100)}`] = one();
      out[f.name] = m;
    } else if (f.repeated) out[f.name] = Array.from({ length: rand(4) }, one);
    else out[f.name] = one();
  }
  return out;
}

describe('proto codec', () => {
  for (const [name, files, dir] of SETS) {
    it(`${name}: every message round-trips like protobufjs`, () => {
      const json = protoJson(files, dir);
      const root = protobuf.Root.fromJSON(json as protobuf.INamespace);
      root.resolveAll();
      const types = new ProtoTypes(json);
      const messages: protobuf.Type[] = [];
      const walk = (ns: protobuf.NamespaceBase) => {
        for (const n of ns.nestedArray) {
          if (n instanceof protobuf.Type) messages.push(n);
          if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) walk(n);
        }
      };
      walk(root);
      assert.ok(messages.length >= 2, `${messages.length} messages`);
      let checked = 0;
      for (const t of messages) {
        if (t.fullName.startsWith('.google.protobuf.') && !/Timestamp|Any|Empty/.test(t.fullName)) continue;
        const mine = types.message(t.fullName.slice(1));
        for (let i = 0; i < 20; i++) {
          const obj = randomObject(t, 0);
          const theirs = t.encode(t.fromObject(obj)).finish();
          const expected = t.toObject(t.decode(theirs), LOADER_OPTIONS);
          assert.deepEqual(decode(mine, Buffer.from(theirs)), expected, `${t.fullName} decode`);
          const ours = encode(mine, obj);
          assert.deepEqual(t.toObject(t.decode(ours), LOADER_OPTIONS), expected, `${t.fullName} encode`);
          checked++;
        }
      }
      assert.ok(checked >= 40, `${checked} objects`);
    });
  }

  it('RPCs resolve to their request and response types; unknown ones are an error', () => {
    const types = new ProtoTypes(protoJson(['circuit/v1/circuit.proto'], SETS[0]?.[2] as URL));
    const m = types.method('circuit.v1.NetworkService', 'ListNetworks');
    assert.equal(m.path, '/circuit.v1.NetworkService/ListNetworks');
    assert.equal(m.request.name, 'circuit.v1.ListNetworksRequest');
    assert.throws(() => types.method('circuit.v1.NetworkService', 'Nope'), /no RPC/);
  });

  it('truncated input is an error, not a wrong object', () => {
    const types = new ProtoTypes(protoJson(['circuit/v1/circuit.proto'], SETS[0]?.[2] as URL));
    const t = types.method('circuit.v1.NetworkService', 'GetNetwork').request;
    const buf = encode(t, { name: 'abcdef' });
    assert.throws(() => decode(t, buf.subarray(0, buf.length - 2)), /truncated/);
  });
});
