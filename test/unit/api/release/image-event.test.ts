/** The ECR "ECR Image Action" event at the edge: a push, an event to ignore, or a malformed event (problems named, values never). */
import { describe, expect, it } from 'vitest';
import { readImageEvent } from '#functions/handlers/events/image-event.ts';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const event = (detail: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'ECR Image Action',
  source: 'aws.ecr',
  account: '123456789012',
  time: '2026-02-01T10:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: { result: 'SUCCESS', 'repository-name': 'team/api', 'image-digest': DIGEST, 'action-type': 'PUSH', 'image-tag': '1.0.0', ...detail },
  ...top,
});

describe('readImageEvent', () => {
  it('reads a successful push, naming the repository as projects do', () => {
    expect(readImageEvent(event())).toEqual({
      eventId: 'e-1',
      account: '123456789012',
      push: { repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api', tag: '1.0.0', digest: DIGEST, pushedAt: '2026-02-01T10:00:00.000Z' },
    });
  });

  it('ignores deletions, failures and untagged pushes', () => {
    expect(readImageEvent(event({ 'action-type': 'DELETE' }))).toMatchObject({ outcome: 'ignored' });
    expect(readImageEvent(event({ result: 'FAILURE', 'image-digest': undefined }))).toMatchObject({ outcome: 'ignored' });
    expect(readImageEvent(event({ 'image-tag': undefined }))).toMatchObject({ outcome: 'ignored', reason: 'the pushed image has no tag: channels accept tags' });
  });

  it('names every problem of a malformed event without repeating a value', () => {
    // Act
    const read = readImageEvent(event({ 'image-digest': 'sha256:short', 'repository-name': 'UPPER/Case' }, { 'detail-type': 'Something else', time: 'yesterday' }));

    // Assess
    expect(read).toMatchObject({ outcome: 'malformed' });
    const problems = 'problems' in read ? read.problems : [];
    expect(problems.map((p) => p.split(':')[0])).toEqual(['event.detail-type', 'event.time', 'event.detail.repository-name', 'event.detail.image-digest']);
    expect(problems.join('\n')).not.toMatch(/UPPER|short|yesterday/);
  });

  it('refuses a successful push without its digest', () => {
    expect(readImageEvent(event({ 'image-digest': undefined }))).toEqual({ outcome: 'malformed', problems: ['event.detail.image-digest: a successful push carries its image-digest'] });
  });

  it('refuses what is not an event at all', () => {
    expect(readImageEvent('not an event')).toMatchObject({ outcome: 'malformed' });
    expect(readImageEvent(null)).toMatchObject({ outcome: 'malformed' });
  });
});
