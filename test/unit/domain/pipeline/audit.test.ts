/**
 * The audit chain's pure functions: canonical form, sealing, and verification that names the
 * first bad event for each kind of tampering (edited, removed, inserted, reordered), with and
 * without recomputed hashes, and against the chain head.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashEvent, sanitizeDetails, sealEvent, verifyChain } from '#domain/pipeline/audit.ts';
import type { AuditEvent, AuditHead } from '#domain/pipeline/model.ts';

const START = Date.parse('2026-01-31T12:00:00.000Z');
const ACTOR = 'arn:aws:iam::123456789012:user/alice';

/** A chain of `count` events, one second apart. */
function chain(count: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let i = 0; i < count; i++) {
    const head = events.at(-1);
    const entry = { actorArn: ACTOR, action: 'release.create', subject: `project/p${i % 3}`, requestId: `req-${i}`, details: { number: i + 1, tags: ['a', 'b'] } };
    events.push(sealEvent(head && { sequence: head.sequence, hash: head.hash, time: head.time }, entry, `id-${i + 1}`, new Date(START + i * 1_000)));
  }
  return events;
}

const headOf = (events: AuditEvent[]): AuditHead => {
  const last = events.at(-1)!;
  return { sequence: last.sequence, hash: last.hash, time: last.time };
};

/** Recomputes the hash of `event` after a change, as a careful forger would. */
const rehash = (event: AuditEvent): AuditEvent => ({ ...event, hash: hashEvent(event.previousHash, event) });

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined fields', () => {
    // Prepare
    const a = { b: 1, a: { d: [1, { z: true, y: null }], c: 'x' }, u: undefined };
    const b = { a: { c: 'x', d: [1, { y: null, z: true }] }, b: 1 };

    // Act
    const text = canonicalJson(a);

    // Assess
    expect(text).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
    expect(canonicalJson(b)).toBe(text);
  });

  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
  });
});

describe('sealEvent', () => {
  it('links the first event to the genesis hash and numbers from 1', () => {
    const [first] = chain(1);
    expect(first.sequence).toBe(1);
    expect(first.previousHash).toBe(GENESIS_HASH);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never dates an event before the one it follows (a skewed clock)', () => {
    // Prepare
    const [first] = chain(1);

    // Act
    const next = sealEvent(headOf([first]), { actorArn: ACTOR, action: 'x', subject: 's', requestId: 'r', details: {} }, 'id-2', new Date(START - 60_000));

    // Assess
    expect(next.time).toBe(first.time);
  });

  it('keeps secret values out of details: credential shapes and values under secret-looking keys', () => {
    // Act
    const details = sanitizeDetails({
      password: 'hunter2-hunter2',
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t-AbCdEf',
      nested: { header: 'Authorization: Bearer abc.def.ghi', list: [{ clientSecret: 's3cr3t' }] },
      count: 3,
    });

    // Assess
    expect(details).toEqual({
      password: '***',
      tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:t-AbCdEf',
      nested: { header: 'Authorization: Bearer ***', list: [{ clientSecret: '***' }] },
      count: 3,
    });
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain, with its head', () => {
    const events = chain(10);
    expect(verifyChain(events, { head: headOf(events) })).toEqual({ ok: true, count: 10, head: headOf(events) });
  });

  it('accepts the empty chain', () => {
    expect(verifyChain([])).toMatchObject({ ok: true, count: 0 });
  });

  it('verifies a suffix from an anchor', () => {
    const events = chain(10);
    expect(verifyChain(events.slice(5), { anchor: { sequence: 5, hash: events[4].hash }, head: headOf(events) })).toMatchObject({ ok: true, count: 5 });
  });

  it.each([
    ['edited content', (e: AuditEvent[]) => e.with(4, { ...e[4], details: { number: 99 } }), 'edited', 5, /does not match its hash/],
    ['edited content with the hash recomputed', (e: AuditEvent[]) => e.with(4, rehash({ ...e[4], actorArn: 'arn:aws:iam::123456789012:user/mallory' })), 'edited', 5, /hash recomputed/],
    ['an event removed from the middle', (e: AuditEvent[]) => e.toSpliced(4, 1), 'removed', 5, /is missing \(events 5\)/],
    ['three events removed from the middle', (e: AuditEvent[]) => e.toSpliced(3, 3), 'removed', 4, /events 4 to 6/],
    ['the first event removed', (e: AuditEvent[]) => e.slice(1), 'removed', 1, /start of the chain/],
    ['the last event removed', (e: AuditEvent[]) => e.slice(0, -1), 'removed', 10, /chain head is at event 10/],
    ['two events swapped', (e: AuditEvent[]) => e.with(4, e[5]).with(5, e[4]), 'reordered', 6, /stored before event 5/],
    ['an event moved to the end', (e: AuditEvent[]) => [...e.toSpliced(2, 1), e[2]], 'reordered', 4, /stored before event 3/],
  ])('finds %s', (_name, tamper, problem, sequence, message) => {
    // Prepare
    const events = chain(10);
    const head = headOf(events);

    // Act
    const result = verifyChain(tamper(events), { head });

    // Assess
    expect(result).toMatchObject({ ok: false, problem, sequence });
    expect(result.ok || result.message).toMatch(message);
  });

  it('finds an event inserted in the middle and linked to its predecessor', () => {
    // Prepare: a forged event after event 5, with a valid hash and the next sequence number.
    const events = chain(10);
    const forged = sealEvent(headOf(events.slice(0, 5)), { actorArn: ACTOR, action: 'target.delete', subject: 'target/prod', requestId: 'forged', details: {} }, 'forged', new Date(START + 4_500));

    // Act
    const result = verifyChain(events.toSpliced(5, 0, forged), { head: headOf(events) });

    // Assess
    expect(result).toMatchObject({ ok: false, problem: 'inserted', sequence: 6, eventId: 'forged' });
  });

  it('finds an event appended past the head', () => {
    // Prepare
    const events = chain(10);
    const extra = sealEvent(headOf(events), { actorArn: ACTOR, action: 'x', subject: 's', requestId: 'r', details: {} }, 'extra', new Date(START + 20_000));

    // Act
    const result = verifyChain([...events, extra], { head: headOf(events) });

    // Assess
    expect(result).toMatchObject({ ok: false, problem: 'inserted', sequence: 11, eventId: 'extra' });
  });

  it('finds the last event rewritten with a recomputed hash (the head disagrees)', () => {
    const events = chain(10);
    const result = verifyChain(events.with(9, rehash({ ...events[9], details: {} })), { head: headOf(events) });
    expect(result).toMatchObject({ ok: false, problem: 'edited', sequence: 10 });
  });

  it('finds renumbered events whose hashes were recomputed', () => {
    // Prepare: event 5 removed, later events renumbered and rehashed one by one along the chain.
    const events = chain(10);
    const renumbered: AuditEvent[] = events.slice(0, 4);
    for (const event of events.slice(5)) {
      const prev = renumbered.at(-1)!;
      const moved = { ...event, sequence: prev.sequence + 1, previousHash: prev.hash };
      renumbered.push(rehash(moved));
    }

    // Act: without the head only the chain itself speaks, and it is consistent; the head tells.
    const alone = verifyChain(renumbered);
    const withHead = verifyChain(renumbered, { head: headOf(events) });

    // Assess
    expect(alone.ok).toBe(true);
    expect(withHead).toMatchObject({ ok: false, problem: 'removed', sequence: 10 });
  });
});
