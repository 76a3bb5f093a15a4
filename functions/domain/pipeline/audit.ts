/**
 * The audit chain as pure functions. Each event's hash is SHA-256 over the previous event's
 * hash and the event's canonical form (keys sorted at every level), so changing, removing,
 * inserting or reordering any stored event breaks a link that `verifyChain` finds, and the
 * chain head (the store's record of the last sequence and hash) catches a removed or added tail.
 *
 * A hash chain proves integrity against the head it is checked with: whoever can rewrite every
 * later event and the head can rewrite history. Publishing the head elsewhere from time to time
 * (a log stream, an EventBridge event) turns that into evidence.
 */
import { createHash } from 'node:crypto';
import { REDACTED, Redactor } from '../redactor.ts';
import type { AuditEntry, AuditEvent, AuditHead, AuditValue } from './model.ts';

/** What the first event links to. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Detail keys whose string values are replaced by `***` unless they are ARNs: audit details
 * carry names and references, and a value under such a key is a mistake to keep out of the chain.
 */
const SECRET_KEY_PATTERN = /password|passwd|secret|token|private.?key|credential|authorization/i;
const ARN_PATTERN = /^arn:aws[a-z-]*:/;

/** JSON with object keys sorted at every level: the same data always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`audit data cannot hold the number ${value}`);
  return JSON.stringify(value ?? null);
}

/** The fields a hash covers: everything but the hash itself, with the link to the previous event. */
function hashedFields(previousHash: string, event: Omit<AuditEvent, 'hash' | 'previousHash'>): Record<string, unknown> {
  const { sequence, id, time, actorArn, action, subject, requestId, details } = event;
  return { sequence, id, time, actorArn, action, subject, requestId, details, previousHash };
}

/** SHA-256 (hex) of the previous event's hash and this event's canonical form. */
export function hashEvent(previousHash: string, event: Omit<AuditEvent, 'hash' | 'previousHash'>): string {
  return createHash('sha256')
    .update(canonicalJson(hashedFields(previousHash, event)))
    .digest('hex');
}

/** Details with credential shapes and values under secret-looking keys replaced by `***`. */
export function sanitizeDetails(details: AuditEntry['details']): AuditEntry['details'] {
  const clean = (value: AuditValue, key?: string): AuditValue => {
    if (typeof value === 'string') return key && SECRET_KEY_PATTERN.test(key) && !ARN_PATTERN.test(value) ? REDACTED : value;
    if (Array.isArray(value)) return value.map((item) => clean(item, key));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, clean(item, k)]));
    return value;
  };
  return clean(new Redactor().deep(details)) as AuditEntry['details'];
}

/**
 * The event that follows `head` (the empty chain when absent): next sequence, time never
 * earlier than the previous event's (so time order and chain order agree), sanitized details.
 */
export function sealEvent(head: AuditHead | undefined, entry: AuditEntry, id: string, now: Date): AuditEvent {
  const previousHash = head?.hash ?? GENESIS_HASH;
  const nowText = now.toISOString();
  const time = head && head.time > nowText ? head.time : nowText;
  const event = { ...entry, details: sanitizeDetails(entry.details), sequence: (head?.sequence ?? 0) + 1, id, time };
  return { ...event, previousHash, hash: hashEvent(previousHash, event) };
}

export type ChainProblem = 'edited' | 'removed' | 'inserted' | 'reordered';

export type ChainVerification =
  | { ok: true; count: number; head?: AuditHead }
  | {
      ok: false;
      problem: ChainProblem;
      /** Sequence of the first bad event (for `removed`: of the first missing one). */
      sequence: number;
      /** Id of the first bad event, when it is stored. */
      eventId?: string;
      message: string;
    };

/** Where verification starts: the link before the first event given, or the empty chain. */
export type ChainAnchor = { sequence: number; hash: string };

function failure(problem: ChainProblem, sequence: number, message: string, event?: AuditEvent): ChainVerification {
  return { ok: false, problem, sequence, eventId: event?.id, message: `audit event ${sequence}${event ? ` (${event.id})` : ''} ${message}` };
}

