/**
 * The apply step against the hand-written FakeCluster (no network): the namespace guard,
 * the one redaction point (events, result and errors), a fault in the middle of an apply
 * (which objects were applied and which not), and the rollback of a namespace the step
 * created when the objects in it are rejected.
 */
import { describe, expect, it } from 'vitest';
import { type ApplyStepRequest, type ApplyStepResult, runApplyStep } from '#domain/engine/apply-step.ts';
import type { EngineEvent } from '#domain/engine/events.ts';
import { ClusterUnavailableError, NamespaceBoundaryError, ObjectRejectedError, ObjectsRejectedError, PartialApplyError } from '#domain/errors.ts';
import { FakeCluster } from '#domain/fake-cluster.ts';

const SECRET = 'Pa55w0rd-of-the-db';

function request(content: string, overrides: Partial<ApplyStepRequest> = {}): ApplyStepRequest {
  return {
    files: [{ name: 'app.yaml', content }],
    variables: [{ name: 'DbPassword', values: [{ value: SECRET, sensitive: true }] }],
    context: { environment: 'Test', project: 'shop', releaseNumber: '1.0.0', deploymentId: 'd1', step: 'apply', target: { name: 'test', namespace: 'shop', tags: [] } },
    images: {},
    target: { name: 'test', namespace: 'shop' },
    force: false,
    dryRun: false,
    wait: false,
    timeoutMs: 5_000,
    concurrency: 1,
    ...overrides,
  };
}

const configMaps = (...names: string[]) => names.map((name) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  password: "#{DbPassword}"\n`).join('---\n');
const pod = `apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
  - name: api
    image: registry.example/api:#{DbPassword}
`;

async function run(req: ApplyStepRequest, cluster: FakeCluster, onEvent: (e: EngineEvent) => void = () => {}): Promise<{ result?: ApplyStepResult; error?: Error; events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  try {
    const result = await runApplyStep(req, cluster, (e) => {
      events.push(e);
      onEvent(e);
    });
    return { result, events };
  } catch (error) {
    return { error: error as Error, events };
  }
}

describe('runApplyStep with a fake cluster', () => {
  it.each(['', ' ', '../x', 'Team-A'])('refuses a target namespace of %j before any cluster call', async (namespace) => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: ['shop'] });

    // Act
    const { error } = await run(request(configMaps('a'), { target: { name: 'test', namespace } }), cluster);

    // Assess
    expect(error).toBeInstanceOf(NamespaceBoundaryError);
    expect(error!.message).toContain(`target "test" has namespace ${JSON.stringify(namespace)}`);
    expect(cluster.calls).toEqual([]);
  });

  it('never shows a sensitive value, in any filter form, in events, the result or diagnoses', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: ['shop'] });
    const leakyStatus = {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'api',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ErrImagePull', message: `pull registry.example/api:${SECRET.toUpperCase()} failed (${Buffer.from(SECRET).toString('base64')})` } },
        },
      ],
    };
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'applied' && e.ref.kind === 'Pod') cluster.setStatus(e.ref, leakyStatus);
    };

    // Act
    const { result, events, error } = await run(request(pod, { wait: true }), cluster, onEvent);

    // Assess
    expect(error).toBeUndefined();
    expect(result!.state).toBe('failed');
    expect(result!.failure!.message).toContain('ErrImagePull');
    const shown = JSON.stringify({ result, events });
    for (const form of [SECRET, SECRET.toUpperCase(), Buffer.from(SECRET).toString('base64')]) expect(shown).not.toContain(form);
    expect(shown).toContain('***');
    // The cluster got the real value.
    expect(cluster.objects.get('/Pod/shop/api')!.spec.containers[0].image).toBe(`registry.example/api:${SECRET}`);
  });

  it('redacts a sensitive value the server quotes in a rejection', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: ['shop'] });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' };
    cluster.failures.push({ verb: 'dry-run', name: 'a', error: new ObjectRejectedError(ref, `data.password: Invalid value: "${SECRET}"`, 422) });

    // Act
    const { error } = await run(request(configMaps('a')), cluster);

    // Assess
    expect(error).toBeInstanceOf(ObjectsRejectedError);
    expect(error!.message).toContain('data.password: Invalid value: "***"');
    expect(`${error!.message}${error!.stack}`).not.toContain(SECRET);
    expect(cluster.callsOf('apply')).toEqual([]);
  });

  it('names what was applied and what not when the cluster fails in the middle of an apply', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: ['shop'] });
    cluster.failures.push({ verb: 'apply', name: 'b', error: new ClusterUnavailableError('the API server answered 503') });

    // Act
    const { error } = await run(request(configMaps('a', 'b', 'c')), cluster);

    // Assess
    expect(error).toBeInstanceOf(PartialApplyError);
    const partial = error as PartialApplyError;
    expect(partial.category).toBe('unavailable');
    expect(partial.applied.map((r) => r.name)).toEqual(['a']);
    expect(partial.notApplied.map((r) => r.name)).toEqual(['b', 'c']);
    expect(partial.message).toContain('applied (1): ConfigMap/shop/a');
    expect(partial.message).toContain('not applied (2): ConfigMap/shop/b, ConfigMap/shop/c');
    expect(partial.cause).toBeInstanceOf(ClusterUnavailableError);
    expect([...cluster.objects.keys()].filter((k) => k.includes('ConfigMap'))).toEqual(['/ConfigMap/shop/a']);
  });

  it('deletes a namespace it created when the objects in it are rejected, and reports nothing applied', async () => {
    // Prepare
    const cluster = new FakeCluster();
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'a' };
    cluster.failures.push({ verb: 'dry-run', name: 'a', error: new ObjectRejectedError(ref, 'data: Invalid value', 422) });

    // Act
    const { error, events } = await run(request(configMaps('a')), cluster);

    // Assess
    expect(error).toBeInstanceOf(ObjectsRejectedError);
    expect(cluster.callsOf('ensureNamespace').map((r) => r.name)).toEqual(['shop']);
    expect(cluster.callsOf('delete').map((r) => r.name)).toEqual(['shop']);
    expect(cluster.objects.size).toBe(0);
    expect(events.filter((e) => e.type === 'deleted')).toHaveLength(1);
  });
});
