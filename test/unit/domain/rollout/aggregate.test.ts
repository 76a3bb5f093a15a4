import { describe, expect, it } from 'vitest';
import { HEALTH_ORDER, type HealthStatus, type ObjectHealth } from '#domain/model.ts';
import { aggregate, compareHealth, healthOrMissing, worstStatus } from '#domain/rollout/aggregate.ts';
import { deployment } from './fixtures.ts';

const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name });
const health = (name: string, status: HealthStatus): ObjectHealth => ({ ref: ref(name), status });

describe('worstStatus', () => {
  it('orders Healthy < Suspended < Progressing < Missing < Degraded < Unknown', () => {
    const shuffled: HealthStatus[] = ['Missing', 'Unknown', 'Healthy', 'Degraded', 'Progressing', 'Suspended'];
    expect([...shuffled].sort(compareHealth)).toEqual([...HEALTH_ORDER]);
  });

  it.each([
    [['Healthy', 'Suspended'], 'Suspended'],
    [['Suspended', 'Progressing'], 'Progressing'],
    [['Progressing', 'Missing'], 'Missing'],
    [['Missing', 'Degraded'], 'Degraded'],
    [['Degraded', 'Unknown'], 'Unknown'],
    [[], 'Healthy'],
  ] as [HealthStatus[], HealthStatus][])('worst of %j is %s', (statuses, worst) => {
    expect(worstStatus(statuses)).toBe(worst);
  });
});

describe('aggregate', () => {
  it('succeeds only when every object is Healthy', () => {
    expect(aggregate([health('a', 'Healthy'), health('b', 'Healthy')]).outcome).toBe('succeeded');
    expect(aggregate([health('a', 'Healthy'), health('b', 'Suspended')]).outcome).toBe('waiting');
  });

  it('fails as soon as one object is Degraded, naming it, even next to an Unknown', () => {
    const verdict = aggregate([health('a', 'Progressing'), health('b', 'Unknown'), health('c', 'Degraded')]);
    expect(verdict).toMatchObject({ outcome: 'failed', status: 'Unknown', culprit: { ref: ref('c') } });
  });

  it('keeps waiting on a Missing object and names it as the worst', () => {
    const verdict = aggregate([health('a', 'Progressing'), health('b', 'Missing')]);
    expect(verdict).toMatchObject({ outcome: 'waiting', status: 'Missing', culprit: { ref: ref('b') } });
  });
});

describe('healthOrMissing', () => {
  it('is Missing when an applied object is gone', () => {
    const gone = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
    expect(healthOrMissing(gone, undefined)).toEqual({ ref: gone, status: 'Missing', reason: 'Missing', message: 'Deployment/web: not found in the cluster after it was applied' });
  });

  it('applies the rules to a live object', () => {
    expect(healthOrMissing({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, deployment()).status).toBe('Healthy');
  });
});
