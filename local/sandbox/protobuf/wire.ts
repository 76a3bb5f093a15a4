/**
 * The protobuf wire format, reading side: just enough to walk Kubernetes messages.
 * Every malformed input becomes a ProtobufDecodeError so callers answer 400, not 500.
 */
import { ProtobufDecodeError } from './errors.ts';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

const FIXED64_BYTES = 8;
const FIXED32_BYTES = 4;
const MAX_VARINT_BYTES = 10;
/** Varints up to 7 bytes (49 bits) fit a JS number exactly; longer ones go through BigInt. */
const SAFE_VARINT_BYTES = 7;
const BITS_PER_VARINT_BYTE = 7;

/** One field as found on the wire; `value` is the varint or the raw bytes of the payload. */
export type WireField = { number: number; wire: typeof WIRE_VARINT; value: bigint } | { number: number; wire: typeof WIRE_LENGTH | typeof WIRE_FIXED64 | typeof WIRE_FIXED32; value: Uint8Array };

/** Reads the varint at `pos`; returns it as an unsigned 64-bit BigInt and the next offset. */
export function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let small = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (pos + i >= buf.length) throw new ProtobufDecodeError('truncated message (varint runs past the end)');
    const byte = buf[pos + i]!;
    if (i < SAFE_VARINT_BYTES) small += (byte & 0x7f) * scale;
    scale *= 2 ** BITS_PER_VARINT_BYTE;
    if (byte < 0x80) {
      if (i < SAFE_VARINT_BYTES) return [BigInt(small), pos + i + 1];
      let big = 0n;
      for (let j = i; j >= 0; j--) big = (big << BigInt(BITS_PER_VARINT_BYTE)) | BigInt(buf[pos + j]! & 0x7f);
      return [BigInt.asUintN(64, big), pos + i + 1];
    }
  }
  throw new ProtobufDecodeError('malformed varint (longer than 10 bytes)');
}

/** All fields of one message, in wire order (repeated fields appear once per element). */
export function* readFields(buf: Uint8Array): Generator<WireField> {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (number === 0) throw new ProtobufDecodeError('malformed message (field number 0)');
    if (wire === WIRE_VARINT) {
      const [value, next] = readVarint(buf, pos);
      pos = next;
      yield { number, wire, value };
      continue;
    }
    let length: number;
    if (wire === WIRE_LENGTH) {
      const [len, next] = readVarint(buf, pos);
      pos = next;
      length = Number(len);
    } else if (wire === WIRE_FIXED64) length = FIXED64_BYTES;
    else if (wire === WIRE_FIXED32) length = FIXED32_BYTES;
    else throw new ProtobufDecodeError(`unsupported wire type ${wire} for field ${number}`);
    if (pos + length > buf.length) throw new ProtobufDecodeError(`truncated message (field ${number} runs past the end)`);
    yield { number, wire, value: buf.subarray(pos, pos + length) };
    pos += length;
  }
}
