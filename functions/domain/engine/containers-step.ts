/**
 * The deploy-containers step: its spec is turned into objects and a plan (Recreate and
 * RollingUpdate: apply, wait, clean older config; BlueGreen: apply the new colour, wait,
 * switch the Service, delete older colours). Plans are prepared, with live objects read
 * and the boundary checked, before anything is written; then executed in order.
 */
import type { Manifest, ObjectHealth, RenderedObject, SourceLocation, Target } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { planDeployContainers, type DeployPlan } from '../containers/plan.ts';
import { stepSelector } from '../containers/names.ts';
import type { DeployContainersSpec } from '../containers/spec.ts';
import { enforceBoundary, substituteImages, type ScopeLookup } from '../render/index.ts';
import type { Deadline } from '../deadline.ts';
import type { Applier, ObjectResult } from './applier.ts';
import { refOf, type EventSink } from './events.ts';
import { waitForRollout } from './wait.ts';

/** Fills tags/digests of the spec's container images from the release's image map. */
export function bindSpecImages(spec: DeployContainersSpec, images: Record<string, string>, source: SourceLocation): DeployContainersSpec {
  const pod: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: spec.name }, spec: { containers: spec.containers.map((c) => ({ name: c.name, image: c.image })) } };
  const [bound] = substituteImages([{ object: pod, redacted: pod, source }], images).objects;
  const boundImages: { image: string }[] = bound!.object.spec.containers;
  return { ...spec, containers: spec.containers.map((c, i) => ({ ...c, image: boundImages[i]!.image })) };
}

export type PreparedPlan = { spec: DeployContainersSpec; namespace: string; plan: DeployPlan };

/** Reads what the step left last time and plans this deployment; writes nothing. */
export async function prepareDeployContainers(
  cluster: ClusterClient,
  spec: DeployContainersSpec,
  deploymentId: string,
  target: Pick<Target, 'name' | 'namespace' | 'admin'>,
  lookup: ScopeLookup,
  source: SourceLocation,
): Promise<PreparedPlan> {
  const namespace = spec.namespace ?? target.namespace ?? 'default';
  // The boundary check of every object the step can generate, on a first plan.
  const firstPlan = planDeployContainers({ ...spec, namespace }, deploymentId, { deployments: [], configMaps: [], secrets: [] }, { source });
  const generated = firstPlan.steps.flatMap((s) => ('objects' in s ? s.objects : []));
  await enforceBoundary(generated, target, lookup);
  const selector = stepSelector(spec);
  const [deployments, configMaps, secrets, service] = await Promise.all([
    cluster.list('apps/v1', 'Deployment', namespace, selector),
    cluster.list('v1', 'ConfigMap', namespace, selector),
    cluster.list('v1', 'Secret', namespace, selector),
    cluster.get({ apiVersion: 'v1', kind: 'Service', namespace, name: spec.name }),
  ]);
  const plan = planDeployContainers({ ...spec, namespace }, deploymentId, { deployments, configMaps, secrets, service }, { source });
  return { spec, namespace, plan };
}

export function planObjects(prepared: PreparedPlan): RenderedObject[] {
  return prepared.plan.steps.flatMap((s) => ('objects' in s ? s.objects : []));
}

export type PlanOutcome = { state: 'applied' | 'done' | 'failed' | 'timeout'; objects: ObjectResult[]; failure?: ObjectHealth; note?: string };

/** Runs the plan's steps in order through the step's Applier (which records what was written). */
export async function executePlan(
  cluster: ClusterClient,
  prepared: PreparedPlan,
  applier: Applier,
  options: { wait: boolean; deadline: Deadline; now: () => Date; onEvent: EventSink },
): Promise<PlanOutcome> {
  const objects: ObjectResult[] = [];
  const apply = async (items: RenderedObject[]) => void objects.push(...(await applier.apply(items)));
  let waited = false;
  for (const step of prepared.plan.steps) {
    if (step.action === 'apply') await apply(step.objects);
    else if (step.action === 'switch') {
      await apply(step.objects);
      const service = step.objects.find((o) => o.object.kind === 'Service');
      if (service) options.onEvent({ type: 'switched', service: refOf(service.object), to: step.to });
    } else if (step.action === 'wait') {
      // A blue/green switch must wait even when the caller did not ask to: it is the point.
      if (!options.wait && prepared.plan.strategy !== 'BlueGreen') continue;
      waited = true;
      const evaluation = await waitForRollout(cluster, step.refs, { deadline: options.deadline, now: options.now, onEvent: options.onEvent });
      if (evaluation.state !== 'done') {
        return { state: evaluation.state === 'progressing' ? 'timeout' : evaluation.state, objects, failure: evaluation.failure, note: prepared.plan.onFailure.message };
      }
    } else if (step.action === 'cleanup') {
      // Older config may still be read by old pods until the new ones are known to be done.
      if (!waited) continue;
      for (const ref of step.delete) {
        await cluster.delete(ref);
        options.onEvent({ type: 'deleted', ref });
      }
    }
  }
  return { state: waited ? 'done' : 'applied', objects };
}
