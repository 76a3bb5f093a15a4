/**
 * EventBridge pattern matching as the local EventBridge does it, without a service: the
 * catalog's ECR rule against the documented push event and its near misses, the semantics of
 * arrays and nested fields, the content filters, and patterns refused rather than never matched.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG } from '#functions/catalog.ts';
import { busOfRule, checkPattern, type EventPattern, InvalidPatternError, imagePushEvent, matches } from '../../../../local/aws/events/index.ts';

const PUSH = imagePushEvent({ repository: 'shop/web', tag: '1.0.0', digest: `sha256:${'1'.repeat(64)}`, account: '000000000000', region: 'eu-west-1' });
const ECR_RULE = CATALOG.eventRules.find((rule) => rule.name === 'ecr-image-push')!;

describe("the catalog's ECR rule", () => {
  it('matches a successful push, on the default bus', () => {
    // Act
    const matched = matches(ECR_RULE.pattern, PUSH);

    // Assess
    expect(matched).toBe(true);
    expect(busOfRule(ECR_RULE, 'conveyor')).toBe('default');
  });

  it('does not match a deletion, a failed push, or another source', () => {
    // Prepare
    const deletion = { ...PUSH, detail: { ...PUSH.detail, 'action-type': 'DELETE' } };
    const failed = { ...PUSH, detail: { ...PUSH.detail, result: 'FAILURE' } };
    const other = { ...PUSH, source: 'conveyor' };

    // Act
    const answers = [deletion, failed, other].map((event) => matches(ECR_RULE.pattern, event));

    // Assess
    expect(answers).toEqual([false, false, false]);
  });
});

describe('pattern semantics', () => {
  const pattern: EventPattern = { source: ['conveyor'], detail: { state: ['Failed', 'Errored'], tags: ['web'] } };

  it.each([
    ['one of the alternatives', { source: 'conveyor', detail: { state: 'Errored', tags: 'web' } }, true],
    ['an array value with a matching element', { source: 'conveyor', detail: { state: 'Failed', tags: ['api', 'web'] } }, true],
    ['another value', { source: 'conveyor', detail: { state: 'Succeeded', tags: 'web' } }, false],
    ['a missing nested field', { source: 'conveyor', detail: { state: 'Failed' } }, false],
    ['a missing object', { source: 'conveyor' }, false],
  ])('%s', (_what, event, expected) => {
    // Act
    const matched = matches(pattern, event);

    // Assess
    expect(matched).toBe(expected);
  });

  it.each([
    [{ name: [{ prefix: 'web-' }] }, { name: 'web-1' }, true],
    [{ name: [{ suffix: '-1' }] }, { name: 'api-2' }, false],
    [{ name: [{ 'anything-but': ['api'] }] }, { name: 'web' }, true],
    [{ name: [{ 'anything-but': { prefix: 'we' } }] }, { name: 'web' }, false],
    [{ name: [{ exists: false }] }, {}, true],
    [{ name: [{ exists: true }] }, {}, false],
    [{ name: [{ 'equals-ignore-case': 'WEB' }] }, { name: 'web' }, true],
  ])('filter %j on %j: %s', (filter, event, expected) => {
    // Act
    const matched = matches(filter, event);

    // Assess
    expect(matched).toBe(expected);
  });

  it('refuses what it would not match as EventBridge does', () => {
    // Act
    const refusals = [{ size: [{ numeric: ['>', 0] }] }, { source: 'conveyor' }, {}].map((bad) => {
      try {
        checkPattern(bad);
        return undefined;
      } catch (error) {
        return error;
      }
    });

    // Assess
    expect(refusals.every((error) => error instanceof InvalidPatternError)).toBe(true);
    expect(() => checkPattern(ECR_RULE.pattern)).not.toThrow();
  });
});