/**
 * Why `event` does not link to the event stored before it, when its own content is intact.
 * The event it was chained to tells: stored after it (reordered), stored further back (the
 * events in between were inserted), or gone (removed, when numbers skip; else the previous
 * event was changed and its hash recomputed).
 */
function brokenLink(events: AuditEvent[], position: number, anchor: ChainAnchor): ChainVerification {
  const event = events[position];
  const prev = events[position - 1];
  const linked = events.findIndex((other) => other.hash === event.previousHash);
  if (linked > position) {
    return failure('reordered', event.sequence, `is stored before event ${events[linked].sequence}, the event it was appended after`, event);
  }
  if (linked >= 0 && linked < position - 1) {
    const inserted = events[linked + 1];
    return failure('inserted', inserted.sequence, `is not part of the chain: event ${event.sequence} was appended right after event ${events[linked].sequence}`, inserted);
  }
  const expected = (prev?.sequence ?? anchor.sequence) + 1;
  if (event.sequence > expected) {
    const range = event.sequence - 1 === expected ? `${expected}` : `${expected} to ${event.sequence - 1}`;
    return failure('removed', expected, `is missing (events ${range}): event ${event.sequence} follows ${prev ? `event ${prev.sequence}` : 'the start of the chain'}`);
  }
  if (!prev) return failure('edited', event.sequence, 'does not link to the start of the chain: its previous hash was changed', event);
  return failure('edited', prev.sequence, `was changed and its hash recomputed: event ${event.sequence} was appended after a different event ${prev.sequence}`, prev);
}

/** Compares the last stored event with the chain head: a removed or added tail shows only there. */
function checkHead(events: AuditEvent[], head: AuditHead, anchor: ChainAnchor): ChainVerification | undefined {
  const last = events.at(-1);
  const lastSequence = last?.sequence ?? anchor.sequence;
  if (lastSequence < head.sequence) {
    return failure('removed', lastSequence + 1, `is missing: the chain head is at event ${head.sequence}, the last stored event is ${lastSequence}`);
  }
  if (lastSequence > head.sequence) {
    const extra = events.find((event) => event.sequence > head.sequence)!;
    return failure('inserted', extra.sequence, `is past the chain head (event ${head.sequence}): it was not appended through the log`, extra);
  }
  if (last && last.hash !== head.hash) return failure('edited', last.sequence, 'was changed and its hash recomputed: the chain head records another hash', last);
  return undefined;
}

/**
 * Checks events in the order they are stored (by sequence). Names the first bad event and why:
 * `edited` (content does not match its hash, or a hash was recomputed), `removed` (a sequence is
 * missing), `inserted` (an event the chain does not link), `reordered` (stored out of chain order).
 * With `head`, also that the chain ends where the head says; with `anchor`, that the first event
 * links to the event before it (verifying a suffix of a long chain).
 */
export function verifyChain(events: AuditEvent[], options: { head?: AuditHead; anchor?: ChainAnchor } = {}): ChainVerification {
  const anchor = options.anchor ?? { sequence: 0, hash: GENESIS_HASH };
  for (let position = 0; position < events.length; position++) {
    const event = events[position];
    if (hashEvent(event.previousHash, event) !== event.hash) return failure('edited', event.sequence, 'does not match its hash: its content was changed', event);
    const prev = events[position - 1];
    if (event.previousHash !== (prev?.hash ?? anchor.hash)) return brokenLink(events, position, anchor);
    const expected = (prev?.sequence ?? anchor.sequence) + 1;
    if (event.sequence !== expected) {
      return failure('edited', event.sequence, `is numbered ${event.sequence} where ${expected} was expected: the events were renumbered`, event);
    }
  }
  const headProblem = options.head ? checkHead(events, options.head, anchor) : undefined;
  if (headProblem) return headProblem;
  const last = events.at(-1);
  return { ok: true, count: events.length, head: last ? { sequence: last.sequence, hash: last.hash, time: last.time } : options.head };
}
