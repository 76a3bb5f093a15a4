/**
 * The apply-manifests step (and deploy-containers specs found among the manifests): render,
 * check the boundary, dry-run everything, then apply phase by phase and, if asked, wait for
 * the rollout. Every input problem surfaces before the first real write, with one exception
 * a cluster imposes: objects in a namespace this apply creates, and custom resources whose
 * CRD this apply defines, cannot be dry-run before that namespace or CRD exists, so the
 * server validates them when they are applied.
 *
 * Two guarantees hold at this file's edge, whatever happens inside:
 * - secrets: every event, the result and any error leave through the step's Redactor (built
 *   from its sensitive variables), the one redaction point for everything the engine reports;
 * - time: the step's Deadline bounds all of it, requests and waits alike; a failure after the
 *   first write says which objects were applied and which not (PartialApplyError).
 */
import { Deadline } from '../deadline.ts';
import { ClusterAccessError, ObjectsRejectedError, PartialApplyError } from '../errors.ts';
import type { Manifest, ObjectHealth, ObjectRef, RenderContext, RenderedObject, Target, Variable } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { Redactor } from '../redactor.ts';
import { applyPhases, checkTarget, enforceBoundary, renderManifests, type ManifestFile } from '../render/index.ts';
import { isDeployContainersDocument, parseDeployContainersDocument } from '../containers/document.ts';
import type { DeployContainersSpec } from '../containers/spec.ts';
import { Applier, FIELD_MANAGER, type ObjectResult } from './applier.ts';
import { refOf, type ApplyOutcome, type EventSink } from './events.ts';
import { objectKey, preflight, type PreflightResult } from './preflight.ts';
import { declaredKinds, scopeLookup } from './scopes.ts';
import { waitForRollout } from './wait.ts';
import { bindSpecImages, executePlan, planObjects, prepareDeployContainers } from './containers-step.ts';
import { waitEstablished } from './established.ts';
import { redactPlan, sensitiveRedactor, valuesBehindRedaction } from './redaction.ts';
import { refKey } from '../rollout/status.ts';

export { FIELD_MANAGER, type ObjectResult };
const DEFAULT_CONCURRENCY = 16;

export type ApplyStepRequest = {
  files: ManifestFile[];
  variables: Variable[];
  context: RenderContext;
  images: Record<string, string>;
  target: Pick<Target, 'name' | 'namespace' | 'admin'>;
  /** Overrides the strategy of deploy-containers specs. */
  strategy?: DeployContainersSpec['strategy'];
  force: boolean;
  dryRun: boolean;
  wait: boolean;
  /** The step's whole budget, from its start; `deadline`, when given, wins. */
  timeoutMs: number;
  /** When the step must be over (the caller's, shared with its cluster client). */
  deadline?: Deadline;
  waitForJobs?: boolean;
  concurrency?: number;
  now?: () => Date;
};

export type ApplyStepResult = {
  /** validated: dry run; applied: no wait asked; done/failed/timeout: the rollout's end. */
  state: 'validated' | 'applied' | 'done' | 'failed' | 'timeout';
  objects: ObjectResult[];
  failure?: ObjectHealth;
  /** What a failed blue/green step left as it was, for the task log. */
  note?: string;
  /** The rendered manifests with sensitive values as `***`: safe to store and show. */
  rendered: Manifest[];
};

/** Runs the step; see the file comment for what holds at its edge. */
export async function runApplyStep(request: ApplyStepRequest, cluster: ClusterClient, onEvent: EventSink): Promise<ApplyStepResult> {
  const redactor = sensitiveRedactor(request.variables);
  try {
    const result = await applyStep(request, cluster, (event) => onEvent(redactor.deep(event)), redactor);
    // The rendered copies are redacted by structure already (and may be large): kept as they are.
    const { rendered, ...rest } = result;
    return { ...redactor.deep(rest), rendered };
  } catch (error) {
    throw redactor.error(error);
  }
}

