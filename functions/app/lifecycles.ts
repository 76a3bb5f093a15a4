/**
 * Lifecycles: the ordered phases a release moves through. Beyond the shape the schema checks,
 * a lifecycle must make sense to lifecycle.ts: every environment exists and sits in one phase
 * only (a release's place would otherwise be ambiguous), phase names are unique, and a phase
 * never asks for more successes than it has environments. A lifecycle a project or channel
 * follows is not deleted.
 */
import type { Lifecycle, Phase } from '#domain/pipeline/model.ts';
import { Problems } from '#domain/pipeline/validate.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { inUse, References, subjectOf } from './references.ts';

export type LifecycleInput = { name: string; phases: Phase[] };
export type NewLifecycleInput = LifecycleInput & { id: string };
export type LifecycleUpdate = LifecycleInput & { version: number };

const LIST_SUBJECT = 'lifecycles';

/** Checks the phases against each other and against the environments that exist. */
async function checkPhases(deps: AppDeps, id: string, phases: Phase[]): Promise<void> {
  const p = new Problems();
  const names = new Set<string>();
  const placed = new Map<string, number>();
  phases.forEach((phase, i) => {
    const at = `phases[${i}] (${phase.name})`;
    p.check(!names.has(phase.name.toLowerCase()), `${at}: another phase has this name`);
    names.add(phase.name.toLowerCase());
    p.check(new Set(phase.environments).size === phase.environments.length, `${at}: an environment is listed twice`);
    for (const environment of new Set(phase.environments)) {
      const earlier = placed.get(environment);
      p.check(earlier === undefined, `${at}: environment ${environment} is already in phases[${earlier}]; an environment belongs to one phase`);
      placed.set(environment, i);
    }
    p.check(
      phase.minimumEnvironmentsBeforePromotion <= phase.environments.length,
      `${at}: minimumEnvironmentsBeforePromotion is ${phase.minimumEnvironmentsBeforePromotion} but the phase has ${phase.environments.length} environments (0 means all)`,
    );
  });
  p.throwIfAny(`lifecycle ${id}`);
  const known = (await deps.stores.environments.list()).map((environment) => environment.id);
  const references = new References(`lifecycle ${id}`);
  phases.forEach((phase, i) => references.check(`phases[${i}].environments`, 'environment', phase.environments, known));
  references.throwIfAny();
}

function details(lifecycle: Lifecycle): Record<string, string | number | string[]> {
  return { name: lifecycle.name, phases: lifecycle.phases.map((phase) => `${phase.name}: ${phase.environments.join(', ')} (${phase.entry})`), version: lifecycle.version };
}

export async function listLifecycles(deps: AppDeps, caller: Caller): Promise<Lifecycle[]> {
  await authorize(deps, caller, 'read', LIST_SUBJECT);
  return deps.stores.lifecycles.list();
}

/** @throws NotFoundError */
export async function getLifecycle(deps: AppDeps, caller: Caller, id: string): Promise<Lifecycle> {
  await authorize(deps, caller, 'read', subjectOf('lifecycle', id));
  return deps.stores.lifecycles.get(id);
}

/** @throws ValidationError, UnknownReferenceError (environments), DuplicateError */
export async function createLifecycle(deps: AppDeps, caller: Caller, input: NewLifecycleInput): Promise<Lifecycle> {
  const subject = subjectOf('lifecycle', input.id);
  await authorize(deps, caller, 'configure', subject);
  await checkPhases(deps, input.id, input.phases);
  const created = await deps.stores.lifecycles.create({ id: input.id, name: input.name, phases: input.phases });
  await audit(deps, caller, 'lifecycle.create', subject, details(created));
  return created;
}

/** @throws NotFoundError, VersionConflictError, ValidationError, UnknownReferenceError */
export async function updateLifecycle(deps: AppDeps, caller: Caller, id: string, input: LifecycleUpdate): Promise<Lifecycle> {
  const subject = subjectOf('lifecycle', id);
  await authorize(deps, caller, 'configure', subject);
  await deps.stores.lifecycles.get(id);
  await checkPhases(deps, id, input.phases);
  const updated = await deps.stores.lifecycles.update({ id, name: input.name, phases: input.phases, version: input.version });
  await audit(deps, caller, 'lifecycle.update', subject, details(updated));
  return updated;
}

/** @throws NotFoundError, VersionConflictError, InvalidStateError (a project or channel follows it) */
export async function deleteLifecycle(deps: AppDeps, caller: Caller, id: string, version: number): Promise<void> {
  const subject = subjectOf('lifecycle', id);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.lifecycles.get(id);
  const projects = await deps.stores.projects.list();
  const refusal = inUse(`lifecycle ${id}`, {
    projects: projects.filter((p) => p.lifecycleId === id || p.channels.some((channel) => channel.lifecycleId === id)).map((p) => p.id),
  });
  if (refusal) throw refusal;
  await deps.stores.lifecycles.delete(id, version);
  await audit(deps, caller, 'lifecycle.delete', subject, { name: current.name, version });
}
