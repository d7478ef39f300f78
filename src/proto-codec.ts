// Protobuf encoding and decoding of plain objects, driven by a compiled descriptor
// (src/proto-json.ts): what the CLI's gRPC client needs without loading protobufjs. The objects
// have the shape @grpc/proto-loader gives with LOADER_OPTIONS (camelCase fields, 64-bit integers
// as numbers, enums as names, every non-oneof field present with its default, messages null),
// so the daemon and its clients read the same objects.
import type { ProtoField, ProtoNamespace, ProtoNode } from './proto-json';

type Obj = Record<string, unknown>;

interface Field {
  name: string;
  id: number;
  kind: 'scalar' | 'enum' | 'message';
  type: string;
  repeated: boolean;
  packed: boolean;
  map?: { key: string; value: Field };
  inOneof: boolean;
  enumType?: EnumType;
  message?: () => MessageType;
}
interface EnumType {
  byName: Map<string, number>;
  byNumber: Map<number, string>;
  first: string;
}
export interface MessageType {
  name: string;
  fields: Field[];
  byId: Map<number, Field>;
}

const VARINT = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const FIXED64 = new Set(['fixed64', 'sfixed64', 'double']);
const FIXED32 = new Set(['fixed32', 'sfixed32', 'float']);
const SCALARS = new Set([...VARINT, ...FIXED64, ...FIXED32, 'string', 'bytes']);

/** The messages, enums and services of a compiled descriptor, by full name (no leading dot). */
export class ProtoTypes {
  private readonly nodes = new Map<string, ProtoNode>();
  private readonly messages = new Map<string, MessageType>();
  private readonly enums = new Map<string, EnumType>();

  constructor(root: ProtoNamespace) {
    const walk = (ns: ProtoNamespace, prefix: string) => {
      for (const [name, node] of Object.entries(ns.nested ?? {})) {
        const full = prefix ? `${prefix}.${name}` : name;
        this.nodes.set(full, node);
        walk(node, full);
      }
    };
    walk(root, '');
  }

  /** `ref` as protobuf resolves it from inside `scope` (innermost first). */
  private resolve(ref: string, scope: string): string {
    if (ref.startsWith('.')) return ref.slice(1);
    for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
      const full = s ? `${s}.${ref}` : ref;
      if (this.nodes.has(full)) return full;
      if (!s) break;
    }
    throw new Error(`proto: cannot resolve type ${ref} from ${scope}`);
  }

  /** An RPC's path and its request and response types. */
  method(service: string, rpc: string): { path: string; request: MessageType; response: MessageType } {
    const m = this.nodes.get(service)?.methods?.[rpc];
    if (!m) throw new Error(`proto: no RPC ${service}.${rpc}`);
    if (m.requestStream || m.responseStream) throw new Error(`proto: ${service}.${rpc} is a stream`);
    const scope = service.slice(0, Math.max(0, service.lastIndexOf('.')));
    return {
      path: `/${service}/${rpc}`,
      request: this.message(this.resolve(m.requestType, scope)),
      response: this.message(this.resolve(m.responseType, scope)),
    };
  }

  message(full: string): MessageType {
    const known = this.messages.get(full);
    if (known) return known;
    const node = this.nodes.get(full);
    if (!node?.fields) throw new Error(`proto: ${full} is not a message`);
    const t: MessageType = { name: full, fields: [], byId: new Map() };
    this.messages.set(full, t);
    const oneofMembers = new Set(Object.values(node.oneofs ?? {}).flatMap((o) => o.oneof));
    for (const [name, f] of Object.entries(node.fields)) {
      const field = this.field(name, f, full, oneofMembers.has(name));
      t.fields.push(field);
      t.byId.set(field.id, field);
    }
    return t;
  }

  private field(name: string, f: ProtoField, scope: string, inOneof: boolean): Field {
    const base = this.typed(f.type, scope);
    const repeated = f.rule === 'repeated';
    const field: Field = {
      name,
      id: f.id,
      ...base,
      repeated,
      packed:
        repeated &&
        base.kind !== 'message' &&
        !['string', 'bytes'].includes(f.type) &&
        f.options?.packed !== false,
      inOneof,
    };
    if (f.keyType)
      field.map = {
        key: f.keyType,
        value: { name: 'value', id: 2, ...base, repeated: false, packed: false, inOneof: false },
      };
    return field;
  }

  private typed(type: string, scope: string): Pick<Field, 'kind' | 'type' | 'enumType' | 'message'> {
    if (SCALARS.has(type)) return { kind: 'scalar', type };
    const full = this.resolve(type, scope);
    const node = this.nodes.get(full);
    if (node?.values) return { kind: 'enum', type: 'int32', enumType: this.enumType(full, node.values) };
    return { kind: 'message', type: full, message: () => this.message(full) };
  }

  private enumType(full: string, values: Record<string, number>): EnumType {
    const known = this.enums.get(full);
    if (known) return known;
    const e: EnumType = {
      byName: new Map(Object.entries(values)),
      byNumber: new Map(),
      first: Object.keys(values)[0] ?? '',
    };
    for (const [k, v] of Object.entries(values)) {
      if (!e.byNumber.has(v)) e.byNumber.set(v, k);
      if (v === 0) e.first = e.byNumber.get(0) ?? k;
    }
    this.enums.set(full, e);
    return e;
  }
}

