#!/usr/bin/env node
/**
 * Generates local/sandbox/protobuf/descriptors.json from the kubectl binary.
 *
 * Why: kubectl's typed clients send request bodies as Kubernetes protobuf, which carries
 * field numbers, not names. The Go binary embeds gzipped `FileDescriptorProto`s of every
 * k8s.io generated.proto (gogo `proto.RegisterFile`), so the schema we need to map numbers
 * back to JSON names is right there, matching the exact client version we test against.
 *
 * Usage: node scripts/extract-protobuf-descriptors.mjs [path/to/kubectl]
 *
 * Output format (compact, deterministic, keys sorted):
 *   { "$source": "kubectl v1.33.9",
 *     "$format": "...",
 *     "<fully.qualified.Message>": { "fields": { "<number>": [name, type, flags?] }, "mapEntry"?: true } }
 * where `type` is a scalar type name (string, int64, bool, bytes, ...) or, for message
 * fields, the fully-qualified message name (no leading dot); `flags` is a bit set:
 * 1 repeated, 2 inline (a Go embedded struct whose fields JSON renders in the parent).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, inflateRawSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_KUBECTL = resolve(ROOT, '.tools/bin/kubectl');
const OUTPUT = resolve(ROOT, 'local/sandbox/protobuf/descriptors.json');

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08]);
/** Go's gzip writer emits the fixed 10-byte header (no name, no extra fields: FLG 0). */
const GZIP_HEADER_LENGTH = 10;
const GZIP_FLAGS_OFFSET = 3;
/** Largest decompressed descriptor we expect (core/v1 is ~75 KB); input window to gunzip. */
const GZIP_WINDOW = 400_000;

/** The proto files whose messages the sandbox may receive (GA groups plus apimachinery). */
const WANTED_FILES = [
  'k8s.io/api/core/v1/generated.proto',
  'k8s.io/api/apps/v1/generated.proto',
  'k8s.io/api/batch/v1/generated.proto',
  'k8s.io/api/networking/v1/generated.proto',
  'k8s.io/api/rbac/v1/generated.proto',
  'k8s.io/api/authentication/v1/generated.proto',
  'k8s.io/api/authorization/v1/generated.proto',
  'k8s.io/api/autoscaling/v1/generated.proto',
  'k8s.io/api/autoscaling/v2/generated.proto',
  'k8s.io/api/policy/v1/generated.proto',
  'k8s.io/api/discovery/v1/generated.proto',
  'k8s.io/api/coordination/v1/generated.proto',
  'k8s.io/api/storage/v1/generated.proto',
  'k8s.io/api/certificates/v1/generated.proto',
  'k8s.io/api/scheduling/v1/generated.proto',
  'k8s.io/api/node/v1/generated.proto',
  'k8s.io/api/events/v1/generated.proto',
  'k8s.io/api/admissionregistration/v1/generated.proto',
  'k8s.io/api/flowcontrol/v1/generated.proto',
  'k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto',
  'k8s.io/apimachinery/pkg/runtime/generated.proto',
  'k8s.io/apimachinery/pkg/runtime/schema/generated.proto',
  'k8s.io/apimachinery/pkg/util/intstr/generated.proto',
  'k8s.io/apimachinery/pkg/api/resource/generated.proto',
];

/** FieldDescriptorProto.Type numbers → names (google/protobuf/descriptor.proto). */
const TYPE_NAMES = {
  1: 'double',
  2: 'float',
  3: 'int64',
  4: 'uint64',
  5: 'int32',
  6: 'fixed64',
  7: 'fixed32',
  8: 'bool',
  9: 'string',
  10: 'group',
  11: 'message',
  12: 'bytes',
  13: 'uint32',
  14: 'enum',
  15: 'sfixed32',
  16: 'sfixed64',
  17: 'sint32',
  18: 'sint64',
};
const TYPE_MESSAGE = 11;
const LABEL_REPEATED = 3;
/** Bits of a field spec's third element. */
const FLAG_REPEATED = 1;
const FLAG_INLINE = 2;

/**
 * Go struct tags of embedded structs, e.g. `json:",inline" protobuf:"bytes,2,opt,name=volumeSource"`.
 * Their proto field (volumeSource) has no JSON name: its fields belong to the parent object.
 * The tags survive in the binary (reflection needs them), so we read them rather than keep
 * a hand-made list. In Go's type data a tag directly follows its field's name and a 1-2 byte
 * length; a tag without `name=` (EphemeralContainer's `bytes,1,req`) means gogo named the
 * proto field after the Go field, lower-camel-cased.
 */
