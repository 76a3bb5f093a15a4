import { describe, expect, it } from 'vitest';
import type { Manifest } from '#domain/model.ts';
import { MAX_PROBE_MESSAGE, probeFailureOf } from '#domain/rollout/probes.ts';

const event = (fields: Record<string, unknown>): Manifest => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'e', namespace: 'shop' },
  involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' },
  type: 'Warning',
  reason: 'Unhealthy',
  ...fields,
});

describe('probeFailureOf', () => {
  it('picks the newest Unhealthy warning and names its container', () => {
    const events = [
      event({ message: 'Readiness probe failed: new', series: { lastObservedTime: '2026-01-01T10:05:00.000000Z' }, lastTimestamp: '2026-01-01T10:00:00Z' }),
      event({ message: 'Readiness probe failed: old', lastTimestamp: '2026-01-01T10:01:00Z' }),
      event({ type: 'Normal', reason: 'Pulled', message: 'Successfully pulled', lastTimestamp: '2026-01-01T10:09:00Z' }),
    ];
    expect(probeFailureOf(events)).toEqual({ container: 'web', message: 'Readiness probe failed: new' });
  });

  it('puts a long, multi-line probe output on one line of bounded length', () => {
    const failure = probeFailureOf([event({ message: `Readiness probe failed: <html>\n  ${'x'.repeat(1000)}`, involvedObject: { kind: 'Pod', name: 'web-1' } })]);
    expect(failure?.container).toBeUndefined();
    expect(failure?.message).toHaveLength(MAX_PROBE_MESSAGE);
    expect(failure?.message).toMatch(/^Readiness probe failed: <html> x+…$/);
  });

  it('finds nothing without an Unhealthy warning', () => {
    expect(probeFailureOf([event({ type: 'Normal', reason: 'Started', message: 'Started container web' })])).toBeUndefined();
    expect(probeFailureOf([])).toBeUndefined();
  });
});
