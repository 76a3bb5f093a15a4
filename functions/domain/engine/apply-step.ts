/**
 * The apply-manifests step (and deploy-containers specs found among the manifests): render,
 * check the boundary, dry-run everything, then apply phase by phase and, if asked, wait for
 * the rollout. Every input problem surfaces before the first real write.
 */
import { ClusterAccessError } from '../errors.ts';
import type { Manifest, ObjectHealth, ObjectRef, RenderContext, RenderedObject, Target, Variable } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { applyPhases, enforceBoundary, renderManifests, type ManifestFile } from '../render/index.ts';
import { isDeployContainersDocument, parseDeployContainersDocument } from '../containers/document.ts';
import type { DeployContainersSpec } from '../containers/spec.ts';
import { forEachLimited } from './concurrency.ts';
import { refOf, type ApplyOutcome, type EventSink } from './events.ts';
import { objectKey, preflight } from './preflight.ts';
import { declaredKinds, scopeLookup } from './scopes.ts';
import { waitForRollout } from './wait.ts';
import { bindSpecImages, executePlan, planObjects, prepareDeployContainers } from './containers-step.ts';
import { waitEstablished } from './established.ts';

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
  const specs = rendered.filter((r) => isDeployContainersDocument(r.object)).map((r) => ({ spec: parseDeployContainersDocument(r.object, r.source), source: r.source }));
  const plain = rendered.filter((r) => !isDeployContainersDocument(r.object));
  const lookup = scopeLookup(cluster, plain.map((r) => r.object));
  const bounded = await enforceBoundary(plain, request.target, lookup);
  const plans = await Promise.all(
    specs.map(({ spec, source }) => {
      const bound = bindSpecImages({ ...spec, ...(request.strategy ? { strategy: request.strategy } : {}) }, request.images, source);
      return prepareDeployContainers(cluster, bound, request.context.deploymentId, request.target, lookup, source);
    }),
  );
  const planned = plans.flatMap(planObjects);

  const inSet = declaredKinds(bounded.map((r) => r.object));
  const namespaces = await missingNamespaces(cluster, [...[...bounded, ...planned].map((r) => r.object.metadata.namespace), request.target.namespace]);
  const checked = await preflight(cluster, [...bounded, ...planned], {
    fieldManager: FIELD_MANAGER,
    force: request.force,
    concurrency,
    missingNamespaces: namespaces,
    undeclaredKinds: inSet,
  });
  if (request.dryRun) {
    const objects = [...bounded, ...planned].map((r) => ({ ref: refOf(r.object), outcome: 'validated' as const }));
    for (const o of objects) onEvent({ type: 'applied', ref: o.ref, outcome: 'validated' });
    return { state: 'validated', objects, rendered: bounded.map((r) => r.redacted) };
  }

  if (request.target.namespace) onEvent({ type: 'namespace', name: request.target.namespace, outcome: await cluster.ensureNamespace(request.target.namespace) });
  const results = new Map<string, ObjectResult>();
  const started = now();
  for (const phase of applyPhases(bounded)) {
    onEvent({ type: 'phase', name: phase.name, objects: phase.objects.length });
    await forEachLimited(phase.objects, concurrency, async (r) => {
      const live = await cluster.apply(r.object, { fieldManager: FIELD_MANAGER, force: request.force });
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
    for (const health of evaluation.objects) {
      const entry = [...results.values()].find((r) => sameRef(r.ref, health.ref));
      if (entry) entry.health = health;
    }
  }
  let note: string | undefined;
  for (const prepared of plans) {
    if (state === 'failed' || state === 'timeout') break;
    const outcome = await executePlan(cluster, prepared, { fieldManager: FIELD_MANAGER, force: request.force, wait: request.wait, timeoutMs: request.timeoutMs, concurrency, now, onEvent });
    for (const o of outcome.objects) results.set(`${o.ref.apiVersion}/${o.ref.kind}/${o.ref.namespace ?? ''}/${o.ref.name}`, o);
    if (outcome.state !== 'applied' && outcome.state !== 'done') {
      state = outcome.state;
      failure = outcome.failure;
      note = outcome.note;
    } else if (request.wait) state = 'done';
  }
  return { state, objects: [...results.values()], failure, note, rendered: [...bounded, ...planned].map((r) => r.redacted) };
}

function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '') && a.apiVersion === b.apiVersion;
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

export type { RenderedObject };
