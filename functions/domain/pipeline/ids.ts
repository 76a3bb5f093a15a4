/**
 * Identifiers for deployments and other records: time-ordered (a ULID: 48 bits of
 * milliseconds, then 80 random bits, in Crockford base32), so ids sort by creation and lists
 * ordered by id read oldest to newest without another attribute.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const BITS_PER_CHAR = 5;

export function newId(now: Date = new Date(), random: (bytes: number) => Buffer = randomBytes): string {
  let time = now.getTime();
  let text = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    text = ALPHABET[time % 32] + text;
    time = Math.floor(time / 32);
  }
  const bytes = random(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let tail = '';
  for (let i = 0; i < RANDOM_CHARS; i++) {
    tail = ALPHABET[Number(bits & 31n)] + tail;
    bits >>= BigInt(BITS_PER_CHAR);
  }
  return text + tail;
}

/** What newId makes: 26 characters of Crockford base32. */
export const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
