/**
 * Decodes Kubernetes protobuf request bodies (what kubectl's typed clients send) into the
 * object's JSON form, so the rest of the sandbox only ever sees JSON.
 *
 * Wire form: the 4-byte magic `k8s\0`, then a runtime.Unknown {typeMeta, raw, ...} whose
 * `raw` is the object's message, found by apiVersion+kind in descriptors.json.
 *
 * Presence rule. gogo marshals non-pointer scalars even when empty, and pointer scalars
 * whenever set, so the wire cannot tell "unset" from "explicit zero". We therefore:
 *  - drop singular empty strings and empty bytes: Go treats "" as unset nearly everywhere
 *    and JSON clients omit them (a body's `namespace: ""` must not look like a namespace);
 *  - keep 0 and false: they are meaningful for pointer fields (`replicas: 0`,
 *    `gracePeriodSeconds: 0`, `automountServiceAccountToken: false`) and equivalent to
 *    absent for the non-pointer ones;
 *  - drop a zero metav1.Time (Go's zero time, JSON `null`), e.g. `creationTimestamp`;
 *  - keep empty nested messages as {} (Go's JSON renders non-pointer structs that way);
 *  - keep "" inside lists and maps (a label value may be empty).
 * Go embedded structs (Volume's VolumeSource, Probe's handler, `localObjectReference`) are
 * flattened into their parent, as their `json:",inline"` tag says.
 */
import type { KubeObject } from '../types.ts';
import { FIELD_INLINE, FIELD_REPEATED, META_V1_PACKAGE, messageSpec, resolveMessageType } from './descriptors.ts';
import { ProtobufDecodeError } from './errors.ts';
import { formatGoDuration, formatMicroTime, formatTime } from './time-format.ts';
import { readFields, readVarint, WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT, type WireField } from './wire.ts';

/** `k8s\0`: what kube-apiserver's protobuf serializer puts before every object. */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);
/** Deeper nesting than any Kubernetes type has means a hostile body, not a real object. */
const MAX_DEPTH = 100;

const UNKNOWN_TYPE_META = 1;
const UNKNOWN_RAW = 2;
const UNKNOWN_CONTENT_ENCODING = 3;
const TYPE_META_API_VERSION = 1;
const TYPE_META_KIND = 2;
const MAP_KEY = 1;
const MAP_VALUE = 2;
const INT_OR_STRING_STRING = 1n;

const VARINT_TYPES = new Set(['int64', 'int32', 'uint64', 'uint32', 'bool', 'enum', 'sint32', 'sint64']);
const FIXED64_TYPES = new Set(['double', 'fixed64', 'sfixed64']);
const FIXED32_TYPES = new Set(['float', 'fixed32', 'sfixed32']);

const utf8 = new TextDecoder();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The last occurrence of each field (proto "last one wins" for singular fields). */
function lastFields(bytes: Uint8Array): Map<number, WireField> {
  const fields = new Map<number, WireField>();
  for (const field of readFields(bytes)) fields.set(field.number, field);
  return fields;
}

function varintOf(fields: Map<number, WireField>, number: number): bigint {
  const field = fields.get(number);
  return field?.wire === WIRE_VARINT ? field.value : 0n;
}

function bytesOf(fields: Map<number, WireField>, number: number): Uint8Array {
  const field = fields.get(number);
  return field && field.wire === WIRE_LENGTH ? field.value : new Uint8Array();
}

const int64 = (v: bigint) => Number(BigInt.asIntN(64, v));

/** Raw bytes holding an embedded object: nested protobuf (magic) or JSON. */
function decodeEmbedded(raw: Uint8Array, depth: number, what: string): Json | undefined {
  if (raw.length === 0) return undefined;
  if (hasMagic(raw)) return decodeEnvelope(raw, depth + 1) as unknown as Json;
  try {
    return JSON.parse(utf8.decode(raw)) as Json;
  } catch (error) {
    throw new ProtobufDecodeError(`${what} is neither protobuf nor JSON`, { cause: error });
  }
}

/** A `[]string` Go type marshalled as a wrapper message {items=1}; JSON is the bare list. */
const stringList = (bytes: Uint8Array): Json => [...readFields(bytes)].filter((f) => f.number === 1 && f.wire === WIRE_LENGTH).map((f) => utf8.decode(f.value as Uint8Array));

/**
 * apimachinery types whose JSON form is not their message shape (custom MarshalJSON in Go).
 * Returning undefined drops the field, as Go's JSON renders it `null`.
 */
