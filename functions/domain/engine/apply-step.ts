/**
 * The apply-manifests step (and deploy-containers specs found among the manifests): render,
 * check the boundary, dry-run everything, then apply phase by phase and, if asked, wait for
 * the rollout. Every input problem surfaces before the first real write, with one exception
 * a cluster imposes: objects in a namespace this apply creates, and custom resources whose
 * CRD this apply defines, cannot be dry-run before that namespace or CRD exists, so the
 * server validates them when they are applied.
 */
import { ClusterAccessError, ObjectsRejectedError } from '../errors.ts';
import type { Manifest, ObjectHealth, ObjectRef, RenderContext, RenderedObject, Target, Variable } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { applyPhases, enforceBoundary, renderManifests, type ManifestFile } from '../render/index.ts';
import { isDeployContainersDocument, parseDeployContainersDocument } from '../containers/document.ts';
import type { DeployContainersSpec } from '../containers/spec.ts';
import { forEachLimited } from './concurrency.ts';
import { refOf, type ApplyOutcome, type EventSink } from './events.ts';
import { objectKey, preflight, type PreflightResult } from './preflight.ts';
import { declaredKinds, scopeLookup } from './scopes.ts';
import { waitForRollout } from './wait.ts';
import { bindSpecImages, executePlan, planObjects, prepareDeployContainers } from './containers-step.ts';
import { waitEstablished } from './established.ts';
import { redactPlan, redactRejection } from './redaction.ts';
import { refKey } from '../rollout/status.ts';

export const FIELD_MANAGER = 'conveyor';
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
  timeoutMs: number;
  waitForJobs?: boolean;
  concurrency?: number;
  now?: () => Date;
};

export type ObjectResult = { ref: ObjectRef; outcome?: ApplyOutcome; health?: ObjectHealth };

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

export async function runApplyStep(request: ApplyStepRequest, cluster: ClusterClient, onEvent: EventSink): Promise<ApplyStepResult> {
  const now = request.now ?? (() => new Date());
  const concurrency = request.concurrency ?? DEFAULT_CONCURRENCY;
  const { objects: rendered, images } = renderManifests({ files: request.files, variables: request.variables, context: request.context, images: request.images });
  onEvent({
    type: 'rendered',
    objects: rendered.length,
    bound: images.entries.map((e) => ({ repository: e.repository, value: e.value, containers: e.bindings.length })),
    unmatched: images.unmatched.map((u) => `${u.object} ${u.container}: ${u.image}`),
  });

  // deploy-containers specs become generated objects; everything else is applied as written.
  const specs = rendered.filter((r) => isDeployContainersDocument(r.object)).map((r) => ({ spec: parseDeployContainersDocument(r.object, r.source), source: r.source, document: r }));
  const plain = rendered.filter((r) => !isDeployContainersDocument(r.object));
  const lookup = scopeLookup(cluster, plain.map((r) => r.object));
  const bounded = await enforceBoundary(plain, request.target, lookup);
  const plans = await Promise.all(
    specs.map(async ({ spec, source, document }) => {
      const bound = bindSpecImages({ ...spec, ...(request.strategy ? { strategy: request.strategy } : {}) }, request.images, source);
      return redactPlan(await prepareDeployContainers(cluster, bound, request.context.deploymentId, request.target, lookup, source), document);
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
  await createNamespacesAndCheckTheirObjects(cluster, all, ensure, checked, preflightOptions, onEvent);

  const results = new Map<string, ObjectResult>();
  const started = now();
  for (const phase of applyPhases(bounded)) {
    onEvent({ type: 'phase', name: phase.name, objects: phase.objects.length });
    await forEachLimited(phase.objects, concurrency, async (r) => {
      const live = await cluster.apply(r.object, { fieldManager: FIELD_MANAGER, force: request.force }).catch((error: unknown) => {
        throw redactRejection(error, r);
      });
      const outcome = outcomeOf(r.object, live, checked.existing, started);
      results.set(objectKey(r.object), { ref: refOf(live), outcome });
      onEvent({ type: 'applied', ref: refOf(live), outcome });
    });
    if (phase.name === 'custom-resource-definitions') {
      for (const r of phase.objects) await waitEstablished(cluster, refOf(r.object), request.timeoutMs, onEvent);
    }
  }

  let state: ApplyStepResult['state'] = 'applied';
  let failure: ObjectHealth | undefined;
  if (request.wait && results.size) {
    const evaluation = await waitForRollout(cluster, [...results.values()].map((r) => r.ref), { timeoutMs: request.timeoutMs, waitForJobs: request.waitForJobs, now, onEvent });
    state = evaluation.state === 'progressing' ? 'timeout' : evaluation.state;
    failure = evaluation.failure;
    const byRef = new Map([...results.values()].map((r) => [refKey(r.ref), r]));
    for (const health of evaluation.objects) {
      const entry = byRef.get(refKey(health.ref));
      if (entry) entry.health = health;
    }
  }
  let note: string | undefined;
  for (const prepared of plans) {
    if (state === 'failed' || state === 'timeout') break;
    const outcome = await executePlan(cluster, prepared, {
      fieldManager: FIELD_MANAGER,
      force: request.force,
      wait: request.wait,
      timeoutMs: request.timeoutMs,
      concurrency,
      now,
      onEvent,
      outcomeOf: (object, live) => outcomeOf(object, live, checked.existing, started),
    });
    for (const o of outcome.objects) results.set(refKey(o.ref), o);
    if (outcome.state !== 'applied' && outcome.state !== 'done') {
      state = outcome.state;
      failure = outcome.failure;
      note = outcome.note;
    } else if (request.wait) state = 'done';
  }
  return { state, objects: [...results.values()], failure, note, rendered: all.map((r) => r.redacted) };
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
): Promise<void> {
  const created: string[] = [];
  for (const name of toCreate) {
    const outcome = await cluster.ensureNamespace(name);
    if (outcome === 'created') created.push(name);
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
      for (const name of created) {
        await cluster.delete({ apiVersion: 'v1', kind: 'Namespace', name });
        onEvent({ type: 'deleted', ref: { apiVersion: 'v1', kind: 'Namespace', name } });
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

