/** Go's text forms of metav1.Time, MicroTime and time.Duration (used for metav1.Duration). */
import { describe, expect, it } from 'vitest';
import { formatGoDuration, formatMicroTime, formatTime } from '../../../../local/sandbox/protobuf/time-format.ts';

const SECOND = 1_000_000_000n;

describe('formatTime / formatMicroTime', () => {
  it('renders RFC 3339 in UTC, dropping or padding fractions like Go', () => {
    expect(formatTime(1767225600)).toBe('2026-01-01T00:00:00Z');
    expect(formatMicroTime(1767225600, 1_000)).toBe('2026-01-01T00:00:00.000001Z');
    expect(formatMicroTime(1767225600, 123_456_789)).toBe('2026-01-01T00:00:00.123456Z');
  });
});

describe('formatGoDuration', () => {
  it.each([
    [0n, '0s'],
    [5n, '5ns'],
    [1_500n, '1.5µs'],
    [300_000_000n, '300ms'],
    [1_500_000_000n, '1.5s'],
    [30n * SECOND, '30s'],
    [90n * SECOND, '1m30s'],
    [600n * SECOND, '10m0s'],
    [3600n * SECOND, '1h0m0s'],
    [3600n * SECOND + 1n, '1h0m0.000000001s'],
    [-30n * SECOND, '-30s'],
    [2n ** 63n - 1n, '2562047h47m16.854775807s'],
  ])('%s ns → %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text);
  });
});
