/**
 * A test-only Kubernetes protobuf encoder driven by the same descriptors.json as the
 * decoder. It lets tests build bodies kubectl never sends from its typed create commands
 * (times, durations, raw extensions, packed and negative numbers) and round-trip the real
 * fixtures. It is deliberately independent of decode.ts so it can catch mistakes there.
 */
import { descriptors, FIELD_INLINE, FIELD_REPEATED, META_V1_PACKAGE, type MessageSpec } from '../../../../local/sandbox/protobuf/descriptors.ts';
import { PROTOBUF_MAGIC } from '../../../../local/sandbox/protobuf/index.ts';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;
const VARINT_TYPES = new Set(['int64', 'int32', 'uint64', 'uint32', 'bool', 'enum']);

/** Low-level writer: tests also use it to hand-craft malformed or unusual messages. */
export class Writer {
  private readonly bytes: number[] = [];

  varint(value: bigint | number): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
    return this;
  }

  key(number: number, wire: number): this {
    return this.varint((number << 3) | wire);
  }

  uint(number: number, value: bigint | number | boolean): this {
    return this.key(number, WIRE_VARINT).varint(typeof value === 'boolean' ? Number(value) : value);
  }

  bytesField(number: number, value: Uint8Array | string): this {
    const data = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    this.key(number, WIRE_LENGTH).varint(data.length);
    this.bytes.push(...data);
    return this;
  }

  double(number: number, value: number): this {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat64(0, value, true);
    this.key(number, WIRE_FIXED64);
    this.bytes.push(...data);
    return this;
  }

  fixed32(number: number, value: number): this {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setUint32(0, value, true);
    this.key(number, WIRE_FIXED32);
    this.bytes.push(...data);
    return this;
  }

  raw(data: Uint8Array): this {
    this.bytes.push(...data);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** Parses the Go duration forms tests use: `1h0m0s`, `30s`, `1.5s`, `300ms`. */
function parseGoDuration(text: string): bigint {
  const units: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, µs: 1e3, ns: 1 };
  let total = 0;
  for (const [, n, unit] of text.matchAll(/([\d.]+)(h|ms|µs|ns|m|s)/g)) total += Number(n) * units[unit!]!;
  return BigInt(Math.round(text.startsWith('-') ? -total : total));
}

function timeMessage(text: string): Uint8Array {
  const ms = Date.parse(text);
  const micros = /\.(\d{6})Z$/.exec(text)?.[1];
  const w = new Writer().uint(1, Math.floor(ms / 1000));
  return (micros ? w.uint(2, Number(micros) * 1000) : w).finish();
}

const listMessage = (items: string[]) => items.reduce((w, item) => w.bytesField(1, item), new Writer()).finish();
const rawMessage = (value: unknown) => new Writer().bytesField(1, JSON.stringify(value)).finish();

/** Encoders of the apimachinery types whose JSON is not their message shape. */
const SPECIAL: Record<string, (value: any) => Uint8Array> = {
  [`${META_V1_PACKAGE}.Time`]: timeMessage,
  [`${META_V1_PACKAGE}.MicroTime`]: timeMessage,
  [`${META_V1_PACKAGE}.Duration`]: (v: string) => new Writer().uint(1, parseGoDuration(v)).finish(),
  [`${META_V1_PACKAGE}.FieldsV1`]: rawMessage,
  'k8s.io.apimachinery.pkg.runtime.RawExtension': rawMessage,
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (v: number | string) => (typeof v === 'number' ? new Writer().uint(1, 0).uint(2, v) : new Writer().uint(1, 1).bytesField(3, v)).finish(),
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (v: string) => new Writer().bytesField(1, v).finish(),
  [`${META_V1_PACKAGE}.Verbs`]: listMessage,
  'k8s.io.api.authentication.v1.ExtraValue': listMessage,
  'k8s.io.api.authorization.v1.ExtraValue': listMessage,
};

function spec(type: string): MessageSpec {
  const found = descriptors()[type];
  if (!found) throw new Error(`no descriptor for ${type}`);
  return found;
}

function writeValue(w: Writer, number: number, type: string, value: any): void {
  if (VARINT_TYPES.has(type)) w.uint(number, value);
  else if (type === 'double') w.double(number, value);
  else if (type === 'string') w.bytesField(number, value);
  else if (type === 'bytes') w.bytesField(number, Buffer.from(value, 'base64'));
  else w.bytesField(number, encodeMessage(type, value));
}

/** Encodes a JSON value as the message `type` (fields in number order, like gogo). */
export function encodeMessage(type: string, value: any): Uint8Array {
  const special = SPECIAL[type];
  if (special) return special(value);
  const { fields } = spec(type);
  const w = new Writer();
  for (const [numberText, [name, fieldType, flags = 0]] of Object.entries(fields)) {
    const number = Number(numberText);
    if (flags & FIELD_INLINE) {
      w.bytesField(number, encodeMessage(fieldType, value ?? {})); // its fields live in the parent
      continue;
    }
    const v = value?.[name];
    if (v === undefined) continue;
    if (descriptors()[fieldType]?.mapEntry) {
      const [, keyType] = spec(fieldType).fields['1']!;
      const [, valueType] = spec(fieldType).fields['2']!;
      for (const [k, item] of Object.entries(v)) {
        const entry = new Writer();
        writeValue(entry, 1, keyType, k);
        writeValue(entry, 2, valueType, item);
        w.bytesField(number, entry.finish());
      }
    } else if (flags & FIELD_REPEATED) for (const item of v) writeValue(w, number, fieldType, item);
    else writeValue(w, number, fieldType, v);
  }
  return w.finish();
}

/** A whole request body: magic + runtime.Unknown{typeMeta, raw}. */
export function encodeBody(apiVersion: string, kind: string, messageType: string, object: unknown, extra?: (w: Writer) => void): Uint8Array {
  const typeMeta = new Writer().bytesField(1, apiVersion).bytesField(2, kind).finish();
  const unknown = new Writer().bytesField(1, typeMeta).bytesField(2, encodeMessage(messageType, object));
  extra?.(unknown);
  return Uint8Array.from([...PROTOBUF_MAGIC, ...unknown.finish()]);
}
