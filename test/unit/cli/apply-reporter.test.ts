/**
 * What `conveyor apply` prints (cli/apply/reporter.ts), from engine events: one line per
 * change naming each object once, no "first live read" lines, containers that keep their
 * image summed up, a flipping pod reason printed once and counted, the counts and elapsed
 * time before the state; and the JSON result carrying bindings, warnings, outcome and health
 * per object, counts and timings. No network; the clock is a counter.
 */
import { describe, expect, it } from 'vitest';
import { Reporter } from '#cli/apply/reporter.ts';
import type { ApplyStepResult } from '#domain/engine/apply-step.ts';
import type { EngineEvent } from '#domain/engine/events.ts';
import type { ObjectRef } from '#domain/model.ts';

const WEB: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const CONFIG: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' };

function writer() {
  const chunks: string[] = [];
  return { lines: () => chunks.join('').split('\n').slice(0, -1), text: () => chunks.join(''), write: (chunk: string) => void chunks.push(chunk), isTTY: false };
}

/** A clock that moves 250 ms on every read. */
function ticking() {
  let now = 0;
  return () => (now += 250);
}

const rendered: EngineEvent = {
  type: 'rendered',
  objects: 2,
  bound: [{ repository: 'docker.io/library/nginx', value: '1.27', containers: 1 }],
  unmatched: ['Deployment/a x: redis:7', 'Deployment/b y: redis:7', 'Job/c z: busybox:1.36', 'Job/d z: alpine:3', 'Job/e z: debian:12'],
  kept: [
    { image: 'redis:7', containers: 2 },
    { image: 'busybox:1.36', containers: 1 },
    { image: 'alpine:3', containers: 1 },
    { image: 'debian:12', containers: 1 },
  ],
  variables: ['Greeting', 'Replicas'],
};

const pulling = (reason: 'ErrImagePull' | 'ImagePullBackOff'): EngineEvent => ({
  type: 'health',
  health: {
    ref: WEB,
    status: 'Progressing',
    message:
      reason === 'ErrImagePull'
        ? 'Deployment/web: 0 of 1 updated replicas are available; pod web-1 container app: ErrImagePull: not found'
        : 'Deployment/web: 0 of 1 updated replicas are available; pod web-1 container app: ImagePullBackOff: Back-off pulling image "nginx:nope": ErrImagePull: not found',
  },
});

const result: ApplyStepResult = {
  state: 'failed',
  objects: [
    { ref: CONFIG, outcome: 'unchanged', health: { ref: CONFIG, status: 'Healthy', message: 'ConfigMap/settings: applied' } },
    { ref: WEB, outcome: 'created', health: { ref: WEB, status: 'Degraded', reason: 'ProgressDeadlineExceeded', message: 'Deployment/web: ProgressDeadlineExceeded' } },
  ],
  failure: { ref: WEB, status: 'Degraded', reason: 'ProgressDeadlineExceeded', message: 'Deployment/web: ProgressDeadlineExceeded' },
  rendered: [],
};

const events: EngineEvent[] = [
  rendered,
  { type: 'warning', message: 'not validated by the server: Widget/shop/w1' },
  { type: 'applied', ref: CONFIG, outcome: 'unchanged' },
  { type: 'applied', ref: WEB, outcome: 'created' },
  { type: 'health', health: { ref: WEB, status: 'Progressing', reason: 'AwaitingStatus', message: 'Deployment/web: waiting for the first live read' } },
  pulling('ErrImagePull'),
  pulling('ImagePullBackOff'),
  pulling('ErrImagePull'),
  pulling('ImagePullBackOff'),
  pulling('ErrImagePull'),
  { type: 'health', health: { ref: WEB, status: 'Degraded', reason: 'ProgressDeadlineExceeded', message: 'Deployment/web: ProgressDeadlineExceeded' } },
];

describe('apply Reporter, text', () => {
  it('names each object once per line, hides the first-read wait, sums up kept images, counts a flipping reason, ends with counts and state', () => {
    // Prepare
    const out = writer();
    const reporter = new Reporter(out, 'text', ticking());

    // Act
    for (const event of events) reporter.event(event);
    reporter.result(result);

    // Assess
    expect(out.lines()).toEqual([
      'rendered 2 objects; variables: Greeting, Replicas; images bound: docker.io/library/nginx=1.27 (1); 5 containers keep their image: redis:7 (2), busybox:1.36 (1), alpine:3 (1) and 1 more image',
      'warning: not validated by the server: Widget/shop/w1',
      'unchanged    ConfigMap/shop/settings',
      'created      Deployment/shop/web',
      'Progressing  Deployment/shop/web: 0 of 1 updated replicas are available; pod web-1 container app: ErrImagePull: not found',
      'repeated     Deployment/shop/web: ErrImagePull ↔ ImagePullBackOff, 4 more times',
      'Degraded     Deployment/shop/web: ProgressDeadlineExceeded',
      // One clock read per event and one for the result, 250 ms apart.
      '1 created, 0 configured, 1 unchanged in 3.0s',
      'failed: Deployment/web: ProgressDeadlineExceeded',
    ]);
  });

  it('says the repeats still pending at the end, and counts a dry run as validated', () => {
    // Prepare
    const out = writer();
    const reporter = new Reporter(out, 'text', ticking());

    // Act
    for (const event of [pulling('ErrImagePull'), pulling('ImagePullBackOff'), pulling('ErrImagePull')]) reporter.event(event);
    reporter.result({ state: 'validated', objects: [{ ref: WEB, outcome: 'validated' }], rendered: [] });

    // Assess
    expect(out.lines().slice(1)).toEqual(['repeated     Deployment/shop/web: ErrImagePull ↔ ImagePullBackOff, 2 more times', '1 validated in 1.0s', 'validated']);
  });
});

describe('apply Reporter, json', () => {
  it('carries bindings, warnings, outcome and health per object, counts and timings', () => {
    // Prepare
    const out = writer();
    const reporter = new Reporter(out, 'json', ticking());

    // Act
    for (const event of events) reporter.event(event);
    reporter.result(result);

    // Assess: nothing but the one document.
    const json = JSON.parse(out.text());
    expect(json).toEqual({
      state: 'failed',
      summary: { created: 1, configured: 0, unchanged: 1, validated: 0 },
      objects: [
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings', outcome: 'unchanged', status: 'Healthy', message: 'ConfigMap/settings: applied' },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          namespace: 'shop',
          name: 'web',
          outcome: 'created',
          status: 'Degraded',
          reason: 'ProgressDeadlineExceeded',
          message: 'Deployment/web: ProgressDeadlineExceeded',
        },
      ],
      bindings: {
        images: [{ repository: 'docker.io/library/nginx', value: '1.27', containers: 1 }],
        keptImages: rendered.type === 'rendered' ? rendered.kept : [],
        unboundContainers: rendered.type === 'rendered' ? rendered.unmatched : [],
        variables: ['Greeting', 'Replicas'],
      },
      warnings: ['not validated by the server: Widget/shop/w1'],
      timings: { renderedMs: 250, appliedMs: 1000, elapsedMs: 3000 },
      failure: result.failure,
    });
  });

  it('an error is the error alone, the shape scripts match', () => {
    // Prepare
    const out = writer();
    const reporter = new Reporter(out, 'json', ticking());

    // Act
    reporter.event(rendered);
    reporter.error(Object.assign(new Error('bad'), { name: 'UnusedImagesError' }));

    // Assess
    expect(JSON.parse(out.text())).toEqual({ state: 'error', error: { type: 'UnusedImagesError', message: 'bad' } });
  });
});
