/** The releaseId state machines carry (`<projectId>/<releaseNumber>`) and the lifecycle execution name. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/pipeline/errors.ts';
import { lifecycleExecutionName, parseReleaseId, releaseIdOf, releaseSubject } from '#functions/app/release-ids.ts';

describe('release ids', () => {
  it('encodes and parses a release as project and number', () => {
    // Act
    const id = releaseIdOf({ projectId: 'web-shop', number: 42 });

    // Assess
    expect(id).toBe('web-shop/42');
    expect(parseReleaseId(id)).toEqual({ projectId: 'web-shop', number: 42 });
    expect(lifecycleExecutionName({ projectId: 'web-shop', number: 42 })).toBe('web-shop-42');
    expect(releaseSubject({ projectId: 'web-shop', number: 42 })).toBe('release/web-shop/42');
  });

  it.each(['web', 'web/0', 'web/07', 'Web/1', 'web/1/2', '-web/1', 'web/x', `web/${'9'.repeat(11)}`])('refuses %s', (text) => {
    expect(() => parseReleaseId(text)).toThrow(ValidationError);
  });
});
