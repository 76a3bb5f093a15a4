/**
 * The deploy engine's request for one step on one target, built from the release snapshot the
 * deployment deploys: the step's files (a deploy-containers spec becomes its document form),
 * the release's images, the variables (sensitive values read from Secrets Manager now, marked
 * sensitive, kept in memory only) and the render context.
 *
 * System variables take ids (`#{Conveyor.Environment.Name}` is the environment id, the target
 * name its id): variable scopes name environments and targets by id, and the engine scopes with
 * the same context it fills system variables from. `#{Conveyor.Release.Number}` is the release's
 * version, as in Octopus.
 */
import { type DeployContainersSpec, DOCUMENT_API_VERSION, DOCUMENT_KIND } from '#domain/containers/spec.ts';
import type { StepRequest } from '#domain/engine/step-input.ts';
import type { Target as EngineTarget, RenderContext, Variable, VariableValue } from '#domain/model.ts';
import type { ImageReference, ProjectVariable, Step } from '#domain/pipeline/model.ts';
import type { ManifestFile } from '#domain/render/index.ts';
import type { TaskDeps } from './ports.ts';
import type { StepWork } from './step-work.ts';

const MS_PER_SECOND = 1000;

/** The snapshot's variables for the engine; each secret ARN is read (through the cache) and its value marked sensitive. */
export async function engineVariables(deps: Pick<TaskDeps, 'secretValues'>, variables: ProjectVariable[]): Promise<Variable[]> {
  const arns = [...new Set(variables.flatMap((v) => v.values.flatMap((value) => ('secretArn' in value ? [value.secretArn] : []))))];
  const values = new Map(await Promise.all(arns.map(async (arn) => [arn, await deps.secretValues.get(arn)] as const)));
  return variables.map((variable) => ({
    name: variable.name,
    values: variable.values.map((value): VariableValue => {
      const scope = value.scope ? { scope: value.scope } : {};
      return 'secretArn' in value ? { value: values.get(value.secretArn)!, sensitive: true, ...scope } : { value: value.value, ...scope };
    }),
  }));
}

/** The release's image map for the engine: repository → `tag@digest` when the digest is known (pinned), else the tag. */
export function imageMap(images: ImageReference[]): Record<string, string> {
  return Object.fromEntries(images.map((image) => [image.repository, image.digest ? `${image.tag}@${image.digest}` : image.tag]));
}

/** The files the engine renders for a manifest step; a deploy-containers spec in its document form. */
export function stepFiles(step: Step): ManifestFile[] {
  switch (step.kind) {
    case 'apply-manifests':
      return step.manifests;
    case 'deploy-containers':
      return [{ name: `${step.name}.deploy-containers.json`, content: JSON.stringify(containersDocument(step.spec), null, 1) }];
    default:
      return [];
  }
}

/** The manifest-like form of a spec (containers/document.ts), which the engine finds among the manifests. */
function containersDocument(spec: DeployContainersSpec): Record<string, unknown> {
  const { name, namespace, labels, ...rest } = spec;
  const metadata = { name, ...(namespace ? { namespace } : {}), ...(labels && Object.keys(labels).length ? { labels } : {}) };
  return { apiVersion: DOCUMENT_API_VERSION, kind: DOCUMENT_KIND, metadata, spec: rest };
}

/** What the deployment knows when it renders step `work.step` on `target`. */
export function renderContext(work: Pick<StepWork, 'deployment' | 'step'>, target: EngineTarget): RenderContext {
  const { deployment, step } = work;
  return {
    environment: deployment.environmentId,
    project: deployment.projectId,
    releaseNumber: deployment.releaseVersion,
    deploymentId: deployment.id,
    step: step.name,
    target: { name: target.name, ...(target.namespace ? { namespace: target.namespace } : {}), tags: target.tags },
  };
}

/** The engine's request for the step on `target`: what apply, check-rollout and the engine's finalize are all given. */
export function stepRequest(work: Pick<StepWork, 'deployment' | 'step' | 'release'>, target: EngineTarget, variables: Variable[]): StepRequest {
  return {
    files: stepFiles(work.step),
    variables,
    context: renderContext(work, target),
    images: imageMap(work.release.snapshot.images),
    target: { name: target.name, ...(target.namespace ? { namespace: target.namespace } : {}), ...(target.admin ? { admin: true } : {}) },
    force: false,
    dryRun: false,
    wait: true,
    timeoutMs: work.step.timeoutSeconds * MS_PER_SECOND,
  };
}
