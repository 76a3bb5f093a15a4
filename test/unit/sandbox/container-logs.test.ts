import { describe, expect, it } from 'vitest';
import { ContainerLogs, MAX_LINES_PER_CONTAINER } from '../../../local/sandbox/controllers/container-logs.ts';
import { containerOutput } from '../../../local/sandbox/controllers/container-output.ts';
import type { ContainerStatus } from '../../../local/sandbox/controllers/pod-status.ts';

const container = { name: 'app', image: 'busybox:1.36' };

function status(state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name: 'app', state, lastState: {}, ready: false, restartCount: 0, image: 'busybox:1.36', imageID: '', started: !!state.running, ...extra };
}

describe('ContainerLogs', () => {
  it('keeps the newest lines of an instance, and the current and previous instance of a container', () => {
    // Prepare
    const logs = new ContainerLogs();

    // Act
    for (let i = 0; i < MAX_LINES_PER_CONTAINER + 5; i++) logs.write('pod-1', 'app', 'c0', { time: i, text: `line ${i}` });
    logs.write('pod-1', 'app', 'c1', { time: 1, text: 'second instance' });
    logs.write('pod-1', 'app', 'c2', { time: 2, text: 'third instance' });
    logs.write('pod-1', 'sidecar', 's0', { time: 3, text: 'sidecar' });

    // Assess
    expect(logs.instances('pod-1')).toEqual(['c1', 'c2', 's0']);
    expect(logs.read('pod-1', 'c0')).toBeUndefined();
    expect(logs.read('pod-1', 'c2')).toEqual([{ time: 2, text: 'third instance' }]);
  });

  it('bounds an instance to its newest lines', () => {
    // Prepare
    const logs = new ContainerLogs();

    // Act
    for (let i = 0; i < MAX_LINES_PER_CONTAINER + 5; i++) logs.write('pod-1', 'app', 'c0', { time: i, text: `line ${i}` });

    // Assess
    const lines = logs.read('pod-1', 'c0')!;
    expect(lines).toHaveLength(MAX_LINES_PER_CONTAINER);
    expect(lines[0]!.text).toBe('line 5');
  });

  it('gives a follower the lines so far, then new ones, until the instance ends', () => {
    // Prepare
    const logs = new ContainerLogs();
    logs.write('pod-1', 'app', 'c0', { time: 1, text: 'before' });
    const seen: string[] = [];
    let ended = 0;

    // Act
    const followed = logs.follow(
      'pod-1',
      'app',
      'c0',
      (l) => seen.push(l.text),
      () => ended++,
    );
    logs.write('pod-1', 'app', 'c0', { time: 2, text: 'after' });
    logs.end('pod-1', 'c0');
    logs.write('pod-1', 'app', 'c0', { time: 3, text: 'after the end' });

    // Assess
    expect(followed.lines.map((l) => l.text)).toEqual(['before']);
    expect(seen).toEqual(['after']);
    expect(ended).toBe(1);
    expect(
      logs.follow(
        'pod-1',
        'app',
        'c0',
        () => {},
        () => {},
      ).ended,
    ).toBe(true);
  });

  it('ends every follower of a pod that is forgotten, and stops feeding one that stopped', () => {
    // Prepare
    const logs = new ContainerLogs();
    let ended = 0;
    const seen: string[] = [];
    logs.follow(
      'pod-1',
      'app',
      'c0',
      () => {},
      () => ended++,
    );
    const stopped = logs.follow(
      'pod-1',
      'app',
      'c0',
      (l) => seen.push(l.text),
      () => ended++,
    );

    // Act
    stopped.stop();
    logs.write('pod-1', 'app', 'c0', { time: 1, text: 'unseen' });
    logs.forget('pod-1');

    // Assess
    expect(seen).toEqual([]);
    expect(ended).toBe(1);
    expect(logs.instances('pod-1')).toEqual([]);
  });
});

describe('containerOutput', () => {
  it('writes a start, then readiness, then nothing more while nothing changes', () => {
    // Prepare
    const running = status({ running: { startedAt: 't' } }, { containerID: 'c0' });
    const ready = { ...running, ready: true };

    // Act
    const started = containerOutput(container, status({ waiting: { reason: 'ContainerCreating' } }), running);
    const becameReady = containerOutput({ ...container, readinessProbe: { httpGet: { port: 80 } } }, running, ready);
    const unchanged = containerOutput(container, ready, ready);

    // Assess
    expect(started).toEqual([{ containerId: 'c0', text: 'started container app from image busybox:1.36' }]);
    expect(becameReady).toEqual([{ containerId: 'c0', text: 'readiness probe succeeded; container app is ready' }]);
    expect(unchanged).toEqual([]);
  });

  it('writes the exit of an instance that restarted within one sync, and the start of the next', () => {
    // Prepare
    const before = status({ running: { startedAt: 't' } }, { containerID: 'c0' });
    const after = status({ running: { startedAt: 't2' } }, { containerID: 'c1', restartCount: 1, lastState: { terminated: { exitCode: 3, reason: 'Error', finishedAt: 't1', containerID: 'c0' } } });

    // Act
    const lines = containerOutput(container, before, after);

    // Assess
    expect(lines).toEqual([
      { containerId: 'c0', text: 'exited with code 3 (Error)', end: true },
      { containerId: 'c1', text: 'started container app from image busybox:1.36' },
    ]);
  });

  it('writes nothing new while a crashed container waits in CrashLoopBackOff', () => {
    // Prepare
    const terminated = { exitCode: 1, reason: 'Error', finishedAt: 't', containerID: 'c1' };
    const before = status({ terminated }, { containerID: 'c1', restartCount: 1 });
    const after = status({ waiting: { reason: 'CrashLoopBackOff' } }, { containerID: 'c1', restartCount: 1, lastState: { terminated } });

    // Act
    const lines = containerOutput(container, before, after, []);

    // Assess
    expect(lines).toEqual([]);
  });

  it('writes probe failures into the running instance', () => {
    // Prepare
    const running = status({ running: { startedAt: 't' } }, { containerID: 'c0' });

    // Act
    const lines = containerOutput(container, running, running, ['Readiness probe failed: ']);

    // Assess
    expect(lines).toEqual([{ containerId: 'c0', text: 'Readiness probe failed: ' }]);
  });
});
