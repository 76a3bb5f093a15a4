/**
 * The Step Functions service's execution store on disk, without a service: records and
 * histories read back as they were written (dates as dates), a last line cut short by a crash
 * ignored and cut off (so the next append starts a line of its own), owner-only files, closed
 * executions removed after the retention, and nothing written once the store is closed.
 */
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DiskExecutionStore, type ExecutionRecord, type HistoryEvent } from '../../../../local/aws/sfn/index.ts';
import { temporaryDirectory } from '../secrets/helpers.ts';

const MACHINE = 'arn:aws:states:eu-west-1:000000000000:stateMachine:Conveyor-deployment';
const STARTED = new Date('2026-03-01T12:00:00.000Z');
const DAY_MS = 86_400_000;
const RETENTION_DAYS = 90;
const PERMISSION_BITS = 0o777;

let dir: { path: string; remove(): void };

beforeEach(() => {
  dir = temporaryDirectory('conveyor-executions-');
});

afterEach(() => {
  dir.remove();
});

function record(name: string, extra: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${name}`,
    stateMachineArn: MACHINE,
    name,
    status: 'RUNNING',
    input: '{"deploymentId":"d1"}',
    startDate: STARTED,
    stateTransitions: 0,
    ...extra,
  };
}

function event(id: number, type: HistoryEvent['type']): HistoryEvent {
  return { id, previousEventId: id - 1, type, timestamp: new Date(STARTED.getTime() + id) };
}

const executionFiles = () => readdirSync(join(dir.path, 'executions')).map((name) => join(dir.path, 'executions', name));

it('reads back what it wrote, closed and running executions alike', () => {
  // Prepare
  const store = new DiskExecutionStore(dir.path);
  const done = record('done');
  store.put(done);
  store.appendEvent(done.executionArn, event(1, 'ExecutionStarted'));
  store.put({ ...done, stateTransitions: 1 });
  store.appendEvent(done.executionArn, event(2, 'ExecutionSucceeded'));
  store.put({ ...done, stateTransitions: 1, status: 'SUCCEEDED', output: '{"ok":true}', stopDate: new Date(STARTED.getTime() + DAY_MS) });
  const running = record('running');
  store.put(running);
  store.appendEvent(running.executionArn, event(1, 'ExecutionStarted'));

  // Act: two days later, well within the retention.
  const reopened = new DiskExecutionStore(dir.path, { now: () => STARTED.getTime() + 2 * DAY_MS });

  // Assess
  expect(reopened.all().map((r) => r.name)).toEqual(['done', 'running']);
  expect(reopened.get(done.executionArn)).toEqual({ ...done, stateTransitions: 1, status: 'SUCCEEDED', output: '{"ok":true}', stopDate: new Date(STARTED.getTime() + DAY_MS) });
  expect(reopened.events(done.executionArn)).toEqual([event(1, 'ExecutionStarted'), event(2, 'ExecutionSucceeded')]);
  expect(reopened.events(running.executionArn)).toEqual([event(1, 'ExecutionStarted')]);
  expect(reopened.list(MACHINE)).toHaveLength(2);
});

it('appends only what changed: a transition does not repeat the input', () => {
  // Prepare
  const store = new DiskExecutionStore(dir.path);
  const big = record('big', { input: JSON.stringify({ padding: 'x'.repeat(10_000) }) });
  store.put(big);

  // Act
  for (let n = 1; n <= 10; n++) store.put({ ...big, stateTransitions: n });

  // Assess
  const [file] = executionFiles();
  expect(statSync(file!).size).toBeLessThan(big.input.length + 1_000);
  expect(new DiskExecutionStore(dir.path).get(big.executionArn)!.stateTransitions).toBe(10);
});

it('ignores a last line cut short by a crash and cuts it off, so later lines stay whole', () => {
  // Prepare
  const store = new DiskExecutionStore(dir.path);
  const running = record('torn');
  store.put(running);
  store.appendEvent(running.executionArn, event(1, 'ExecutionStarted'));
  const [file] = executionFiles();
  appendFileSync(file!, '{"event":{"id":2,"ty');

  // Act
  const reopened = new DiskExecutionStore(dir.path);
  reopened.appendEvent(running.executionArn, event(2, 'ExecutionFailed'));
  const again = new DiskExecutionStore(dir.path);

  // Assess
  expect(again.events(running.executionArn).map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionFailed']);
  expect(readFileSync(file!, 'utf8').endsWith('\n')).toBe(true);
});

it('keeps its files to their owner', () => {
  // Act
  new DiskExecutionStore(dir.path).put(record('private'));

  // Assess
  expect(statSync(join(dir.path, 'executions')).mode & PERMISSION_BITS).toBe(0o700);
  expect(statSync(executionFiles()[0]!).mode & PERMISSION_BITS).toBe(0o600);
});

it('removes executions closed longer ago than the retention, and no running one', () => {
  // Prepare
  const store = new DiskExecutionStore(dir.path);
  const later = (days: number) => new Date(STARTED.getTime() + days * DAY_MS);
  store.put(record('old', { status: 'SUCCEEDED', stopDate: STARTED }));
  store.put(record('recent', { status: 'FAILED', startDate: later(1), stopDate: later(2) }));
  store.put(record('still-running', { startDate: later(3) }));
  const now = () => STARTED.getTime() + (RETENTION_DAYS + 1) * DAY_MS;

  // Act
  const reopened = new DiskExecutionStore(dir.path, { now });

  // Assess
  expect(reopened.all().map((r) => r.name)).toEqual(['recent', 'still-running']);
  expect(executionFiles()).toHaveLength(2);
});

it('writes nothing once closed', () => {
  // Prepare
  const store = new DiskExecutionStore(dir.path);
  const running = record('closing');
  store.put(running);
  store.close();

  // Act
  store.put({ ...running, status: 'SUCCEEDED' });
  store.appendEvent(running.executionArn, event(1, 'ExecutionSucceeded'));

  // Assess
  const reopened = new DiskExecutionStore(dir.path);
  expect(reopened.get(running.executionArn)!.status).toBe('RUNNING');
  expect(reopened.events(running.executionArn)).toEqual([]);
});