const SPECIAL: Record<string, (bytes: Uint8Array, depth: number) => Json | undefined> = {
  [`${META_V1_PACKAGE}.Time`]: (bytes) => {
    const f = lastFields(bytes);
    const seconds = int64(varintOf(f, 1));
    return seconds === 0 && varintOf(f, 2) === 0n ? undefined : formatTime(seconds);
  },
  [`${META_V1_PACKAGE}.MicroTime`]: (bytes) => {
    const f = lastFields(bytes);
    const seconds = int64(varintOf(f, 1));
    const nanos = int64(varintOf(f, 2));
    return seconds === 0 && nanos === 0 ? undefined : formatMicroTime(seconds, nanos);
  },
  [`${META_V1_PACKAGE}.Duration`]: (bytes) => formatGoDuration(BigInt.asIntN(64, varintOf(lastFields(bytes), 1))),
  [`${META_V1_PACKAGE}.FieldsV1`]: (bytes, depth) => decodeEmbedded(bytesOf(lastFields(bytes), 1), depth, 'fieldsV1'),
  'k8s.io.apimachinery.pkg.runtime.RawExtension': (bytes, depth) => decodeEmbedded(bytesOf(lastFields(bytes), 1), depth, 'an embedded object (RawExtension)'),
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (bytes) => {
    const f = lastFields(bytes);
    return varintOf(f, 1) === INT_OR_STRING_STRING ? utf8.decode(bytesOf(f, 3)) : int64(varintOf(f, 2));
  },
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (bytes) => utf8.decode(bytesOf(lastFields(bytes), 1)) || '0',
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue': (bytes) => utf8.decode(bytesOf(lastFields(bytes), 1)) || '0',
  [`${META_V1_PACKAGE}.Verbs`]: stringList,
  'k8s.io.api.authentication.v1.ExtraValue': stringList,
  'k8s.io.api.authorization.v1.ExtraValue': stringList,
  'k8s.io.api.certificates.v1.ExtraValue': stringList,
};

function expectedWire(type: string): number {
  if (VARINT_TYPES.has(type)) return WIRE_VARINT;
  if (FIXED64_TYPES.has(type)) return WIRE_FIXED64;
  if (FIXED32_TYPES.has(type)) return WIRE_FIXED32;
  return WIRE_LENGTH;
}

function decodeVarint(type: string, v: bigint): Json {
  switch (type) {
    case 'bool':
      return v !== 0n;
    case 'uint64':
      return Number(v);
    case 'uint32':
      return Number(BigInt.asUintN(32, v));
    case 'sint32':
    case 'sint64':
      return Number((v >> 1n) ^ -(v & 1n));
    default:
      return int64(v); // int32/int64/enum: negative values are sign-extended to 64 bits
  }
}

function decodeFixed(type: string, bytes: Uint8Array): Json {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'double':
      return view.getFloat64(0, true);
    case 'float':
      return view.getFloat32(0, true);
    case 'fixed64':
      return Number(view.getBigUint64(0, true));
    case 'sfixed64':
      return Number(view.getBigInt64(0, true));
    case 'fixed32':
      return view.getUint32(0, true);
    default:
      return view.getInt32(0, true);
  }
}

/** One value of `type` from its wire field; undefined means "render as absent". */
function decodeValue(type: string, field: WireField, depth: number, where: string): Json | undefined {
  const wire = expectedWire(type);
  if (field.wire !== wire) throw new ProtobufDecodeError(`${where}: wire type ${field.wire}, expected ${wire} for ${type}`);
  if (field.wire === WIRE_VARINT) return decodeVarint(type, field.value);
  if (wire !== WIRE_LENGTH) return decodeFixed(type, field.value);
  if (type === 'string') return utf8.decode(field.value);
  if (type === 'bytes') return Buffer.from(field.value).toString('base64');
  return decodeMessage(type, field.value, depth + 1);
}

/** Packed repeated scalars (proto3 style) arrive as one length-delimited run of values. */
function unpack(type: string, payload: Uint8Array, where: string): Json[] {
  const wire = expectedWire(type);
  const values: Json[] = [];
  if (wire === WIRE_VARINT) {
    for (let pos = 0; pos < payload.length; ) {
      const [value, next] = readVarint(payload, pos);
      values.push(decodeVarint(type, value));
      pos = next;
    }
    return values;
  }
  const size = wire === WIRE_FIXED64 ? 8 : 4;
  if (payload.length % size !== 0) throw new ProtobufDecodeError(`${where}: truncated packed field`);
  for (let pos = 0; pos < payload.length; pos += size) values.push(decodeFixed(type, payload.subarray(pos, pos + size)));
  return values;
}

