/**
 * The apply step's work, the first of the engine's one-shot steps: render, check the boundary,
 * dry-run everything, then apply phase by phase, and run each deploy-containers plan up to its
 * first wait. It returns the state the later steps go on from (step-state.ts): what was
 * written, what the rollout must wait for, where each plan stands. It never waits itself.
 *
 * Every input problem surfaces before anything is left written. Two kinds of object cannot be
 * dry-run up front, because the cluster refuses any request for them until something else
 * exists: objects in a namespace this apply creates, and custom resources of a kind only a CRD
 * of this apply defines. For those, "not half done" is kept by writing only the prerequisite
 * first, dry-running the waiting objects, and undoing the prerequisite when the server
 * rejects one: namespaces are created and their objects dry-run; then the new CRDs are
 * applied, waited for until Established, and their custom resources dry-run; a rejection
 * deletes what those two stages created (CRDs first), so the cluster is as it was and the
 * error is bad input (ObjectsRejectedError, exit 2). The one thing that cannot be undone is a
 * CRD that existed and was changed to serve a new version: it stays changed, and the error
 * says so (PartialApplyError, still bad input). A custom resource whose kind the cluster
 * already serves is dry-run with everything else, so a re-apply reports it unchanged.
 *
 * With dryRun nothing is created at all: objects whose namespace is missing are dry-run in a
 * stand-in namespace instead (preflightElsewhere); custom resources of a kind no CRD serves
 * yet cannot be validated, and a warning says so. A failure after the first write says which
 * objects were applied and which not (PartialApplyError).
 */

import { isDeployContainersDocument } from '../containers/document.ts';
import type { Deadline } from '../deadline.ts';
import { ClusterAccessError, type InputProblem, ObjectsRejectedError, PartialApplyError, UnusedImagesError } from '../errors.ts';
import type { Manifest, ObjectRef, RenderedObject } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { type ApplyPhase, applyPhases, type BindingReport, checkTarget, DEFAULT_NAMESPACE, enforceBoundary, unusedImageEntries } from '../render/index.ts';
import { refKey } from '../rollout/status.ts';
import { Applier, FIELD_MANAGER, type ObjectResult } from './applier.ts';
import { planObjects, prepareDeployContainers, progressOf, runActions, specImageReport } from './containers-step.ts';
import type { StepContext } from './context.ts';
import { waitEstablished } from './established.ts';
import { describe, type EventSink, refOf } from './events.ts';
import { objectKey, type PreflightResult, preflight } from './preflight.ts';
import { redactPlan } from './redaction.ts';
import { declaredKinds, scopeLookup } from './scopes.ts';
import { actionRunner, outcomeOf } from './state-writes.ts';
import { currentWait, STEP_STATE_VERSION, type StepPhase, type StepState, setTrackerMemory } from './step-state.ts';

const CRD_PHASE = 'custom-resource-definitions';
/** Where --dry-run validates objects whose own namespace does not exist yet (preflightElsewhere). */
const STAND_IN_NAMESPACE = DEFAULT_NAMESPACE;

/** What the apply step returns: the state, and the rendered manifests (redacted by structure) to store apart from it. */
export type Applied = { state: StepState; rendered: Manifest[] };

