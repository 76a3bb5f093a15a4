import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../../local/sandbox/controllers/cron.ts';
import { cronJobName, mostRecentScheduleTime } from '../../../../local/sandbox/controllers/cronjob.ts';
import { CronSyntaxError } from '../../../../local/sandbox/controllers/errors.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('cron schedules', () => {
  it.each([
    ['*/1 * * * *', '2026-03-01T10:00:30Z', '2026-03-01T10:01:00.000Z'],
    ['*/15 * * * *', '2026-03-01T10:00:00Z', '2026-03-01T10:15:00.000Z'],
    ['0 3 * * *', '2026-03-01T10:00:00Z', '2026-03-02T03:00:00.000Z'],
    ['30 6-16/4 * * 1-5', '2026-03-06T15:00:00Z', '2026-03-09T06:30:00.000Z'],
    ['0 0 1 jan,jul *', '2026-03-01T00:00:00Z', '2026-07-01T00:00:00.000Z'],
    ['0 12 * * sun', '2026-03-01T12:00:00Z', '2026-03-08T12:00:00.000Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['5 4 * * ?', '2026-12-31T23:59:00Z', '2027-01-01T04:05:00.000Z'],
    ['@hourly', '2026-03-01T10:59:59Z', '2026-03-01T11:00:00.000Z'],
    ['@weekly', '2026-03-01T10:00:00Z', '2026-03-08T00:00:00.000Z'],
    ['@every 90s', '2026-03-01T10:00:00.500Z', '2026-03-01T10:01:30.000Z'],
  ])('%s after %s is %s', (spec, after, expected) => {
    // Prepare
    const schedule = parseSchedule(spec);
    // Act
    const next = schedule.next(at(after));
    // Assess
    expect(iso(next)).toBe(expected);
  });

  it('matches either day field when both are restricted, both when one is *', () => {
    // 1 March 2026 is a Sunday; the 13th is a Friday.
    expect(iso(parseSchedule('0 0 13 * 5').next(at('2026-03-01T00:00:00Z')))).toBe('2026-03-06T00:00:00.000Z');
    expect(iso(parseSchedule('0 0 13 * *').next(at('2026-03-01T00:00:00Z')))).toBe('2026-03-13T00:00:00.000Z');
  });

  it.each([
    ['* * * *', 'expected exactly 5 fields, found 4'],
    ['60 * * * *', 'minute 60 out of range [0, 59]'],
    ['* * * * 7', 'day of week 7 out of range [0, 6]'],
    ['*/0 * * * *', 'invalid minute step'],
    ['5-1 * * * *', 'beginning of minute range (5) beyond end of range (1)'],
    ['* * * foo *', 'failed to parse month: "foo"'],
    ['@fortnightly', 'unrecognized descriptor'],
  ])('refuses %j naming what is wrong', (spec, message) => {
    expect(() => parseSchedule(spec)).toThrow(CronSyntaxError);
    expect(() => parseSchedule(spec)).toThrow(message);
  });
});

describe('CronJob schedule bookkeeping', () => {
  const cronJob = (created: string, status: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'report', namespace: 'default', creationTimestamp: created },
    spec: { schedule: '*/5 * * * *', ...spec },
    status,
  });

  it('names Jobs after the scheduled time in minutes since the epoch', () => {
    expect(cronJobName('report', at('2026-03-01T10:05:00Z'))).toBe(`report-${at('2026-03-01T10:05:00Z') / 60_000}`);
  });

  it('finds the most recent unmet activation since creation or the last schedule', () => {
    // Prepare
    const schedule = parseSchedule('*/5 * * * *');
    // Act
    const none = mostRecentScheduleTime(cronJob('2026-03-01T10:01:00Z'), at('2026-03-01T10:04:00Z'), schedule, true);
    const one = mostRecentScheduleTime(cronJob('2026-03-01T10:01:00Z'), at('2026-03-01T10:06:00Z'), schedule, true);
    const many = mostRecentScheduleTime(cronJob('2026-03-01T10:01:00Z'), at('2026-03-01T11:02:00Z'), schedule, true);
    const since = mostRecentScheduleTime(cronJob('2026-03-01T10:01:00Z', { lastScheduleTime: '2026-03-01T10:55:00Z' }), at('2026-03-01T11:02:00Z'), schedule, true);
    // Assess
    expect(none.mostRecent).toBeUndefined();
    expect(iso(one.mostRecent)).toBe('2026-03-01T10:05:00.000Z');
    expect(iso(many.mostRecent)).toBe('2026-03-01T11:00:00.000Z');
    expect(many.missed).toBe(12);
    expect(iso(since.mostRecent)).toBe('2026-03-01T11:00:00.000Z');
  });

  it('looks no further back than startingDeadlineSeconds', () => {
    // Prepare
    const schedule = parseSchedule('*/5 * * * *');
    const cj = cronJob('2026-03-01T10:01:00Z', {}, { startingDeadlineSeconds: 60 });
    // Act
    const late = mostRecentScheduleTime(cj, at('2026-03-01T10:07:00Z'), schedule, true);
    const inTime = mostRecentScheduleTime(cj, at('2026-03-01T10:05:30Z'), schedule, true);
    // Assess
    expect(late.mostRecent).toBeUndefined();
    expect(iso(inTime.mostRecent)).toBe('2026-03-01T10:05:00.000Z');
  });
});
