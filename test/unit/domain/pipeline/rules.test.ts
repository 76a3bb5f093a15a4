/** Lifecycle progression, channel rules and authorization: pure rules of the pipeline. */
import { describe, expect, it } from 'vitest';
import { decide } from '#domain/pipeline/authorization.ts';
import { channelAccepts, channelProblems, latestAccepted } from '#domain/pipeline/channels.ts';
import { ID_PATTERN, newId } from '#domain/pipeline/ids.ts';
import { lifecycleProgress, mayDeploy } from '#domain/pipeline/lifecycle.ts';
import type { Channel, Lifecycle, RoleBinding } from '#domain/pipeline/model.ts';

const lifecycle: Lifecycle = {
  id: 'standard',
  name: 'Standard',
  version: 1,
  phases: [
    { name: 'Dev', environments: ['dev'], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 },
    { name: 'Test', environments: ['test-a', 'test-b'], entry: 'manual', minimumEnvironmentsBeforePromotion: 1 },
    { name: 'Production', environments: ['prod'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 },
  ],
};

describe('lifecycle', () => {
  it('opens phases in order as earlier ones complete', () => {
    expect(lifecycleProgress(lifecycle, new Set()).map((p) => [p.open, p.complete])).toEqual([
      [true, false],
      [false, false],
      [false, false],
    ]);
    expect(lifecycleProgress(lifecycle, new Set(['dev', 'test-b'])).map((p) => [p.open, p.complete])).toEqual([
      [true, true],
      [true, true],
      [true, false],
    ]);
  });

  it('refuses a promotion past an incomplete phase, saying which and how far', () => {
    // Act
    const decision = mayDeploy(lifecycle, new Set(['dev']), 'prod');

    // Assess
    expect(decision).toEqual({
      allowed: false,
      reason: 'environment prod is in phase 3 (Production) of lifecycle standard, which opens once phase 2 (Test) is complete: 0 of the 1 successful deployments it needs (test-a, test-b)',
    });
    expect(mayDeploy(lifecycle, new Set(['dev']), 'test-a')).toEqual({ allowed: true, phaseIndex: 1 });
    expect(mayDeploy(lifecycle, new Set(), 'staging')).toMatchObject({ allowed: false, reason: expect.stringContaining('environment staging is in no phase') });
  });
});

describe('channels', () => {
  const channel: Channel = {
    name: 'stable',
    rules: [
      { repository: 'registry/web', versionRange: '>=2.0.0 <3.0.0' },
      { repository: 'registry/worker', tagPattern: 'main-[0-9a-f]{7}' },
    ],
  };

  it('accepts tags by semver range, by pattern, and any tag for a repository without a rule', () => {
    expect(channelAccepts(channel, 'registry/web', '2.4.1')).toBe(true);
    expect(channelAccepts(channel, 'registry/web', 'v2.4.1')).toBe(true);
    expect(channelAccepts(channel, 'registry/web', '3.0.0')).toBe(false);
    expect(channelAccepts(channel, 'registry/web', '2.5.0-rc.1')).toBe(false);
    expect(channelAccepts(channel, 'registry/web', 'latest')).toBe(false);
    expect(channelAccepts(channel, 'registry/worker', 'main-abc1234')).toBe(true);
    expect(channelAccepts(channel, 'registry/worker', 'xmain-abc1234')).toBe(false);
    expect(channelAccepts(channel, 'registry/other', 'anything')).toBe(true);
  });

  it('picks the highest accepted version, or the latest push without a range', () => {
    const tags = [
      { tag: '2.1.0', pushedAt: '2026-01-03T00:00:00.000Z' },
      { tag: '2.10.0', pushedAt: '2026-01-01T00:00:00.000Z' },
      { tag: '3.0.0', pushedAt: '2026-01-05T00:00:00.000Z' },
    ];
    expect(latestAccepted(channel, 'registry/web', tags)?.tag).toBe('2.10.0');
    expect(latestAccepted(channel, 'registry/other', tags)?.tag).toBe('3.0.0');
    expect(latestAccepted(channel, 'registry/worker', tags)).toBeUndefined();
  });

  it('names bad rules', () => {
    const bad: Channel = { name: 'x', rules: [{ repository: 'r', versionRange: 'not a range' }, { repository: 's', tagPattern: '(' }, { repository: 'r' }] };
    expect(channelProblems(bad)).toEqual([
      'channel x rule 1 (r): versionRange is not a semver range',
      'channel x rule 2 (s): tagPattern is not a regular expression',
      'channel x rule 3 (r): a second rule for the same repository',
    ]);
  });
});

describe('authorization', () => {
  const binding = (roles: RoleBinding['roles']): RoleBinding => ({ principalArn: 'arn:aws:iam::1:role/x', version: 1, roles });

  it('scopes Deployer and Approver grants to their environments', () => {
    expect(decide(binding([{ role: 'Deployer', environments: ['dev'] }]), 'deploy', 'dev')).toEqual({ allowed: true, role: 'Deployer' });
    expect(decide(binding([{ role: 'Deployer', environments: ['dev'] }]), 'deploy', 'prod')).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('deploy in environment prod needs one of Admin, ReleaseManager, Deployer'),
    });
    expect(decide(binding([{ role: 'Approver' }]), 'approve', 'prod')).toMatchObject({ allowed: true });
  });

  it('lets an Auditor read and audit but not deploy, and a principal without a binding nothing', () => {
    const auditor = binding([{ role: 'Auditor' }]);
    expect(decide(auditor, 'audit').allowed).toBe(true);
    expect(decide(auditor, 'read').allowed).toBe(true);
    expect(decide(auditor, 'deploy', 'dev').allowed).toBe(false);
    expect(decide(undefined, 'read')).toMatchObject({ allowed: false, reason: expect.stringContaining('it has no role') });
  });
});

describe('ids', () => {
  it('are time-ordered ULIDs', () => {
    const a = newId(new Date('2026-01-01T00:00:00Z'));
    const b = newId(new Date('2026-01-01T00:00:01Z'));
    expect(a).toMatch(ID_PATTERN);
    expect(a < b).toBe(true);
  });
});