export async function applyObjects(ctx: StepContext, cluster: ClusterClient, onEvent: EventSink, deadline: Deadline, now: () => Date): Promise<Applied> {
  const { request, concurrency } = ctx;
  checkTarget(request.target);
  const { objects: rendered, images, variables } = ctx.rendered();
  const kept = new Map<string, number>();
  for (const u of images.unmatched) kept.set(u.image, (kept.get(u.image) ?? 0) + 1);
  onEvent({
    type: 'rendered',
    objects: rendered.length,
    bound: images.entries.map((e) => ({ repository: e.repository, value: e.value, containers: e.bindings.length })),
    unmatched: images.unmatched.map((u) => `${u.object} ${u.container}: ${u.image}`),
    kept: [...kept].map(([image, containers]) => ({ image, containers })),
    variables,
  });

  // deploy-containers specs become generated objects; everything else is applied as written.
  // Specs are parsed first, so a bad spec is reported before the boundary of the rest.
  ctx.parsedSpecs();
  if (request.requireImagesUsed) assertImagesUsed([images, ...ctx.parsedSpecs().map((spec) => specImageReport(spec, request.images))]);
  const plain = rendered.filter((r) => !isDeployContainersDocument(r.object));
  const lookup = scopeLookup(
    cluster,
    plain.map((r) => r.object),
  );
  const bounded = await enforceBoundary(plain, request.target, lookup);
  const plans = await Promise.all(
    ctx.specs().map(async ({ spec, source }) => redactPlan(await prepareDeployContainers(cluster, spec, request.context.deploymentId, request.target, lookup, source), ctx.redactor)),
  );
  plans.forEach((prepared, index) => ctx.remember(index, prepared.plan));
  const planned = plans.flatMap(planObjects);

  const all = [...bounded, ...planned];
  // Kinds only a CRD of this apply defines: the cluster cannot dry-run them before it exists.
  const inSet = await unservedKinds(cluster, declaredKinds(bounded.map((r) => r.object)));
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
    await preflightElsewhere(
      cluster,
      all.filter((r) => checked.skipped.has(objectKey(r.object))),
      { ...preflightOptions, missingNamespaces: toCreate },
      onEvent,
    );
    const objects = all.map((r) => ({ ref: refOf(r.object), outcome: 'validated' as const }));
    for (const o of objects) onEvent({ type: 'applied', ref: o.ref, outcome: 'validated' });
    return { state: stateOf('validated', objects), rendered: all.map((r) => r.redacted) };
  }

  const started = now();
  const applier = new Applier(cluster, { force: request.force, concurrency, onEvent, outcomeOf: (object, live) => outcomeOf(object, live, checked.existing, started) });
  try {
    const created = await createNamespacesAndCheckTheirObjects(cluster, all, ensure, checked, preflightOptions, onEvent, applier);
    const phases = applyPhases(bounded);
    const results = new Map<string, ObjectResult>();
    await createDefinitionsAndCheckTheirObjects(
      cluster,
      phases,
      inSet,
      checked,
      { ...preflightOptions, missingNamespaces: new Set(), undeclaredKinds: new Set() },
      { applier, created, results, deadline, onEvent },
    );

    for (const phase of phases) {
      const left = phase.objects.filter((r) => !results.has(refKey(refOf(r.object))));
      if (!left.length) continue;
      onEvent({ type: 'phase', name: phase.name, objects: left.length });
      for (const result of await applier.apply(left)) results.set(refKey(result.ref), result);
      if (phase.name === CRD_PHASE) {
        for (const r of left) await waitEstablished(cluster, refOf(r.object), deadline, onEvent);
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
    if (tracked.length)
      setTrackerMemory(
        state,
        unique(tracked).map((ref) => ({ ref })),
        request.waitForJobs,
      );
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

/** Of the kinds CRDs of this apply define, those the cluster does not serve yet. */
async function unservedKinds(cluster: ClusterClient, kinds: Set<string>): Promise<Set<string>> {
  const unserved = new Set<string>();
  for (const key of kinds) {
    const slash = key.lastIndexOf('/');
    if ((await cluster.scopeOf(key.slice(0, slash), key.slice(slash + 1))) === undefined) unserved.add(key);
  }
  return unserved;
}

/** UnusedImagesError when an entry of the image map rewrote no container in any of `reports`. */
function assertImagesUsed(reports: BindingReport[]): void {
  const unused = unusedImageEntries(reports);
  if (unused.length) throw new UnusedImagesError(unused, [...new Set(reports.flatMap((r) => r.repositories))].sort());
}

/** What the apply so far has written, shared by its stages. */
type Written = { applier: Applier; created: ObjectRef[]; results: Map<string, ObjectResult>; deadline: Deadline; onEvent: EventSink };

/**
 * The CRDs that define kinds the cluster does not serve yet are applied first and waited for
 * until Established; then the custom resources of those kinds are dry-run. When the server
 * rejects one, every CRD and namespace this apply created is deleted again (CRDs first: their
 * kinds live in those namespaces) and the rejection is thrown; a CRD that existed and was
 * changed cannot be put back, so then the error says it was applied (PartialApplyError).
 */
async function createDefinitionsAndCheckTheirObjects(
  cluster: ClusterClient,
  phases: ApplyPhase[],
  unserved: Set<string>,
  checked: PreflightResult,
  options: Parameters<typeof preflight>[2],
  written: Written,
): Promise<void> {
  if (!unserved.size) return;
  const definitions = (phases.find((p) => p.name === CRD_PHASE)?.objects ?? []).filter((r) => [...declaredKinds([r.object])].some((k) => unserved.has(k)));
  const waiting = phases.flatMap((p) => p.objects).filter((r) => unserved.has(`${r.object.apiVersion}/${r.object.kind}`));
  const { applier, results, deadline, onEvent } = written;
  written.onEvent({ type: 'phase', name: CRD_PHASE, objects: definitions.length });
  for (const result of await applier.apply(definitions)) results.set(refKey(result.ref), result);
  for (const r of definitions) await waitEstablished(cluster, refOf(r.object), deadline, onEvent);
  if (!waiting.length) return;
  try {
    const late = await preflight(cluster, waiting, options);
    for (const [key, rv] of late.existing) checked.existing.set(key, rv);
  } catch (error) {
    if (!(error instanceof ObjectsRejectedError)) throw error;
    const undo = [...[...results.values()].filter((r) => r.outcome === 'created').map((r) => r.ref), ...written.created];
    for (const ref of undo) {
      await cluster.delete(ref);
      applier.forget(ref);
      results.delete(refKey(ref));
      onEvent({ type: 'deleted', ref });
    }
    written.created.length = 0;
    // With everything undone the rejection leaves as it is (the caller wraps it only when
    // something is still written: a changed CRD, named by its PartialApplyError).
    throw error;
  }
}

/**
 * --dry-run of objects whose namespace does not exist yet. A real API server answers any
 * request into a missing namespace with NotFound before it validates anything (admission's
 * NamespaceLifecycle), and a dry run must not create the namespace. So each such object is
 * dry-run in a namespace that exists (STAND_IN_NAMESPACE, present in every cluster) with its
 * namespace rewritten: the server then validates it exactly as it would in its own namespace
 * (schema, defaults, admission), which the engine's own OpenAPI checks could not (validation
 * rules, webhooks, CEL). `force` takes fields an object of the same name there may hold, so
 * only our object's own problems count. An account that may not write there (or a cluster
 * without that namespace) leaves them unvalidated, with a warning rather than a false error.
 */
async function preflightElsewhere(cluster: ClusterClient, skipped: RenderedObject[], options: Parameters<typeof preflight>[2], onEvent: EventSink): Promise<void> {
  const unservedKinds = skipped.filter((r) => options.undeclaredKinds.has(`${r.object.apiVersion}/${r.object.kind}`));
  if (unservedKinds.length) {
    onEvent({ type: 'warning', message: `not validated by the server (their CustomResourceDefinition is created by this apply): ${unservedKinds.map((r) => describe(refOf(r.redacted))).join(', ')}` });
  }
  const movable = skipped.filter((r) => !unservedKinds.includes(r));
  if (!movable.length) return;
  const moved = movable.map((r) => ({ ...r, object: { ...r.object, metadata: { ...r.object.metadata, namespace: STAND_IN_NAMESPACE } } }));
  try {
    await preflight(cluster, moved, { ...options, force: true, missingNamespaces: new Set(), undeclaredKinds: new Set() });
  } catch (error) {
    if (error instanceof ObjectsRejectedError && !isStandInMissing(error)) throw new ObjectsRejectedError(error.problems.map((p) => backFromStandIn(p, movable)));
    const unavailable = error instanceof ClusterAccessError || (error instanceof ObjectsRejectedError && isStandInMissing(error));
    if (!unavailable) throw error;
    const names = movable.map((r) => describe(refOf(r.redacted))).join(', ');
    onEvent({ type: 'warning', message: `not validated by the server (their namespace does not exist yet, and the account cannot dry-run them in "${STAND_IN_NAMESPACE}"): ${names}` });
  }
}

function isStandInMissing(error: ObjectsRejectedError): boolean {
  return error.problems.every((p) => p.message.includes(`namespaces "${STAND_IN_NAMESPACE}" not found`));
}

/** A stand-in rejection as the person wrote the object: its own namespace, and where it was checked. */
function backFromStandIn(problem: InputProblem, moved: RenderedObject[]): InputProblem {
  const object = moved.find((r) => r.source === problem.source)?.object;
  const namespace = object?.metadata.namespace;
  if (!object || !namespace) return problem;
  const shown = problem.message.replace(` ${object.kind} ${STAND_IN_NAMESPACE}/${object.metadata.name} `, ` ${object.kind} ${namespace}/${object.metadata.name} `);
  return { ...problem, message: `${shown} (dry-run in namespace "${STAND_IN_NAMESPACE}": namespace "${namespace}" does not exist yet)` };
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