/** A map entry {key=1, value=2}; a missing value is its type's zero, as in Go. */
function decodeMapEntry(type: string, bytes: Uint8Array, depth: number): [string, Json] {
  const spec = messageSpec(type)!;
  const fields = lastFields(bytes);
  const [, keyType] = spec.fields[MAP_KEY]!;
  const [, valueType] = spec.fields[MAP_VALUE]!;
  const keyField = fields.get(MAP_KEY);
  const key = keyField ? decodeValue(keyType, keyField, depth, `${type}.key`) : '';
  const valueField = fields.get(MAP_VALUE);
  let value: Json | undefined;
  if (valueField) value = decodeValue(valueType, valueField, depth, `${type}.value`);
  else if (expectedWire(valueType) === WIRE_LENGTH) {
    value = valueType === 'string' || valueType === 'bytes' ? '' : decodeMessage(valueType, new Uint8Array(), depth + 1);
  } else value = valueType === 'bool' ? false : 0;
  return [String(key), value ?? null];
}

function decodeMessage(type: string, bytes: Uint8Array, depth: number): Json | undefined {
  if (depth > MAX_DEPTH) throw new ProtobufDecodeError(`nesting deeper than ${MAX_DEPTH} levels`);
  const special = SPECIAL[type];
  if (special) return special(bytes, depth);
  const spec = messageSpec(type);
  if (!spec) throw new ProtobufDecodeError(`no schema for message ${type}`);
  const out: JsonObject = {};
  for (const field of readFields(bytes)) {
    const fieldSpec = spec.fields[field.number];
    if (!fieldSpec) continue; // a newer client's field: ignore, as kube-apiserver does
    const [name, fieldType, flags = 0] = fieldSpec;
    const where = `${type}.${name}`;
    if (flags & FIELD_INLINE) {
      Object.assign(out, decodeValue(fieldType, field, depth, where));
    } else if (field.wire === WIRE_LENGTH && messageSpec(fieldType)?.mapEntry) {
      const [key, value] = decodeMapEntry(fieldType, field.value, depth + 1);
      // defineProperty, not assignment: a `__proto__` key must stay a key, not a prototype.
      Object.defineProperty((out[name] ??= {}) as JsonObject, key, { value, enumerable: true, writable: true, configurable: true });
    } else if (flags & FIELD_REPEATED) {
      const list = (out[name] ??= []) as Json[];
      if (field.wire === WIRE_LENGTH && expectedWire(fieldType) !== WIRE_LENGTH) list.push(...unpack(fieldType, field.value, where));
      else list.push(decodeValue(fieldType, field, depth, where) ?? null);
    } else {
      const value = decodeValue(fieldType, field, depth, where);
      if (value === undefined || (value === '' && (fieldType === 'string' || fieldType === 'bytes'))) delete out[name];
      else out[name] = value;
    }
  }
  return out;
}

function hasMagic(body: Uint8Array): boolean {
  return body.length >= PROTOBUF_MAGIC.length && PROTOBUF_MAGIC.every((byte, i) => body[i] === byte);
}

function decodeEnvelope(body: Uint8Array, depth: number): KubeObject {
  if (!hasMagic(body)) throw new ProtobufDecodeError('the body does not start with the Kubernetes protobuf magic "k8s\\0"');
  const unknown = lastFields(body.subarray(PROTOBUF_MAGIC.length));
  const encoding = utf8.decode(bytesOf(unknown, UNKNOWN_CONTENT_ENCODING));
  if (encoding) throw new ProtobufDecodeError(`unsupported contentEncoding "${encoding}"`);
  const typeMeta = lastFields(bytesOf(unknown, UNKNOWN_TYPE_META));
  const apiVersion = utf8.decode(bytesOf(typeMeta, TYPE_META_API_VERSION));
  const kind = utf8.decode(bytesOf(typeMeta, TYPE_META_KIND));
  if (!apiVersion || !kind) throw new ProtobufDecodeError('the object has no apiVersion/kind');
  const type = resolveMessageType(apiVersion, kind);
  if (!type) throw new ProtobufDecodeError(`no protobuf schema for kind "${kind}" in apiVersion "${apiVersion}"`);
  const object = decodeMessage(type, bytesOf(unknown, UNKNOWN_RAW), depth) as JsonObject;
  return { apiVersion, kind, ...object } as KubeObject;
}

/** Decodes a `application/vnd.kubernetes.protobuf` body into the object's JSON form. */
export function decodeKubernetesProtobuf(body: Uint8Array): KubeObject {
  return decodeEnvelope(body, 0);
}
