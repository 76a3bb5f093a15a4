/**
 * The apply step's work, the first of the engine's one-shot steps: render, check the boundary,
 * dry-run everything, then apply phase by phase, and run each deploy-containers plan up to its
 * first wait. It returns the state the later steps go on from (step-state.ts): what was
 * written, what the rollout must wait for, where each plan stands. It never waits itself.
 *
 * Every input problem surfaces before the first real write, with one exception a cluster
 * imposes: objects in a namespace this apply creates, and custom resources whose CRD this
 * apply defines, cannot be dry-run before that namespace or CRD exists, so the server
 * validates them when they are applied. A failure after the first write says which objects
 * were applied and which not (PartialApplyError).
 */
import type { Deadline } from '../deadline.ts';
import { ClusterAccessError, ObjectsRejectedError, PartialApplyError } from '../errors.ts';
import type { Manifest, ObjectRef, RenderedObject } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { applyPhases, checkTarget, enforceBoundary } from '../render/index.ts';
import { isDeployContainersDocument } from '../containers/document.ts';
import { refKey } from '../rollout/status.ts';
import { Applier, FIELD_MANAGER, type ObjectResult } from './applier.ts';
import { planObjects, prepareDeployContainers, progressOf, runActions } from './containers-step.ts';
import type { StepContext } from './context.ts';
import { waitEstablished } from './established.ts';
import { refOf, type EventSink } from './events.ts';
import { objectKey, preflight, type PreflightResult } from './preflight.ts';
import { redactPlan } from './redaction.ts';
import { declaredKinds, scopeLookup } from './scopes.ts';
import { actionRunner, outcomeOf } from './state-writes.ts';
import { currentWait, setTrackerMemory, STEP_STATE_VERSION, type StepPhase, type StepState } from './step-state.ts';

/** What the apply step returns: the state, and the rendered manifests (redacted by structure) to store apart from it. */
export type Applied = { state: StepState; rendered: Manifest[] };

export async function applyObjects(ctx: StepContext, cluster: ClusterClient, onEvent: EventSink, deadline: Deadline, now: () => Date): Promise<Applied> {
  const { request, concurrency } = ctx;
  checkTarget(request.target);
  const { objects: rendered, images } = ctx.rendered();
  onEvent({
    type: 'rendered',
    objects: rendered.length,
    bound: images.entries.map((e) => ({ repository: e.repository, value: e.value, containers: e.bindings.length })),
    unmatched: images.unmatched.map((u) => `${u.object} ${u.container}: ${u.image}`),
  });

  // deploy-containers specs become generated objects; everything else is applied as written.
  // Specs are parsed first, so a bad spec is reported before the boundary of the rest.
  ctx.parsedSpecs();
  const plain = rendered.filter((r) => !isDeployContainersDocument(r.object));
  const lookup = scopeLookup(cluster, plain.map((r) => r.object));
  const bounded = await enforceBoundary(plain, request.target, lookup);
  const plans = await Promise.all(
    ctx.specs().map(async ({ spec, source }) => redactPlan(await prepareDeployContainers(cluster, spec, request.context.deploymentId, request.target, lookup, source), ctx.redactor)),
  );
  plans.forEach((prepared, index) => ctx.remember(index, prepared.plan));
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
  const stateOf = (phase: StepPhase, objects: ObjectResult[]): StepState => ({
    version: STEP_STATE_VERSION,
    state: phase,
    deadline: { at: deadline.at, budgetMs: deadline.budgetMs },
    objects,
    createdNamespaces: [],
    plans: [],
  });
  if (request.dryRun) {
    const objects = all.map((r) => ({ ref: refOf(r.object), outcome: 'validated' as const }));
    for (const o of objects) onEvent({ type: 'applied', ref: o.ref, outcome: 'validated' });
    return { state: stateOf('validated', objects), rendered: all.map((r) => r.redacted) };
  }

  const started = now();
  const applier = new Applier(cluster, { force: request.force, concurrency, onEvent, outcomeOf: (object, live) => outcomeOf(object, live, checked.existing, started) });
  try {
    const created = await createNamespacesAndCheckTheirObjects(cluster, all, ensure, checked, preflightOptions, onEvent, applier);

    const results = new Map<string, ObjectResult>();
    for (const phase of applyPhases(bounded)) {
      onEvent({ type: 'phase', name: phase.name, objects: phase.objects.length });
      for (const result of await applier.apply(phase.objects)) results.set(refKey(result.ref), result);
      if (phase.name === 'custom-resource-definitions') {
        for (const r of phase.objects) await waitEstablished(cluster, refOf(r.object), deadline, onEvent);
      }
    }
    const tracked: ObjectRef[] = request.wait ? [...results.values()].map((r) => r.ref) : [];

    // Each plan up to its first wait; a blue/green plan always waits, as its switch depends on it.
    const progress = plans.map((prepared, index) => progressOf(prepared, index, request.wait || prepared.plan.strategy === 'BlueGreen', checked.existing));
    const runner = actionRunner(ctx, cluster, applier, onEvent);
    for (const plan of progress) {
      for (const result of await runActions(plan, plan.steps.length, runner)) results.set(refKey(result.ref), result);
      tracked.push(...(currentWait(plan) ?? []));
    }

    const state = stateOf(tracked.length ? 'progressing' : 'applied', [...results.values()]);
    state.createdNamespaces = created.map((ref) => ref.name);
    state.plans = progress;
    if (tracked.length) setTrackerMemory(state, unique(tracked).map((ref) => ({ ref })), request.waitForJobs);
    return { state, rendered: all.map((r) => r.redacted) };
  } catch (error) {
    if (!applier.written.size || !(error instanceof Error)) throw error;
    throw new PartialApplyError([...applier.written.values()], applier.notWritten(all.map((r) => refOf(r.object))), error);
  }
}

function unique(refs: ObjectRef[]): ObjectRef[] {
  return [...new Map(refs.map((r) => [refKey(r), r])).values()];
}

/**
 * Creates the namespaces this apply brings into being, then dry-runs the objects that had to
 * wait for them; if the server rejects any, the namespaces just created are deleted again so
 * the cluster is left as it was, and the rejection is reported as bad input. Returns the
 * namespaces it created.
 */
async function createNamespacesAndCheckTheirObjects(
  cluster: ClusterClient,
  all: RenderedObject[],
  toCreate: Set<string>,
  checked: PreflightResult,
  options: Omit<Parameters<typeof preflight>[2], 'missingNamespaces'>,
  onEvent: EventSink,
  applier: Applier,
): Promise<ObjectRef[]> {
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
  if (!waiting.length) return created;
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
  return created;
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