async function applyStep(request: ApplyStepRequest, cluster: ClusterClient, onEvent: EventSink, redactor: Redactor): Promise<ApplyStepResult> {
  const now = request.now ?? (() => new Date());
  const deadline = request.deadline ?? Deadline.after(request.timeoutMs, () => now().getTime());
  const concurrency = request.concurrency ?? DEFAULT_CONCURRENCY;
  checkTarget(request.target);
  const { objects: rendered, images } = renderManifests({ files: request.files, variables: request.variables, context: request.context, images: request.images });
  redactor.add(valuesBehindRedaction(rendered));
  onEvent({
    type: 'rendered',
    objects: rendered.length,
    bound: images.entries.map((e) => ({ repository: e.repository, value: e.value, containers: e.bindings.length })),
    unmatched: images.unmatched.map((u) => `${u.object} ${u.container}: ${u.image}`),
  });

  // deploy-containers specs become generated objects; everything else is applied as written.
  const specs = rendered.filter((r) => isDeployContainersDocument(r.object)).map((r) => ({ spec: parseDeployContainersDocument(r.object, r.source), source: r.source }));
  const plain = rendered.filter((r) => !isDeployContainersDocument(r.object));
  const lookup = scopeLookup(cluster, plain.map((r) => r.object));
  const bounded = await enforceBoundary(plain, request.target, lookup);
  const plans = await Promise.all(
    specs.map(async ({ spec, source }) => {
      const bound = bindSpecImages({ ...spec, ...(request.strategy ? { strategy: request.strategy } : {}) }, request.images, source);
      return redactPlan(await prepareDeployContainers(cluster, bound, request.context.deploymentId, request.target, lookup, source), redactor);
    }),
  );
  const planned = plans.flatMap(planObjects);

  const all = [...bounded, ...planned];
  const inSet = declaredKinds(bounded.map((r) => r.object));
  // Namespaces this apply brings into being: the target's, and those the manifests define.
  const defined = new Set(bounded.filter((r) => r.object.kind === 'Namespace' && r.object.apiVersion === 'v1').map((r) => r.object.metadata.name!));
  if (request.target.namespace) defined.add(request.target.namespace);
  const missing = await missingNamespaces(cluster, [...all.map((r) => r.object.metadata.namespace), request.target.namespace]);
  const toCreate = new Set([...missing].filter((ns) => defined.has(ns)));
  // The target's namespace is always ensured (an account may not see that it exists).
  const ensure = new Set([...toCreate, ...(request.target.namespace ? [request.target.namespace] : [])]);
  const preflightOptions = { fieldManager: FIELD_MANAGER, force: request.force, concurrency, undeclaredKinds: inSet };
  const checked = await preflight(cluster, all, { ...preflightOptions, missingNamespaces: toCreate });
  if (request.dryRun) {
    const objects = all.map((r) => ({ ref: refOf(r.object), outcome: 'validated' as const }));
    for (const o of objects) onEvent({ type: 'applied', ref: o.ref, outcome: 'validated' });
    return { state: 'validated', objects, rendered: all.map((r) => r.redacted) };
  }

  const started = now();
  const outcome = (object: Manifest, live: Manifest) => outcomeOf(object, live, checked.existing, started);
  const applier = new Applier(cluster, { force: request.force, concurrency, onEvent, outcomeOf: outcome });
  try {
    await createNamespacesAndCheckTheirObjects(cluster, all, ensure, checked, preflightOptions, onEvent, applier);

    const results = new Map<string, ObjectResult>();
    for (const phase of applyPhases(bounded)) {
      onEvent({ type: 'phase', name: phase.name, objects: phase.objects.length });
      for (const result of await applier.apply(phase.objects)) results.set(refKey(result.ref), result);
      if (phase.name === 'custom-resource-definitions') {
        for (const r of phase.objects) await waitEstablished(cluster, refOf(r.object), deadline, onEvent);
      }
    }

    let state: ApplyStepResult['state'] = 'applied';
    let failure: ObjectHealth | undefined;
    if (request.wait && results.size) {
      const evaluation = await waitForRollout(cluster, [...results.values()].map((r) => r.ref), { deadline, waitForJobs: request.waitForJobs, now, onEvent });
      state = evaluation.state === 'progressing' ? 'timeout' : evaluation.state;
      failure = evaluation.failure;
      for (const health of evaluation.objects) {
        const entry = results.get(refKey(health.ref));
        if (entry) entry.health = health;
      }
    }
    let note: string | undefined;
    for (const prepared of plans) {
      if (state === 'failed' || state === 'timeout') break;
      const executed = await executePlan(cluster, prepared, applier, { wait: request.wait, deadline, now, onEvent });
      for (const o of executed.objects) results.set(refKey(o.ref), o);
      if (executed.state !== 'applied' && executed.state !== 'done') {
        state = executed.state;
        failure = executed.failure;
        note = executed.note;
      } else if (request.wait) state = 'done';
    }
    return { state, objects: [...results.values()], failure, note, rendered: all.map((r) => r.redacted) };
  } catch (error) {
    if (!applier.written.size || !(error instanceof Error)) throw error;
    throw new PartialApplyError([...applier.written.values()], applier.notWritten(all.map((r) => refOf(r.object))), error);
  }
}

