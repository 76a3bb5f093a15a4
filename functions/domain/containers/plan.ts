/**
 * What the engine does for a deploy-containers step, as data: ordered steps of `apply`,
 * `wait`, `switch` and `cleanup`, plus what to do on failure. Pure functions; the engine
 * executes plans (apply with server-side apply, wait with the RolloutTracker, delete).
 *
 * Blue/green: the new colour is a Deployment `<name>-<id>` next to the old one; the Service
 * moves only once the new colour is healthy; older colours go only after the switch. If the
 * wait fails, nothing is deleted and the Service is untouched: the previous colour keeps
 * serving and the new one is left for inspection (the next deployment's cleanup removes it).
 */
import type { Manifest, ObjectRef, RenderedObject } from '../model.ts';
import { refOf } from '../rollout/status.ts';
import { type GenerateOptions, generateDeployContainers } from './generate.ts';
import { describeColour, type LiveObjects, olderObjects } from './live.ts';
import { DEPLOYMENT_ID_LABEL, type DeployContainersSpec } from './spec.ts';

export type { LiveObjects };

export type PlanStep =
  /** Server-side apply, in order. */
  | { action: 'apply'; objects: RenderedObject[] }
  /** Track these until done (RolloutTracker); a failure or timeout ends the plan. */
  | { action: 'wait'; refs: ObjectRef[] }
  /** Apply the Service (and Ingress) so traffic moves to colour `to`. */
  | { action: 'switch'; from?: string; to: string; objects: RenderedObject[] }
  /** Delete, after everything before succeeded. */
  | { action: 'cleanup'; delete: ObjectRef[] };

/** What the engine does when a `wait` fails or times out. */
export type FailurePlan = {
  /** Objects to delete: none for both strategies; failed objects are kept for inspection. */
  delete: ObjectRef[];
  /** True: the Service is not applied, so it keeps its previous selector (or does not exist yet). */
  serviceUntouched: boolean;
  /** What stays for a person to look at. */
  keep: ObjectRef[];
  /** One sentence for the deployment log. */
  message: string;
};

export type DeployPlan = {
  strategy: DeployContainersSpec['strategy'];
  deploymentId: string;
  steps: PlanStep[];
  onFailure: FailurePlan;
};

/** The colour the live Service selects, if any. */
export function activeColour(service: Manifest | undefined): string | undefined {
  const id: unknown = service?.spec?.selector?.[DEPLOYMENT_ID_LABEL];
  return typeof id === 'string' ? id : undefined;
}

/**
 * Blue/green: apply config + new colour, wait for it, switch the Service, then delete every
 * older colour's Deployment, ConfigMap and Secret (found by `conveyor.dev/step` and
 * `conveyor.dev/deployment-id` labels in `live`, which the engine lists with stepSelector).
 */
export function planBlueGreen(spec: DeployContainersSpec, deploymentId: string, live: LiveObjects, options: GenerateOptions = {}): DeployPlan {
  if (spec.strategy !== 'BlueGreen') throw new TypeError(`planBlueGreen: strategy is ${spec.strategy}`);
  const generated = generateDeployContainers(spec, deploymentId, options);
  const id = generated.deploymentId;
  const newColour = refOf(generated.deployment.object);
  const from = activeColour(live.service);
  const config = [generated.configMap, generated.secret].filter((o): o is RenderedObject => o !== undefined);
  const switchObjects = [generated.service!, ...(generated.ingress ? [generated.ingress] : [])];
  const older = olderObjects(spec, id, live, ['deployments', 'configMaps', 'secrets']);

  const steps: PlanStep[] = [
    { action: 'apply', objects: [...config, generated.deployment] },
    { action: 'wait', refs: [newColour] },
    { action: 'switch', to: id, objects: switchObjects, ...(from ? { from } : {}) },
  ];
  if (older.length > 0) steps.push({ action: 'cleanup', delete: older });
  const serving = from ? `Service ${spec.name} keeps serving ${describeColour(spec, from)}` : `Service ${spec.name} was not created`;
  return {
    strategy: spec.strategy,
    deploymentId: id,
    steps,
    onFailure: {
      delete: [],
      serviceUntouched: true,
      keep: [newColour, ...config.map((r) => refOf(r.object))],
      message: `${serving}; Deployment ${newColour.name} is left for inspection`,
    },
  };
}

/**
 * Recreate and RollingUpdate: apply everything, wait for all of it, then delete ConfigMaps
 * and Secrets of earlier deployments (no pod reads them once the rollout is done). On failure
 * the old ones stay: Kubernetes may still be running old pods that mount them.
 */
export function planRolling(spec: DeployContainersSpec, deploymentId: string, live: LiveObjects, options: GenerateOptions = {}): DeployPlan {
  if (spec.strategy === 'BlueGreen') throw new TypeError('planRolling: strategy is BlueGreen, use planBlueGreen');
  const generated = generateDeployContainers(spec, deploymentId, options);
  const older = olderObjects(spec, generated.deploymentId, live, ['configMaps', 'secrets']);
  const steps: PlanStep[] = [
    { action: 'apply', objects: generated.objects },
    { action: 'wait', refs: generated.objects.map((r) => refOf(r.object)) },
  ];
  if (older.length > 0) steps.push({ action: 'cleanup', delete: older });
  return {
    strategy: spec.strategy,
    deploymentId: generated.deploymentId,
    steps,
    onFailure: {
      delete: [],
      serviceUntouched: false,
      keep: generated.objects.map((r) => refOf(r.object)),
      message: `Deployment ${spec.name} is left as the ${spec.strategy} rollout left it; earlier ConfigMaps and Secrets are kept for its old pods`,
    },
  };
}

/** The plan for any strategy. */
export function planDeployContainers(spec: DeployContainersSpec, deploymentId: string, live: LiveObjects, options: GenerateOptions = {}): DeployPlan {
  return spec.strategy === 'BlueGreen' ? planBlueGreen(spec, deploymentId, live, options) : planRolling(spec, deploymentId, live, options);
}
