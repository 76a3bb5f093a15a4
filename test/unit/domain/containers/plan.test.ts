import { describe, expect, it } from 'vitest';
import { type DeployPlan, planBlueGreen, planDeployContainers } from '#domain/containers/plan.ts';
import { validateDeployContainers } from '#domain/containers/validate.ts';
import type { Manifest } from '#domain/model.ts';
import { rawSpec } from './fixtures.ts';

const blueGreen = validateDeployContainers(rawSpec({ strategy: 'BlueGreen', rollingUpdate: undefined }));
const rolling = validateDeployContainers(rawSpec());
const NONE = { deployments: [], configMaps: [], secrets: [] };

/** An object a previous deployment of step `step` left behind. */
function leftover(apiVersion: string, kind: string, name: string, id: string, step = 'web'): Manifest {
  return { apiVersion, kind, metadata: { name, namespace: 'shop', labels: { 'conveyor.dev/step': step, 'conveyor.dev/deployment-id': id } } };
}

function colour(id: string) {
  return {
    deployments: [leftover('apps/v1', 'Deployment', `web-${id}`, id)],
    configMaps: [leftover('v1', 'ConfigMap', `web-${id}`, id)],
    secrets: [leftover('v1', 'Secret', `web-${id}`, id)],
  };
}

const liveService = (id: string): Manifest => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { selector: { 'conveyor.dev/step': 'web', 'conveyor.dev/deployment-id': id } },
});

const summary = (plan: DeployPlan) =>
  plan.steps.map((step) => {
    switch (step.action) {
      case 'apply':
      case 'switch':
        return `${step.action} ${step.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).join(' ')}`;
      case 'wait':
        return `wait ${step.refs.map((r) => `${r.kind}/${r.name}`).join(' ')}`;
      case 'cleanup':
        return `cleanup ${step.delete.map((r) => `${r.kind}/${r.name}`).join(' ')}`;
    }
  });

describe('planBlueGreen', () => {
  it('first deploy: apply, wait, switch, and nothing to clean up', () => {
    const plan = planBlueGreen(blueGreen, 'd1', NONE);
    expect(summary(plan)).toEqual(['apply ConfigMap/web-d1 Secret/web-d1 Deployment/web-d1', 'wait Deployment/web-d1', 'switch Service/web Ingress/web']);
    const switchStep = plan.steps[2];
    expect(switchStep).toMatchObject({ action: 'switch', to: 'd1' });
    expect(switchStep && 'from' in switchStep).toBe(false);
    expect(plan.onFailure.message).toBe('Service web was not created; Deployment web-d1 is left for inspection');
  });

  it('second deploy: switches the Service from the old colour, then deletes the old colour', () => {
    const plan = planBlueGreen(blueGreen, 'd2', { ...colour('d1'), service: liveService('d1') });
    expect(summary(plan)).toEqual([
      'apply ConfigMap/web-d2 Secret/web-d2 Deployment/web-d2',
      'wait Deployment/web-d2',
      'switch Service/web Ingress/web',
      'cleanup Deployment/web-d1 ConfigMap/web-d1 Secret/web-d1',
    ]);
    const switchStep = plan.steps[2];
    expect(switchStep).toMatchObject({ action: 'switch', from: 'd1', to: 'd2' });
    if (switchStep?.action === 'switch') {
      expect(switchStep.objects[0]?.object.spec.selector).toEqual({ 'conveyor.dev/step': 'web', 'conveyor.dev/deployment-id': 'd2' });
    }
  });

  it('cleans up a colour an earlier failed deployment left for inspection, and never other steps or itself', () => {
    const d1 = colour('d1');
    const failed = colour('d2');
    const live = {
      deployments: [...d1.deployments, ...failed.deployments, leftover('apps/v1', 'Deployment', 'web-d3', 'd3'), leftover('apps/v1', 'Deployment', 'api-d1', 'd1', 'api')],
      configMaps: [...d1.configMaps, ...failed.configMaps],
      secrets: [],
      service: liveService('d1'),
    };
    const cleanup = planBlueGreen(blueGreen, 'D3', live).steps.at(-1);
    expect(cleanup?.action === 'cleanup' && cleanup.delete.map((r) => `${r.kind}/${r.name}`)).toEqual(['Deployment/web-d1', 'Deployment/web-d2', 'ConfigMap/web-d1', 'ConfigMap/web-d2']);
  });

  it('on failure deletes nothing, leaves the Service alone and keeps the new colour for inspection', () => {
    const plan = planBlueGreen(blueGreen, 'd2', { ...colour('d1'), service: liveService('d1') });
    expect(plan.onFailure).toEqual({
      delete: [],
      serviceUntouched: true,
      keep: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-d2', namespace: 'shop' },
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'web-d2', namespace: 'shop' },
        { apiVersion: 'v1', kind: 'Secret', name: 'web-d2', namespace: 'shop' },
      ],
      message: 'Service web keeps serving Deployment web-d1; Deployment web-d2 is left for inspection',
    });
  });

  it('refuses a spec with another strategy', () => {
    expect(() => planBlueGreen(rolling, 'd1', NONE)).toThrow(TypeError);
  });
});

describe('planDeployContainers (rolling)', () => {
  it('applies everything, waits for all of it, then deletes earlier versioned config only', () => {
    const plan = planDeployContainers(rolling, 'd2', colour('d1'));
    expect(summary(plan)).toEqual([
      'apply ConfigMap/web-d2 Secret/web-d2 Deployment/web Service/web Ingress/web',
      'wait ConfigMap/web-d2 Secret/web-d2 Deployment/web Service/web Ingress/web',
      'cleanup ConfigMap/web-d1 Secret/web-d1',
    ]);
    expect(plan.onFailure.delete).toEqual([]);
  });

  it('has no cleanup on the first deploy', () => {
    expect(planDeployContainers(rolling, 'd1', NONE).steps.map((s) => s.action)).toEqual(['apply', 'wait']);
  });
});