/** Created, changed or left as it was, from the resourceVersion the dry run saw. */
function outcomeOf(object: Manifest, live: Manifest, existing: Map<string, string>, started: Date): ApplyOutcome {
  const before = existing.get(objectKey(object));
  if (before === undefined) {
    // Not dry-run (new namespace or kind): judge by when the server created it.
    const created = Date.parse(String(live.metadata?.creationTimestamp ?? ''));
    return created >= started.getTime() - 1000 ? 'created' : 'configured';
  }
  if (before === '') return 'created';
  return String(live.metadata?.resourceVersion) === before ? 'unchanged' : 'configured';
}

/**
 * Creates the namespaces this apply brings into being, then dry-runs the objects that had to
 * wait for them; if the server rejects any, the namespaces just created are deleted again so
 * the cluster is left as it was, and the rejection is reported as bad input.
 */
async function createNamespacesAndCheckTheirObjects(
  cluster: ClusterClient,
  all: RenderedObject[],
  toCreate: Set<string>,
  checked: PreflightResult,
  options: Omit<Parameters<typeof preflight>[2], 'missingNamespaces'>,
  onEvent: EventSink,
  applier: Applier,
): Promise<void> {
  const created: ObjectRef[] = [];
  for (const name of toCreate) {
    const outcome = await cluster.ensureNamespace(name);
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name };
    if (outcome === 'created') {
      created.push(ref);
      applier.record(ref);
    }
    onEvent({ type: 'namespace', name, outcome });
  }
  const waiting = all.filter((r) => checked.skipped.has(objectKey(r.object)) && !options.undeclaredKinds.has(`${r.object.apiVersion}/${r.object.kind}`));
  if (!waiting.length) return;
  try {
    const late = await preflight(cluster, waiting, { ...options, missingNamespaces: new Set() });
    for (const [key, rv] of late.existing) checked.existing.set(key, rv);
    for (const r of waiting) checked.skipped.delete(objectKey(r.object));
  } catch (error) {
    if (error instanceof ObjectsRejectedError) {
      for (const ref of created) {
        await cluster.delete(ref);
        applier.forget(ref);
        onEvent({ type: 'deleted', ref });
      }
    }
    throw error;
  }
}

/** Namespaces that do not exist yet; an account that may not read one assumes it exists. */
async function missingNamespaces(cluster: ClusterClient, names: (string | undefined)[]): Promise<Set<string>> {
  const missing = new Set<string>();
  for (const name of new Set(names.filter((n): n is string => !!n))) {
    try {
      if (!(await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name }))) missing.add(name);
    } catch (error) {
      if (!(error instanceof ClusterAccessError)) throw error;
    }
  }
  return missing;
}