// ---- encoding -------------------------------------------------------------------------------

class Writer {
  private buf = Buffer.allocUnsafe(256);
  len = 0;
  private room(n: number) {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(b: number) {
    this.room(1);
    this.buf[this.len++] = b;
  }
  varint(v: number) {
    if (v >= 0 && v <= 0xffffffff && Number.isInteger(v)) {
      while (v > 0x7f) {
        this.byte((v & 0x7f) | 0x80);
        v = Math.floor(v / 128);
      }
      this.byte(v);
    } else this.bigVarint(BigInt.asUintN(64, BigInt(Math.trunc(v))));
  }
  bigVarint(v: bigint) {
    while (v > 0x7fn) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }
  bytes(b: Uint8Array) {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  raw(b: Buffer) {
    this.room(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

const wireType = (f: Field) =>
  f.kind === 'message' || f.type === 'string' || f.type === 'bytes'
    ? 2
    : FIXED64.has(f.type)
      ? 1
      : FIXED32.has(f.type)
        ? 5
        : 0;

function toNumber(v: unknown, e?: EnumType): number {
  if (e && typeof v === 'string') {
    const n = e.byName.get(v);
    if (n === undefined) throw new Error(`proto: unknown enum value ${v}`);
    return n;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

function scalar(w: Writer, f: Field, v: unknown) {
  switch (f.type) {
    case 'string':
      return w.bytes(Buffer.from(String(v), 'utf8'));
    case 'bytes':
      return w.bytes(typeof v === 'string' ? Buffer.from(v, 'base64') : (v as Uint8Array));
    case 'bool':
      return w.byte(v ? 1 : 0);
    case 'sint32':
    case 'sint64': {
      const n = BigInt(Math.trunc(toNumber(v)));
      return w.bigVarint(BigInt.asUintN(64, (n << 1n) ^ (n < 0n ? -1n : 0n)));
    }
    case 'double':
    case 'fixed64':
    case 'sfixed64': {
      const b = Buffer.allocUnsafe(8);
      if (f.type === 'double') b.writeDoubleLE(toNumber(v));
      else b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(Math.trunc(toNumber(v)))));
      return w.raw(b);
    }
    case 'float':
    case 'fixed32':
    case 'sfixed32': {
      const b = Buffer.allocUnsafe(4);
      if (f.type === 'float') b.writeFloatLE(toNumber(v));
      else b.writeUInt32LE(toNumber(v) >>> 0);
      return w.raw(b);
    }
    case 'uint32':
      return w.varint(toNumber(v, f.enumType) >>> 0);
    case 'int32':
      return w.varint(toNumber(v, f.enumType) | 0);
    default:
      return w.varint(toNumber(v, f.enumType));
  }
}

function value(w: Writer, f: Field, v: unknown) {
  if (f.kind === 'message') w.bytes(encode(f.message?.() as MessageType, v as Obj));
  else scalar(w, f, v);
}

/** The protobuf encoding of `obj` (absent and null fields are left out, unknown keys ignored). */
export function encode(t: MessageType, obj: Obj): Buffer {
  const w = new Writer();
  for (const f of t.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.map) {
      for (const [k, mv] of Object.entries(v as Obj)) {
        const entry = new Writer();
        const key: Field = {
          name: 'key',
          id: 1,
          kind: 'scalar',
          type: f.map.key,
          repeated: false,
          packed: false,
          inOneof: false,
        };
        entry.varint((1 << 3) | wireType(key));
        scalar(entry, key, f.map.key === 'bool' ? k === 'true' : k);
        if (mv !== undefined && mv !== null) {
          entry.varint((2 << 3) | wireType(f.map.value));
          value(entry, f.map.value, mv);
        }
        w.varint((f.id << 3) | 2);
        w.bytes(entry.finish());
      }
    } else if (f.repeated) {
      const xs = v as unknown[];
      if (f.packed) {
        if (xs.length === 0) continue;
        const inner = new Writer();
        for (const x of xs) scalar(inner, f, x);
        w.varint((f.id << 3) | 2);
        w.bytes(inner.finish());
      } else
        for (const x of xs) {
          w.varint((f.id << 3) | wireType(f));
          value(w, f, x);
        }
    } else {
      w.varint((f.id << 3) | wireType(f));
      value(w, f, v);
    }
  }
  return w.finish();
}

// ---- decoding -------------------------------------------------------------------------------

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {}
  varint(): bigint {
    let shift = 0n;
    let out = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('proto: truncated varint');
      const b = this.buf[this.pos++] ?? 0;
      out |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return out;
      shift += 7n;
      if (shift > 63n) throw new Error('proto: varint too long');
    }
  }
  /** A varint that fits in 32 bits (tags, lengths, most values), without BigInt. */
  small(): number {
    let out = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.pos >= this.end) throw new Error('proto: truncated varint');
      const b = this.buf[this.pos++] ?? 0;
      out += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return out;
    }
    this.pos -= 4;
    return Number(BigInt.asUintN(64, this.varint()));
  }
  /** The length-delimited field at pos, as its own reader (pos moves past it). */
  sub(): Reader {
    const n = this.small();
    if (this.pos + n > this.end) throw new Error('proto: truncated field');
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  take(n: number): Buffer {
    if (this.pos + n > this.end) throw new Error('proto: truncated field');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wt: number) {
    if (wt === 0) this.varint();
    else if (wt === 1) this.take(8);
    else if (wt === 2) this.take(this.small());
    else if (wt === 5) this.take(4);
    else throw new Error(`proto: unsupported wire type ${wt}`);
  }
}

function readScalar(r: Reader, f: Field): unknown {
  switch (f.type) {
    case 'string':
      return r.take(r.small()).toString('utf8');
    case 'bytes':
      return Buffer.from(r.take(r.small()));
    case 'bool':
      return r.varint() !== 0n;
    case 'double':
      return r.take(8).readDoubleLE(0);
    case 'float':
      return r.take(4).readFloatLE(0);
    case 'fixed64':
      return Number(r.take(8).readBigUInt64LE(0));
    case 'sfixed64':
      return Number(r.take(8).readBigInt64LE(0));
    case 'fixed32':
      return r.take(4).readUInt32LE(0);
    case 'sfixed32':
      return r.take(4).readInt32LE(0);
    case 'sint32':
    case 'sint64': {
      const n = r.varint();
      return Number((n >> 1n) ^ -(n & 1n));
    }
    case 'uint64':
      return Number(r.varint());
    case 'int64':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'uint32':
      return Number(BigInt.asUintN(32, r.varint()));
    default: {
      const n = Number(BigInt.asIntN(32, r.varint()));
      if (!f.enumType) return n;
      return f.enumType.byNumber.get(n) ?? n;
    }
  }
}

function readValue(r: Reader, f: Field): unknown {
  if (f.kind !== 'message') return readScalar(r, f);
  return decodeFrom(f.message?.() as MessageType, r.sub());
}

function defaultOf(f: Field): unknown {
  if (f.map) return {};
  if (f.repeated) return [];
  if (f.kind === 'message') return null;
  if (f.enumType) return f.enumType.first;
  if (f.type === 'string') return '';
  if (f.type === 'bool') return false;
  if (f.type === 'bytes') return Buffer.alloc(0);
  return 0;
}

function decodeFrom(t: MessageType, r: Reader): Obj {
  const out: Obj = {};
  for (const f of t.fields) if (!f.inOneof) out[f.name] = defaultOf(f);
  while (r.pos < r.end) {
    const tag = r.small();
    const f = t.byId.get(Math.floor(tag / 8));
    const wt = tag & 7;
    if (!f) {
      r.skip(wt);
      continue;
    }
    if (f.map) {
      const entry = r.sub();
      const key: Field = {
        name: 'key',
        id: 1,
        kind: 'scalar',
        type: f.map.key,
        repeated: false,
        packed: false,
        inOneof: false,
      };
      let k: unknown = defaultOf(key);
      let v: unknown = defaultOf(f.map.value);
      while (entry.pos < entry.end) {
        const et = entry.small();
        if (et >> 3 === 1) k = readScalar(entry, key);
        else if (et >> 3 === 2) v = readValue(entry, f.map.value);
        else entry.skip(et & 7);
      }
      (out[f.name] as Obj)[String(k)] = v;
    } else if (f.repeated) {
      const xs = out[f.name] as unknown[];
      if (wt === 2 && f.kind !== 'message' && f.type !== 'string' && f.type !== 'bytes') {
        const packed = r.sub();
        while (packed.pos < packed.end) xs.push(readScalar(packed, f));
      } else xs.push(readValue(r, f));
    } else out[f.name] = readValue(r, f);
  }
  return out;
}

/** `buf` decoded as `t`, in proto-loader's object shape (see the top of this file). */
export function decode(t: MessageType, buf: Buffer): Obj {
  return decodeFrom(t, new Reader(buf));
}