const INLINE_TAG = /([A-Z]\w*)[\x00-\xff]{1,2}json:"[^"]*,inline[^"]*" protobuf:"bytes,(\d+),[a-z]+(?:,name=(\w+))?"/g;

/** `number:protoName` of every inline field tag in the binary. */
function inlineTags(bin) {
  const tags = new Set();
  for (const [, goName, number, name] of bin.toString('latin1').matchAll(INLINE_TAG)) {
    tags.add(`${number}:${name ?? goName[0].toLowerCase() + goName.slice(1)}`);
  }
  return tags;
}

const isInline = (field, tags) => field.type === TYPE_MESSAGE && tags.has(`${field.number}:${field.name}`);

/** Thrown for bytes that are not a well-formed message (most gzip hits are not descriptors). */
class MalformedProtobuf extends Error {}

/** Splits a message into [fieldNumber, wireType, value] triples; value is a number or a Buffer. */
function* readFields(buf) {
  let pos = 0;
  const varint = () => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new MalformedProtobuf('truncated varint');
      const b = buf[pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield [number, wire, varint()];
    else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new MalformedProtobuf('truncated field');
      yield [number, wire, buf.subarray(pos, pos + len)];
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new MalformedProtobuf(`unsupported wire type ${wire}`);
  }
}

function parseField(buf) {
  const f = { repeated: false };
  for (const [n, , v] of readFields(buf)) {
    if (n === 1) f.name = v.toString('utf8');
    else if (n === 3) f.number = v;
    else if (n === 4) f.repeated = v === LABEL_REPEATED;
    else if (n === 5) f.type = v;
    else if (n === 6) f.typeName = v.toString('utf8').replace(/^\./, '');
    else if (n === 10) f.jsonName = v.toString('utf8');
  }
  return f;
}

function parseMessage(buf, prefix, out, tags) {
  const msg = { name: '', fields: [], mapEntry: false, nested: [] };
  for (const [n, , v] of readFields(buf)) {
    if (n === 1) msg.name = v.toString('utf8');
    else if (n === 2) msg.fields.push(parseField(v));
    else if (n === 3) msg.nested.push(v);
    else if (n === 7) {
      for (const [on, , ov] of readFields(v)) if (on === 7) msg.mapEntry = ov === 1;
    }
  }
  const fullName = `${prefix}.${msg.name}`;
  const fields = {};
  for (const f of [...msg.fields].sort((a, b) => a.number - b.number)) {
    const type = f.type === TYPE_MESSAGE ? f.typeName : TYPE_NAMES[f.type];
    if (!type) throw new Error(`${fullName}.${f.name}: unknown field type ${f.type}`);
    // Kubernetes' proto field names are its JSON names (the generator copies the json tag).
    const flags = (f.repeated ? FLAG_REPEATED : 0) | (isInline(f, tags) ? FLAG_INLINE : 0);
    fields[f.number] = flags ? [f.name, type, flags] : [f.name, type];
  }
  out[fullName] = msg.mapEntry ? { fields, mapEntry: true } : { fields };
  for (const nested of msg.nested) parseMessage(nested, fullName, out, tags);
}

function parseFile(buf) {
  const file = { name: '', package: '', messages: [] };
  for (const [n, , v] of readFields(buf)) {
    if (n === 1) file.name = v.toString('utf8');
    else if (n === 2) file.package = v.toString('utf8');
    else if (n === 4) file.messages.push(v);
  }
  return file;
}

/** Every embedded k8s.io FileDescriptorProto, by file name. */
function scanBinary(bin) {
  const files = new Map();
  for (let i = bin.indexOf(GZIP_HEADER); i >= 0; i = bin.indexOf(GZIP_HEADER, i + 1)) {
    if (bin[i + GZIP_FLAGS_OFFSET] !== 0) continue;
    let raw;
    try {
      // Raw inflate of the deflate stream, not gunzip: descriptors sit back to back in the
      // binary and gunzip would run on into the next gzip member, corrupting the tail.
      const deflate = bin.subarray(i + GZIP_HEADER_LENGTH, i + GZIP_WINDOW);
      raw = inflateRawSync(deflate, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      continue; // not a real gzip stream, just the same three bytes
    }
    let file;
    try {
      file = parseFile(raw);
    } catch (error) {
      if (error instanceof MalformedProtobuf) continue; // gzip data that is not a descriptor
      throw error;
    }
    if (file.name.startsWith('k8s.io/') && !files.has(file.name)) files.set(file.name, file);
  }
  return files;
}

function kubectlVersion(path) {
  try {
    const out = execFileSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    return `kubectl ${JSON.parse(out).clientVersion.gitVersion}`;
  } catch {
    return 'kubectl (unknown version)';
  }
}

function main() {
  const kubectl = resolve(process.argv[2] ?? DEFAULT_KUBECTL);
  const bin = readFileSync(kubectl);
  const files = scanBinary(bin);
  const tags = inlineTags(bin);
  const messages = {};
  for (const name of WANTED_FILES) {
    const file = files.get(name);
    if (!file) throw new Error(`${name} not found in ${kubectl}`);
    for (const m of file.messages) parseMessage(m, file.package, messages, tags);
  }
  // Every referenced message must be present, or decoding would hit a hole at runtime.
  for (const [name, { fields }] of Object.entries(messages)) {
    for (const [, type] of Object.values(fields)) {
      if (type.includes('.') && !messages[type]) throw new Error(`${name} references missing ${type}`);
    }
  }
  const sorted = {
    $source: kubectlVersion(kubectl),
    $format: 'fields: { number: [jsonName, scalarType | fully.qualified.MessageName, flags?] }; flags: 1 repeated, 2 inline (embedded struct)',
  };
  for (const key of Object.keys(messages).sort()) sorted[key] = messages[key];
  // One message per line: small, yet diffs stay readable when kubectl is upgraded.
  const body = Object.entries(sorted)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(',\n');
  writeFileSync(OUTPUT, `{\n${body}\n}\n`);
  console.log(`wrote ${Object.keys(messages).length} messages from ${files.size} k8s.io files to ${OUTPUT}`);
}

main();
