/**
 * Each step checks its JSON input at its edge: a malformed state, request or option is an
 * `input` error that names the field, and the cluster is never called.
 */
import { describe, expect, it } from 'vitest';
import { applyStep, checkRollout, finalize, type StepState } from '#domain/engine/apply-step.ts';
import { InvalidStepInputError } from '#domain/engine/errors.ts';
import { ERROR_CATEGORIES } from '#domain/errors.ts';
import { FakeCluster } from '#domain/fake-cluster.ts';
import { rejection } from '../../../support/assertions.ts';
import { deployment, NS, request } from './support.ts';

async function validState(): Promise<StepState> {
  const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
  return (await applyStep(request([deployment('web')]), cluster, () => {})).state;
}

/** `state` with `change` applied to a JSON copy. */
function broken(state: StepState, change: (copy: any) => void): StepState {
  const copy = JSON.parse(JSON.stringify(state));
  change(copy);
  return copy;
}

describe('step inputs', () => {
  it.each([
    { field: 'state.objects[0].ref.kind', change: (s: any) => (s.objects[0].ref.kind = 7) },
    { field: 'state.version', change: (s: any) => (s.version = 2) },
    { field: 'state.deadline', change: (s: any) => delete s.deadline },
    { field: 'state.state', change: (s: any) => (s.state = 'sleeping') },
    { field: 'state.rollout.tracked[0].progress.sinceMs', change: (s: any) => (s.rollout.tracked[0].progress = { fingerprint: 'x', sinceMs: 'yesterday' }) },
    { field: 'state.objects[0].health.status', change: (s: any) => (s.objects[0].health = { status: 'Fine' }) },
    { field: 'state.rollout.tracked', change: (s: any) => (s.rollout.tracked[0].object = 5) },
  ])('check-rollout refuses a state with a bad $field, naming it', async ({ field, change }) => {
    // Prepare
    const state = broken(await validState(), change);
    const cluster = new FakeCluster();

    // Act
    const error = await rejection(checkRollout({ request: request([deployment('web')]), state }, cluster, { watchSeconds: 1, onEvent: () => {} }));

    // Assess
    expect(error).toBeInstanceOf(InvalidStepInputError);
    expect((error as InvalidStepInputError).category).toBe('input');
    expect(ERROR_CATEGORIES[(error as InvalidStepInputError).category].retryable).toBe(false);
    expect(error.message).toMatch(new RegExp(`^check-rollout: invalid input:\\n(.*\\n)*  ${field.replace(/[.[\]]/g, '\\$&')}: `));
    expect(cluster.calls).toEqual([]);
  });

  it('finalize refuses a plan position past the end of its plan', async () => {
    // Prepare
    const state = broken(await validState(), (s) => {
      s.plans = [{ spec: 0, name: 'shop', strategy: 'BlueGreen', steps: [{ action: 'wait', refs: [] }], next: 2, waits: true, onFailure: '' }];
    });
    const cluster = new FakeCluster();

    // Act
    const error = await rejection(finalize({ request: request([deployment('web')]), state }, cluster, () => {}));

    // Assess
    expect(error).toBeInstanceOf(InvalidStepInputError);
    expect(error.message).toContain('state.plans[0].next: past the last step of the plan');
    expect(cluster.calls).toEqual([]);
  });

  it('refuses a negative watchSeconds, and a request without files', async () => {
    // Prepare
    const state = await validState();
    const cluster = new FakeCluster();
    const { files: _files, ...withoutFiles } = request([deployment('web')]);

    // Act
    const watch = await rejection(checkRollout({ request: request([deployment('web')]), state }, cluster, { watchSeconds: -1, onEvent: () => {} }));
    const files = await rejection(applyStep(withoutFiles as never, cluster, () => {}));

    // Assess
    expect(watch.message).toContain('watchSeconds: ');
    expect(files).toBeInstanceOf(InvalidStepInputError);
    expect(files.message).toContain('apply: invalid input:\n  request.files: ');
    expect(cluster.calls).toEqual([]);
  });

  it('finalize refuses a rollout that is still progressing', async () => {
    // Prepare
    const state = await validState();
    const cluster = new FakeCluster();

    // Act
    const error = await rejection(finalize({ request: request([deployment('web')]), state }, cluster, () => {}));

    // Assess
    expect(error).toBeInstanceOf(InvalidStepInputError);
    expect(error.message).toContain('state.state: the rollout is still progressing');
  });
});
